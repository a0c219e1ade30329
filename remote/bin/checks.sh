#!/usr/bin/env bash
# checks.sh: what the deployer asks of a server before a deploy that one command cannot answer.
# Run as `bash -s -- ARGS` with this file on stdin (no release is on the server yet), or from a
# release (`checks.sh clock` is the one place the clock's state is read: status, deploy checks
# and the watchdog ask it). Sources nothing. See usage.
set -Eeuo pipefail
export LC_ALL=C

readonly EX_USAGE=2

usage() {
  cat <<'USAGE'
Usage: checks.sh disk-free DIR
       checks.sh clock

disk-free  POSIX `df -Pk` (1K blocks) of DIR's file system and of Docker's data root
           (docker info's DockerRootDir: images, build cache, the database volume), which is
           often another disk: a header and one line each. DIR stands in for the data root
           when Docker does not answer.
clock      the clock's synchronisation, as key=value lines (read-only, always exit 0):
             source=chrony|timesyncd|ntp|none   the time service installed (first found)
             active=yes|no                      that service runs
             synchronized=yes|no|unknown        the kernel's clock is synchronised
                                                (timedatectl's NTPSynchronized)
             offset_ms=N                        the service's last measured offset (empty
                                                when it does not say); + means ahead

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

# unit_exists UNIT : the unit file is installed (no grep -q in a pipe: pipefail and SIGPIPE).
unit_exists() {
  [[ -n $(systemctl list-unit-files --no-legend "$1" 2>/dev/null) ]]
}

# to_ms NUMBER UNIT : milliseconds, for systemd's timespans (us, ms, s, min; LC_ALL=C: no "µs").
to_ms() {
  awk -v n="$1" -v u="$2" 'BEGIN {
    f = u == "us" ? 0.001 : u == "ms" ? 1 : u == "s" ? 1000 : u == "min" ? 60000 : -1
    if (f < 0) exit 1
    printf "%.3f\n", n * f
  }'
}

# clock_offset SOURCE : the service's last offset in ms (+ ahead of true time), or nothing.
clock_offset() {
  local line n unit
  case $1 in
    chrony)
      # "System time     : 0.000012345 seconds fast of NTP time"
      line=$(chronyc -n tracking 2>/dev/null | awk -F': ' '/^System time/ { print $2 }') || return 0
      read -r n unit direction _ <<<"$line"
      [[ $n =~ ^[0-9.]+$ && $unit == seconds ]] || return 0
      [[ $direction == slow ]] && n="-$n"
      to_ms "$n" s || true
      ;;
    timesyncd)
      # "       Offset: -1.223ms"
      line=$(timedatectl timesync-status 2>/dev/null | awk -F': ' '$1 ~ /Offset$/ { print $2 }') || return 0
      [[ $line =~ ^([+-]?[0-9.]+)([a-z]+)$ ]] || return 0
      n=${BASH_REMATCH[1]}
      unit=${BASH_REMATCH[2]}
      to_ms "${n#+}" "$unit" || true
      ;;
  esac
}

# clock_state : the time service, whether it runs, whether the clock is synchronised, its offset.
clock_state() {
  local source=none unit="" active=no synced offset="" u
  for u in chrony.service:chrony systemd-timesyncd.service:timesyncd ntpsec.service:ntp ntp.service:ntp; do
    if unit_exists "${u%%:*}"; then
      unit=${u%%:*}
      source=${u##*:}
      break
    fi
  done
  if [[ -n $unit ]] && systemctl is-active --quiet "$unit" 2>/dev/null; then active=yes; fi
  synced=$(timedatectl show -p NTPSynchronized --value 2>/dev/null) || synced=""
  [[ $synced == yes || $synced == no ]] || synced=unknown
  [[ $active == yes ]] && offset=$(clock_offset "$source")
  printf 'source=%s\nactive=%s\nsynchronized=%s\noffset_ms=%s\n' "$source" "$active" "$synced" "$offset"
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
    clock)
      (($# == 0)) || usage_error "clock takes no arguments"
      clock_state
      ;;
    *) usage_error "unknown command '$cmd'" ;;
  esac
}

# Sourced by a test, main does not run; run from a file or fed on stdin (bash -s), it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
