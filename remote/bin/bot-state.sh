#!/usr/bin/env bash
# bot-state.sh: what the deployer's gates judge about one bot container, in one round trip: Docker's
# view of it and the bot's own answer on /health (docs/CONTRACTS.md: HEALTH_PORT). The GET goes
# from the server itself over the bridge network with bash's /dev/tcp, so no curl is needed and
# nothing runs inside the container (its CPU limit is the bot's, and the bot may be starting). The
# deployer runs it as `bash -s -- CONTAINER` with this file on stdin. See usage below.
set -Eeuo pipefail
export LC_ALL=C

readonly EX_USAGE=2
# A silent peer is waited for at most this long (seconds).
readonly GET_TIMEOUT=2
readonly US=$'\x1f'
# Only HEALTH_PORT's value out of the container's environment, which also holds every secret.
# shellcheck disable=SC2016 # a Go template for docker, not a shell expansion
readonly HEALTH_PORT_OF_ENV='{{range .Config.Env}}{{$kv := split . "="}}{{if eq (index $kv 0) "HEALTH_PORT"}}{{index $kv 1}}{{end}}{{end}}'

usage() {
  cat <<'USAGE'
Usage: bot-state.sh CONTAINER

Prints three lines about the container (an id, as `docker ps -q` gives it):
  1. Docker's State as JSON, a tab, and its restart count;
  2. the status line of `GET /health` on the container's address (e.g. "HTTP/1.1 200 OK"),
     or "-" when nothing answered within 2 s;
  3. the body of that answer (the bot's one JSON line), or nothing.
The port is the container's HEALTH_PORT (8080 when it sets none).

Exit codes: 0 printed; 1 docker inspect failed (no such container); 2 usage.
USAGE
}

# usage_error MESSAGE : one line on stderr, exit 2.
usage_error() {
  printf 'bot-state.sh: error: %s (see --help)\n' "$1" >&2
  exit "$EX_USAGE"
}

# close_connection : the socket goes with the process anyway; closed explicitly on every exit.
close_connection() {
  exec 3<&- 3>&-
}

# get_health IP PORT : prints the status line and the body (nothing when the peer closes silently).
get_health() {
  local ip=$1 port=$2 status line length="" body
  exec 3<>"/dev/tcp/$ip/$port" || return 1
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

# bounded_get IP PORT : get_health in a child bash under timeout(1): a connect to an address
# nobody holds any more, or a peer that never answers, costs at most GET_TIMEOUT.
bounded_get() {
  timeout "$GET_TIMEOUT" bash -c "$(declare -f get_health close_connection); get_health \"\$1\" \"\$2\"" \
    bot-state.sh "$1" "$2" 2>/dev/null || true
}

# state CONTAINER : line 1, then the GET when the container has an address.
state() {
  local id=$1 line state restarts ips health_port ip port=8080 answer=""
  # Fields apart by US (0x1f): read collapses runs of a whitespace IFS such as a tab, so an empty
  # field (no address, no HEALTH_PORT) would shift the next into its place; JSON escapes US.
  line=$(docker inspect --format "{{json .State}}$US{{.RestartCount}}$US{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}$US$HEALTH_PORT_OF_ENV" -- "$id") || return 1
  IFS=$US read -r state restarts ips health_port <<<"$line"
  printf '%s\t%s\n' "$state" "$restarts"
  ip=${ips%% *}
  if [[ $health_port =~ ^[0-9]{1,5}$ ]]; then port=$health_port; fi
  if [[ -n $ip ]]; then answer=$(bounded_get "$ip" "$port"); fi
  if [[ -n $answer ]]; then printf '%s\n' "$answer"; else printf -- '-\n'; fi
}

main() {
  case ${1:-} in
    -h | --help) usage ;;
    *)
      (($# == 1)) || usage_error "bot-state.sh needs one CONTAINER"
      [[ $1 =~ ^[0-9a-f]{12,64}$ ]] || usage_error "not a container id: $1"
      state "$1"
      ;;
  esac
}

# Sourced by a test, main does not run; run from a file or fed on stdin (bash -s), it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
