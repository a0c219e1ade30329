#!/usr/bin/env bash
# offsite.sh: encrypted off-site copies of the backups, over SSH. See usage below.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail
export LC_ALL=C

BIN_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$BIN_DIR/lib.sh"

readonly EX_FAILED=1 EX_USAGE=2 EX_REFUSED=3
# How many of the newest backups a run looks at: a copy that failed is retried by the next run.
readonly RETRY_NEWEST=3

usage() {
  cat <<'EOF'
Usage: offsite.sh push

Encrypts the newest backups in $APP_DIR/backups with age (to BACKUP_AGE_RECIPIENT, a public
key; the private key is never on this server) and copies them to every destination of
BACKUP_OFFSITE over SSH. For each of the 3 newest backups that a destination does not have
yet (<name>.offsite lists the destinations that do): encrypt to <name>.age.tmp (0600, here),
send it as <path>/<name>.age.tmp, read its size and sha256 back, compare, then rename it to
<name>.age and write <name>.age.sha256 beside it. A copy that fails is reported and retried by
the next run. The result goes to $APP_DIR/recovery/offsite.json (docs/CONTRACTS.md).

Without BACKUP_AGE_RECIPIENT nothing leaves the server: the copy is refused (exit 3) with one
line, and recorded as failed.

Environment:
  BACKUP_OFFSITE              comma-separated destinations [user@]host[:port]:/absolute/path
                              (BACKUP_REMOTE, the older name, is read when this is unset)
  BACKUP_AGE_RECIPIENT        age public key (age1...)
  BACKUP_OFFSITE_KEY          SSH private key for the destinations [$APP_DIR/shared/offsite_id]
  BACKUP_OFFSITE_KNOWN_HOSTS  their pinned host keys [$APP_DIR/shared/offsite_known_hosts];
                              an unknown or changed host key fails the copy
  BACKUP_OFFSITE_TIMEOUT      seconds per transfer [1800]
  BACKUP_SSH                  the ssh program [ssh] (tests)
  APP_DIR, BACKUP_DIR         as backup.sh

Exit codes: 0 every copy done (or nothing to do, or no BACKUP_OFFSITE); 1 some copy failed
(reported, retried next run); 2 usage; 3 refused: no age recipient, nothing sent.
EOF
}

# parse_args ARG... : checks the command and the environment; sets DESTS (array), RECIPIENT.
parse_args() {
  (($# == 1)) || die "$EX_USAGE" "usage: offsite.sh push (see --help)"
  case $1 in
    -h | --help) usage && exit 0 ;;
    push) ;;
    *) die "$EX_USAGE" "unknown command '$1' (see --help)" ;;
  esac
  local list=${BACKUP_OFFSITE:-${BACKUP_REMOTE:-}} dest
  DESTS=()
  if [[ -n $list ]]; then IFS=',' read -r -a DESTS <<<"$list"; fi
  for dest in "${DESTS[@]}"; do
    dest_parts "$dest" >/dev/null || die "$EX_USAGE" "off-site destination '$dest' must be [user@]host[:port]:/absolute/path"
  done
  RECIPIENT=${BACKUP_AGE_RECIPIENT:-}
  [[ -z $RECIPIENT || $RECIPIENT =~ ^age1[02-9ac-hj-np-z]{58}$ ]] ||
    die "$EX_USAGE" "BACKUP_AGE_RECIPIENT must be an age public key (age1...), not '$RECIPIENT'"
  TIMEOUT=${BACKUP_OFFSITE_TIMEOUT:-1800}
  is_count "$TIMEOUT" || die "$EX_USAGE" "BACKUP_OFFSITE_TIMEOUT must be a whole number of seconds"
}

# dest_parts DEST : prints "LOGIN PORT PATH" (PORT 22 when not given), or fails for a malformed
# DEST. Plain characters only: the path is put inside single quotes on the remote side.
dest_parts() {
  local re='^(([a-z_][a-z0-9_-]{0,31}@)?[A-Za-z0-9][A-Za-z0-9.-]{0,252})(:([0-9]{1,5}))?:(/[A-Za-z0-9._/-]*)$'
  [[ $1 =~ $re ]] || return 1
  [[ ${BASH_REMATCH[5]} != */../* && ${BASH_REMATCH[5]} != */.. ]] || return 1
  printf '%s %s %s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[4]:-22}" "${BASH_REMATCH[5]%/}"
}

# remote DEST SCRIPT : runs the sh SCRIPT at DEST with the pinned host key; stdin passes through.
remote() {
  local login port path key known
  read -r login port path < <(dest_parts "$1")
  key=${BACKUP_OFFSITE_KEY:-$APP_DIR/shared/offsite_id}
  known=${BACKUP_OFFSITE_KNOWN_HOSTS:-$APP_DIR/shared/offsite_known_hosts}
  timeout "$TIMEOUT" "${BACKUP_SSH:-ssh}" -o BatchMode=yes -o ConnectTimeout=15 -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$known" -o IdentitiesOnly=yes -i "$key" -p "$port" -- "$login" "$2"
}

