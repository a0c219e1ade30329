#!/usr/bin/env bash
# units.sh: what the deployer asks about the installed systemd units before it installs only the
# ones that differ. Run as `bash -s -- ARGS` with this file on stdin (provision runs it on a
# server with no release yet). See usage below.
set -Eeuo pipefail
export LC_ALL=C

readonly EX_USAGE=2

usage() {
  cat <<'USAGE'
Usage: units.sh checksums [FILE...]

checksums  one "<sha256>  <FILE>" line per FILE, as sha256sum prints it, or "-  <FILE>" when
           FILE is not there (a unit not installed yet).

Exit codes: 0 done; 1 a FILE exists but cannot be read; 2 usage.
USAGE
}

# usage_error MESSAGE : one line on stderr, exit 2.
usage_error() {
  printf 'units.sh: error: %s (see --help)\n' "$1" >&2
  exit "$EX_USAGE"
}

# checksums FILE... : sha256 of each, "-" for a missing one.
checksums() {
  local file
  for file in "$@"; do
    if [[ -f $file ]]; then
      sha256sum -- "$file"
    else
      printf -- '-  %s\n' "$file"
    fi
  done
}

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    -h | --help) usage ;;
    checksums) checksums "$@" ;;
    *) usage_error "unknown command '$cmd'" ;;
  esac
}

# Sourced by a test, main does not run; run from a file or fed on stdin (bash -s), it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
