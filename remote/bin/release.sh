#!/usr/bin/env bash
# release.sh: the releases directory on the server ($APP_DIR/releases): a clean place to upload a
# release into, its installation once uploaded, and the list of releases. Run as `bash -s -- ARGS` with this file on stdin (the
# upload starts before the release is there). See usage below.
set -Eeuo pipefail
export LC_ALL=C

readonly EX_FAILED=1 EX_USAGE=2 EX_CHECKSUM=3

usage() {
  cat <<'USAGE'
Usage: release.sh prepare RELEASES_DIR TMP_DIR
       release.sh install ARCHIVE RELEASE_DIR SHA256
       release.sh list RELEASES_DIR

prepare  removes every RELEASES_DIR/*.tmp (half uploads: one left by a cut connection would
         never be used again), then creates TMP_DIR (and RELEASES_DIR) for the new upload.
         The caller holds the deploy lock, so no *.tmp belongs to a running upload.
install  checks that ARCHIVE (a .tar.gz in the temp dir of the upload) has the sha256 SHA256 (the
         deployer's own count of the bytes it sent), unpacks it into that dir and removes it, then
         renames the dir to
         RELEASE_DIR (one rename: the release appears whole or not at all; an existing
         RELEASE_DIR goes first: it is stale, since a complete release is never uploaded again).
list     one line per release directory (not *.tmp): "<dir name><TAB><its release.json on one
         line>", the JSON empty when release.json is missing or unreadable.

Exit codes: 0 done; 1 a removal, mkdir, unpack or rename failed; 2 usage; 3 the archive's
checksum does not match (nothing was unpacked or published).
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

# fail MESSAGE : one line on stderr, exit 1.
fail() {
  printf 'release.sh: %s\n' "$1" >&2
  exit "$EX_FAILED"
}

# install ARCHIVE RELEASE SHA256 : verify, unpack beside the archive, publish its dir.
install_release() {
  local archive=$1 release=$2 want=$3 tmp sum
  tmp=$(dirname -- "$archive")
  [[ $want =~ ^[0-9a-f]{64}$ ]] || usage_error "SHA256 must be 64 lower-case hex digits"
  [[ -f $archive ]] || fail "no $archive to install"
  sum=$(sha256sum -- "$archive") || fail "cannot read $archive"
  sum=${sum%% *}
  if [[ $sum != "$want" ]]; then
    printf 'release.sh: the uploaded archive'"'"'s checksum does not match (%s != %s); nothing was used\n' \
      "$sum" "$want" >&2
    exit "$EX_CHECKSUM"
  fi
  tar -xzf "$archive" -C "$tmp" --no-same-owner || fail "cannot unpack $archive"
  rm -f -- "$archive"
  rm -rf -- "$release"
  mv -T -- "$tmp" "$release" || fail "cannot rename $tmp to $release"
  printf 'sha256 %s verified; %s installed\n' "${sum:0:12}" "$release"
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
    install)
      (($# == 3)) || usage_error "install needs ARCHIVE, RELEASE_DIR and SHA256"
      install_release "$1" "$2" "$3"
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
