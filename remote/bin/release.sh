#!/usr/bin/env bash
# release.sh: the releases directory on the server ($APP_DIR/releases): a clean place to upload a
# release into, and the list of releases. Run as `bash -s -- ARGS` with this file on stdin (the
# upload starts before the release is there). See usage below.
set -Eeuo pipefail
export LC_ALL=C

readonly EX_USAGE=2

usage() {
  cat <<'USAGE'
Usage: release.sh prepare RELEASES_DIR TMP_DIR
       release.sh list RELEASES_DIR

prepare  removes every RELEASES_DIR/*.tmp (half uploads: one left by a cut connection would
         never be used again), then creates TMP_DIR (and RELEASES_DIR) for the new upload.
         The caller holds the deploy lock, so no *.tmp belongs to a running upload.
list     one line per release directory (not *.tmp): "<dir name><TAB><its release.json on one
         line>", the JSON empty when release.json is missing or unreadable.

Exit codes: 0 done; 1 a removal or mkdir failed; 2 usage.
USAGE
}

# usage_error MESSAGE : one line on stderr, exit 2.
usage_error() {
  printf 'release.sh: error: %s (see --help)\n' "$1" >&2
  exit "$EX_USAGE"
}

# prepare RELEASES TMP : removes the half uploads, makes TMP.
prepare() {
  local releases=$1 tmp=$2 stale
  shopt -s nullglob
  stale=("$releases"/*.tmp)
  if ((${#stale[@]})); then rm -rf -- "${stale[@]}"; fi
  mkdir -p -- "$tmp"
}

# list RELEASES : "<name>\t<release.json>" for each release directory.
list() {
  local releases=$1 dir name json
  shopt -s nullglob
  for dir in "$releases"/*/; do
    name=${dir%/}
    name=${name##*/}
    [[ $name == *.tmp ]] && continue
    json=$(tr -d '\n' <"$dir/release.json" 2>/dev/null) || json=""
    printf '%s\t%s\n' "$name" "$json"
  done
}

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    -h | --help) usage ;;
    prepare)
      (($# == 2)) || usage_error "prepare needs RELEASES_DIR and TMP_DIR"
      prepare "$1" "$2"
      ;;
    list)
      (($# == 1)) || usage_error "list needs RELEASES_DIR"
      list "$1"
      ;;
    *) usage_error "unknown command '$cmd'" ;;
  esac
}

# Sourced by a test, main does not run; run from a file or fed on stdin (bash -s), it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