# dest_path DEST : the destination's folder.
dest_path() {
  local _login _port path
  read -r _login _port path < <(dest_parts "$1")
  printf '%s\n' "${path:-/}"
}

# done_at NAME DEST : whether NAME's marker lists DEST.
done_at() {
  [[ -f $BACKUP_DIR/$1.offsite ]] && grep -qxF -- "$2" "$BACKUP_DIR/$1.offsite"
}

# encrypt NAME : writes BACKUP_DIR/NAME.age.tmp (0600) unless it is there; prints nothing.
encrypt() {
  local name=$1
  [[ -s $BACKUP_DIR/$name.age.tmp ]] && return 0
  (umask 077 && age -r "$RECIPIENT" -o "$BACKUP_DIR/$name.age.tmp" -- "$BACKUP_DIR/$name")
}

# send NAME DEST : copies NAME.age.tmp to DEST, checks size and sha256 read back, then renames it
# there and writes its .sha256. Prints why on failure (the last line ssh or the far side said).
send() {
  local name=$1 dest=$2 dir file sum size out rsize rsum
  dir=$(dest_path "$dest")
  file=$BACKUP_DIR/$name.age.tmp
  sum=$(sha256sum <"$file")
  sum=${sum%% *}
  size=$(stat -c %s -- "$file")
  out=$(remote "$dest" "umask 077 && mkdir -p '$dir' && cat >'$dir/$name.age.tmp'" <"$file" 2>&1 >/dev/null) || {
    echo "send failed: ${out##*$'\n'}"
    return 1
  }
  out=$(remote "$dest" "stat -c %s '$dir/$name.age.tmp' && sha256sum <'$dir/$name.age.tmp'" 2>&1 </dev/null) || {
    echo "read-back failed: ${out##*$'\n'}"
    return 1
  }
  read -r -d '' rsize rsum _ <<<"$out" || true
  if [[ $rsize != "$size" || $rsum != "$sum" ]]; then
    echo "read back $rsize bytes, sha256 ${rsum:0:12}...; sent $size bytes, sha256 ${sum:0:12}..."
    return 1
  fi
  out=$(remote "$dest" "mv -f '$dir/$name.age.tmp' '$dir/$name.age' && printf '%s  %s\\n' '$sum' '$name.age' >'$dir/$name.age.sha256'" 2>&1 </dev/null) || {
    echo "rename failed: ${out##*$'\n'}"
    return 1
  }
}

# record RESULT DETAIL LAST : the run's outcome in $APP_DIR/recovery/offsite.json.
record() {
  record_state offsite "$1" "$3" "$2" "\"destinations\":$(json_string "${DESTS[*]:-}")"
}

main() {
  umask 077
  parse_args "$@"
  BACKUP_DIR=${BACKUP_DIR:-$APP_DIR/backups}
  ((${#DESTS[@]})) || return 0
  if [[ -z $RECIPIENT ]]; then
    record refused "no age recipient: nothing left the server" ""
    die "$EX_REFUSED" "off-site copy refused: no age recipient (BACKUP_AGE_RECIPIENT, backup.offsite.recipient in the targets file); nothing left the server"
  fi
  command -v age >/dev/null 2>&1 || {
    record failed "age is not installed on the server" ""
    die "$EX_FAILED" "off-site copy failed: age is not installed here (apt-get install age); nothing left the server"
  }

  local names=() name dest why failed=0 detail="" last="" copied=0
  mapfile -t names < <(find "$BACKUP_DIR" -maxdepth 1 -type f -name '*.dump' -printf '%f\n' | sort -r | head -n "$RETRY_NEWEST")
  for name in "${names[@]}"; do
    [[ -f $BACKUP_DIR/$name.sha256 ]] || continue # only what backup.sh wrote and verified
    [[ -z $last ]] && last=$name
    for dest in "${DESTS[@]}"; do
      done_at "$name" "$dest" && continue
      encrypt "$name" || {
        failed=1 detail="age could not encrypt $name"
        log "error: $detail"
        continue 2
      }
      if why=$(send "$name" "$dest"); then
        printf '%s\n' "$dest" >>"$BACKUP_DIR/$name.offsite"
        copied=$((copied + 1))
        log "copied $name encrypted to $dest (size and sha256 read back)"
      else
        failed=1 detail="$name to $dest: $why"
        log "warning: off-site copy of $detail; retried by the next run"
      fi
    done
    rm -f -- "$BACKUP_DIR/$name.age.tmp"
  done
  if ((failed)); then
    record failed "$detail" "$last"
    exit "$EX_FAILED"
  fi
  record ok "$copied copies" "$last"
}

# Sourced by a test, main does not run; run from a file, it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
