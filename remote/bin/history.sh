#!/usr/bin/env bash
# history.sh: $APP_DIR/history.jsonl, one JSON object per deploy, rollback or restore, appended,
# never rewritten. Run as `bash -s -- ARGS` with this file on stdin. See usage below.
set -Eeuo pipefail
export LC_ALL=C

readonly EX_USAGE=2

usage() {
  cat <<'USAGE'
Usage: history.sh append FILE LINE

append  adds LINE (one JSON object, no newline in it) and a newline to FILE, creating FILE,
        in one write, so a concurrent reader sees the whole line or none of it.

Exit codes: 0 done; 1 FILE cannot be written; 2 usage (a LINE with a newline among them).
USAGE
}

# usage_error MESSAGE : one line on stderr, exit 2.
usage_error() {
  printf 'history.sh: error: %s (see --help)\n' "$1" >&2
  exit "$EX_USAGE"
}

# append FILE LINE : one line added to FILE.
append() {
  local file=$1 line=$2
  [[ $line != *$'\n'* ]] || usage_error "LINE must be one line"
  printf '%s\n' "$line" >>"$file"
}

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    -h | --help) usage ;;
    append)
      (($# == 2)) || usage_error "append needs FILE and LINE"
      append "$1" "$2"
      ;;
    *) usage_error "unknown command '$cmd'" ;;
  esac
}

# Sourced by a test, main does not run; run from a file or fed on stdin (bash -s), it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
