#!/usr/bin/env bash
# lock.sh: the deploy lock, a directory whose mkdir is atomic, so of two racing deployers exactly
# one gets it; its info.json says who holds it. The deployer runs this as `bash -s -- ARGS` with
# the file on stdin (the lock is taken before a release is on the server). See usage below.
set -Eeuo pipefail
export LC_ALL=C

readonly EX_USAGE=2 EX_HELD=3

usage() {
  cat <<'USAGE'
Usage: lock.sh acquire LOCK_DIR INFO_JSON
       lock.sh release LOCK_DIR
       lock.sh read LOCK_DIR

acquire  creates LOCK_DIR and writes INFO_JSON (one line, e.g. {"by","at","action","tag","pid"})
         to LOCK_DIR/info.json. When LOCK_DIR exists already, prints the holder's info.json
         (waiting up to a second for a holder that has just made it; {} when there is still
         none) and exits 3.
release  removes LOCK_DIR, whoever holds it.
read     prints LOCK_DIR/info.json (exit 1 when there is none).

Exit codes: 0 done; 1 the lock cannot be created (no parent directory, no permission) or, for
read, no info.json; 2 usage; 3 the lock is held (acquire).
USAGE
}

# usage_error MESSAGE : one line on stderr, exit 2.
usage_error() {
  printf 'lock.sh: error: %s (see --help)\n' "$1" >&2
  exit "$EX_USAGE"
}

# acquire DIR INFO : takes the lock, or prints the holder's info and returns 3.
acquire() {
  local dir=$1 info=$2
  if mkdir -- "$dir" 2>/dev/null; then
    # The lock is ours from the mkdir on: exit 0 even when info.json cannot be written, so the
    # deployer that holds it also releases it.
    printf '%s\n' "$info" >"$dir/info.json" || printf 'lock.sh: warning: cannot write %s/info.json\n' "$dir" >&2
    return 0
  fi
  if [[ -d $dir ]]; then
    # The holder writes info.json just after its mkdir: a racing loser gives it a moment, so it
    # can say who won (a busy machine may let the loser read first).
    local i
    for ((i = 0; i < 20; i++)); do
      [[ -s $dir/info.json ]] && break
      sleep 0.05
    done
    cat -- "$dir/info.json" 2>/dev/null || printf '{}\n'
    return "$EX_HELD"
  fi
  printf 'cannot create %s\n' "$dir" >&2
  return 1
}

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    -h | --help) usage ;;
    acquire)
      (($# == 2)) || usage_error "acquire needs LOCK_DIR and INFO_JSON"
      acquire "$1" "$2"
      ;;
    release)
      (($# == 1)) || usage_error "release needs LOCK_DIR"
      rm -rf -- "$1"
      ;;
    read)
      (($# == 1)) || usage_error "read needs LOCK_DIR"
      cat -- "$1/info.json"
      ;;
    *) usage_error "unknown command '$cmd'" ;;
  esac
}

# Sourced by a test, main does not run; run from a file or fed on stdin (bash -s), it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
