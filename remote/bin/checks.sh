#!/usr/bin/env bash
# checks.sh: what the deployer asks of a server before a deploy that one command cannot answer.
# Run as `bash -s -- ARGS` with this file on stdin (no release is on the server yet). See usage.
set -Eeuo pipefail
export LC_ALL=C

readonly EX_USAGE=2

usage() {
  cat <<'USAGE'
Usage: checks.sh disk-free DIR

disk-free  POSIX `df -Pk` (1K blocks) of DIR's file system and of Docker's data root
           (docker info's DockerRootDir: images, build cache, the database volume), which is
           often another disk: a header and one line each. DIR stands in for the data root
           when Docker does not answer.

Exit codes: 0 done; 1 df failed (e.g. DIR is missing); 2 usage.
USAGE
}

# usage_error MESSAGE : one line on stderr, exit 2.
usage_error() {
  printf 'checks.sh: error: %s (see --help)\n' "$1" >&2
  exit "$EX_USAGE"
}

# docker_root : prints Docker's data root, or fails when Docker is missing or does not answer.
docker_root() {
  docker info --format '{{.DockerRootDir}}' 2>/dev/null
}

# disk_free DIR : df of DIR and of Docker's data root.
disk_free() {
  local dir=$1 root
  root=$(docker_root) || root=$dir
  df -Pk -- "$dir" "${root:-$dir}"
}

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    -h | --help) usage ;;
    disk-free)
      (($# == 1)) || usage_error "disk-free needs DIR"
      disk_free "$1"
      ;;
    *) usage_error "unknown command '$cmd'" ;;
  esac
}

# Sourced by a test, main does not run; run from a file or fed on stdin (bash -s), it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
