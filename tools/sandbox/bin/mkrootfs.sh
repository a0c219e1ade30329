#!/usr/bin/env bash
# mkrootfs.sh SUITE MIRROR CACHE_DIR OUT_TAR
# Builds a Debian minbase root filesystem with debootstrap, trimmed like the official *-slim images,
# and writes it as a tar (numeric owners) to OUT_TAR, for `docker import`. Needs root and debootstrap.
set -Eeuo pipefail

readonly SUITE=${1:?suite} MIRROR=${2:?mirror} CACHE_DIR=${3:?cache dir} OUT_TAR=${4:?output tar}
ROOTFS=""

cleanup() { [[ -n $ROOTFS && -d $ROOTFS ]] && rm -rf -- "$ROOTFS"; }
trap cleanup EXIT

security_mirror() { # bookworm: bookworm-security; the same layout from trixie on
  printf '%s-security' "$MIRROR"
}

bootstrap() {
  mkdir -p -- "$CACHE_DIR"
  debootstrap --variant=minbase --cache-dir="$CACHE_DIR" "$SUITE" "$ROOTFS" "$MIRROR"
}

write_apt_sources() {
  local sources=(
    "deb $MIRROR $SUITE main"
    "deb $MIRROR $SUITE-updates main"
    "deb $(security_mirror) $SUITE-security main"
  )
  printf '%s\n' "${sources[@]}" >"$ROOTFS/etc/apt/sources.list"
}

write_slim_excludes() { # what the official slim images leave out of every later package install
  cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
CFG
}

trim() {
  rm -f "$ROOTFS"/var/cache/apt/archives/*.deb
  rm -rf "$ROOTFS"/var/lib/apt/lists/*
  mkdir -p "$ROOTFS/var/lib/apt/lists/partial"
  find "$ROOTFS/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
  find "$ROOTFS/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$ROOTFS"/usr/share/{locale,man,info,groff,lintian}/*
  rm -rf "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt/*
  # docker manages these at run time
  : >"$ROOTFS/etc/resolv.conf"
  echo localhost >"$ROOTFS/etc/hostname"
}

main() {
  ROOTFS=$(mktemp -d "${TMPDIR:-/tmp}/mkrootfs-$SUITE.XXXXXX")
  bootstrap
  write_apt_sources
  write_slim_excludes
  trim
  tar -C "$ROOTFS" --numeric-owner -cf "$OUT_TAR.part" .
  mv -f -- "$OUT_TAR.part" "$OUT_TAR"
}

main
