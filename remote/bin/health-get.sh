#!/usr/bin/env bash
# health-get.sh: one GET of the bot's /health (docs/CONTRACTS.md: HEALTH_PORT) from the server
# itself, over the bridge network: bash's /dev/tcp, so no curl is needed and nothing runs inside
# the container (its CPU limit is the bot's, and the bot may be starting). The deployer runs it as
# `timeout 2 bash -s -- IP PORT` with this file on stdin. See usage below.
set -Eeuo pipefail
export LC_ALL=C

readonly EX_USAGE=2

usage() {
  cat <<'USAGE'
Usage: health-get.sh IP PORT

Sends `GET /health HTTP/1.0` to IP:PORT and prints the status line (e.g. "HTTP/1.1 200 OK"),
then the body (the bot's JSON, e.g. {"ok":true,...}) on the next line; carriage returns and the
headers are left out. Bound it with timeout(1): a silent peer is waited for.

Exit codes: 0 the request was sent (what came back is printed, possibly nothing); 1 no
connection; 2 usage.
USAGE
}

# usage_error MESSAGE : one line on stderr, exit 2.
usage_error() {
  printf 'health-get.sh: error: %s (see --help)\n' "$1" >&2
  exit "$EX_USAGE"
}

# close_connection : the socket goes with the process anyway; closed explicitly on every exit.
close_connection() {
  exec 3<&- 3>&-
}

# get_health IP PORT : prints the status line and the body.
get_health() {
  local ip=$1 port=$2 status line length="" body
  if ! exec 3<>"/dev/tcp/$ip/$port"; then
    printf 'health-get.sh: no connection to %s:%s\n' "$ip" "$port" >&2
    return 1
  fi
  trap close_connection EXIT
  printf 'GET /health HTTP/1.0\r\n\r\n' >&3
  IFS= read -r status <&3 || return 0 # closed without an answer
  printf '%s\n' "${status%$'\r'}"
  while IFS= read -r line <&3; do
    line=${line%$'\r'}
    [[ -n $line ]] || break
    if [[ ${line,,} =~ ^content-length:[[:space:]]*([0-9]+)$ ]]; then length=${BASH_REMATCH[1]}; fi
  done
  # Content-Length when given (no wait for the close), else up to the close (HTTP/1.0).
  if [[ -n $length ]]; then body=$(head -c "$length" <&3); else body=$(cat <&3); fi
  if [[ -n $body ]]; then printf '%s\n' "$body"; fi
}

main() {
  case ${1:-} in
    -h | --help) usage ;;
    *)
      (($# == 2)) || usage_error "health-get.sh needs IP and PORT"
      get_health "$1" "$2"
      ;;
  esac
}

# Sourced by a test, main does not run; run from a file or fed on stdin (bash -s), it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
