#!/usr/bin/env bash
# disk-check.sh: free space of / and of Docker's data root, with a warning under a threshold.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail
export LC_ALL=C

BIN_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$BIN_DIR/lib.sh"

readonly EX_LOW=1 EX_USAGE=2

usage() {
  cat <<'EOF'
Usage: disk-check.sh [--json] [--min-free-mb N]

Prints the free space of / and of Docker's data root (docker info -f '{{.DockerRootDir}}'),
one line each, and a warning for every one below the threshold.

  --json            one JSON object instead, for the deployer:
                    {"ok":true,"minFreeMb":1024,"filesystems":[{"label":"root","path":"/",
                     "freeMb":N,"totalMb":N,"usedPercent":N,"ok":true},{"label":"docker",...}]}
                    (Docker unreachable: its entry has "path":null and an "error")
  --min-free-mb N   the threshold in MiB [DISK_MIN_FREE_MB, default 1024]
  -h, --help        this text

Exit codes: 0 enough space everywhere; 1 some file system is below the threshold; 2 usage.
An unreachable Docker is reported but does not change the exit code.
EOF
}

# parse_args ARG... : sets JSON and MIN_FREE_MB, or exits 2 with a one-line message.
parse_args() {
  JSON=0
  MIN_FREE_MB=${DISK_MIN_FREE_MB:-1024}
  while (($#)); do
    case $1 in
      -h | --help) usage && exit 0 ;;
      --json) JSON=1 && shift ;;
      --min-free-mb)
        (($# >= 2)) || die "$EX_USAGE" "--min-free-mb needs a value (see --help)"
        MIN_FREE_MB=$2
        shift 2
        ;;
      *) die "$EX_USAGE" "unknown argument '$1' (see --help)" ;;
    esac
  done
  is_count "$MIN_FREE_MB" || die "$EX_USAGE" "min-free-mb must be a whole number of MiB, not '$MIN_FREE_MB'"
}

# docker_root : prints Docker's data root, or fails when Docker does not answer (bounded).
docker_root() {
  timeout 20 docker info -f '{{.DockerRootDir}}' 2>/dev/null
}

# fs_figures PATH : prints "FREE_MB TOTAL_MB USED_PERCENT" for PATH's file system.
fs_figures() {
  df -Pk -- "$1" | awk 'NR == 2 { sub(/%/, "", $5); print int($4 / 1024), int($2 / 1024), $5 + 0 }'
}

# json_string TEXT : TEXT as a JSON string (paths: only '\' and '"' need escaping).
json_string() {
  local s=${1//\\/\\\\}
  printf '"%s"' "${s//\"/\\\"}"
}

# report LABEL PATH : prints PATH's figures (text or a JSON object) and returns 1 when it is low.
report() {
  local label=$1 path=$2 free total used ok=true
  read -r free total used < <(fs_figures "$path")
  ((free >= MIN_FREE_MB)) || ok=false
  if ((JSON)); then
    printf '{"label":"%s","path":%s,"freeMb":%d,"totalMb":%d,"usedPercent":%d,"ok":%s}' \
      "$label" "$(json_string "$path")" "$free" "$total" "$used" "$ok"
  else
    printf '%s (%s): %d MiB free of %d MiB (%d%% used)\n' "$path" "$label" "$free" "$total" "$used"
    [[ $ok == true ]] || log "warning: $path has $free MiB free, below the $MIN_FREE_MB MiB threshold"
  fi
  [[ $ok == true ]]
}

main() {
  parse_args "$@"
  local status=0 root
  if ((JSON)); then printf '{"minFreeMb":%d,"filesystems":[' "$MIN_FREE_MB"; fi
  report root / || status=$EX_LOW
  if root=$(docker_root) && [[ -n $root && -d $root ]]; then
    if ((JSON)); then printf ','; fi
    report docker "$root" || status=$EX_LOW
  elif ((JSON)); then
    printf ',{"label":"docker","path":null,"error":"docker info did not answer"}'
  else
    log "note: Docker's data root is unknown (docker info did not answer)"
  fi
  if ((JSON)); then printf '],"ok":%s}\n' "$( ((status == 0)) && echo true || echo false)"; fi
  return "$status"
}

# Sourced by a test, main does not run; run from a file or fed on stdin (bash -s), it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
