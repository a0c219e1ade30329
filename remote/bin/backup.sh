#!/usr/bin/env bash
# backup.sh: a verified pg_dump of the app's database into $APP_DIR/backups, then retention and
# an optional off-site copy. Run by <app>-backup.timer every 6 h, by the deployer before each
# deploy and by restore.sh. See usage below.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail
export LC_ALL=C

BIN_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$BIN_DIR/lib.sh"

readonly EX_USAGE=2 EX_DISK_LOW=3 EX_DUMP_FAILED=4 EX_VERIFY_FAILED=5 EX_BUSY=6

usage() {
  cat <<'EOF'
Usage: backup.sh [--label LABEL] [--keep-days N] [--keep-count N] [--min-free-mb N] [--no-prune]

Dumps the app's PostgreSQL database (pg_dump -Fc inside the postgres container) to
$APP_DIR/backups/<UTC %Y%m%dT%H%M%SZ>_<release>[_<label>].dump: written to a .tmp file (0600),
read back with pg_restore, then renamed. Then deletes backups older than --keep-days or beyond
the newest --keep-count (never the newest one nor the one just written), and copies the new file
to BACKUP_REMOTE when that is set. Prints the new file's path on stdout; logs go to stderr.

Options (environment variable in brackets):
  --label LABEL      appended to the name; lower-case letters, digits and '-' (e.g. pre-deploy)
  --keep-days N      delete backups older than N days            [BACKUP_KEEP_DAYS, default 7]
  --keep-count N     keep at most the N newest backups (N >= 1)  [BACKUP_KEEP_COUNT, default 28]
  --min-free-mb N    refuse to dump with less free disk (MiB)    [BACKUP_MIN_FREE_MB, default 1024]
  --no-prune         skip retention (restore.sh: keeps the file being restored)
  -h, --help         this text

Environment: APP_DIR (default /opt/remindbot), BACKUP_DIR (default $APP_DIR/backups),
BACKUP_REMOTE=user@host:/path (off-site copy over ssh with rsync or scp; a failure is reported,
not fatal), BACKUP_LOCK_WAIT seconds to wait for a running backup (default 600), PG_EXEC (see
lib.sh: empty runs the client tools here with the PG* environment).

Exit codes: 0 done; 1 unexpected error; 2 usage; 3 free disk below the threshold (nothing
written); 4 pg_dump failed; 5 the dump did not read back; 6 another backup holds the lock.
EOF
}

# parse_args ARG... : sets LABEL, KEEP_DAYS, KEEP_COUNT, MIN_FREE_MB and PRUNE from the flags
# and the environment, or exits 2 with a one-line message.
parse_args() {
  LABEL=""
  KEEP_DAYS=${BACKUP_KEEP_DAYS:-7}
  KEEP_COUNT=${BACKUP_KEEP_COUNT:-28}
  MIN_FREE_MB=${BACKUP_MIN_FREE_MB:-1024}
  PRUNE=1
  while (($#)); do
    case $1 in
      -h | --help) usage && exit 0 ;;
      --label | --keep-days | --keep-count | --min-free-mb)
        (($# >= 2)) || die "$EX_USAGE" "$1 needs a value (see --help)"
        case $1 in
          --label) LABEL=$2 ;;
          --keep-days) KEEP_DAYS=$2 ;;
          --keep-count) KEEP_COUNT=$2 ;;
          --min-free-mb) MIN_FREE_MB=$2 ;;
        esac
        shift 2
        ;;
      --no-prune) PRUNE=0 && shift ;;
      *) die "$EX_USAGE" "unknown argument '$1' (see --help)" ;;
    esac
  done
  [[ -z $LABEL || $LABEL =~ ^[a-z0-9][a-z0-9-]{0,59}$ ]] ||
    die "$EX_USAGE" "label '$LABEL' must be lower-case letters, digits and '-' (at most 60)"
  is_count "$KEEP_DAYS" || die "$EX_USAGE" "keep-days must be a whole number of days, not '$KEEP_DAYS'"
  if ! is_count "$KEEP_COUNT" || ((KEEP_COUNT < 1)); then
    die "$EX_USAGE" "keep-count must be a whole number >= 1, not '$KEEP_COUNT'"
  fi
  is_count "$MIN_FREE_MB" || die "$EX_USAGE" "min-free-mb must be a whole number of MiB, not '$MIN_FREE_MB'"
  check_pg_exec
}

# prepare_backup_dir : creates BACKUP_DIR 0700 (and tightens an existing one).
prepare_backup_dir() {
  (umask 077 && mkdir -p -- "$BACKUP_DIR")
  chmod 0700 -- "$BACKUP_DIR"
}

# check_free_space MIN_MB : exits 3 before anything is written when BACKUP_DIR's file system has
# less than MIN_MB MiB free (a half-written dump would fill the disk the database needs).
check_free_space() {
  local min=$1 free
  free=$(free_mb "$BACKUP_DIR")
  if ((free < min)); then
    die "$EX_DISK_LOW" "only $free MiB free for $BACKUP_DIR, below the $min MiB threshold" \
      "(BACKUP_MIN_FREE_MB or --min-free-mb): no backup taken; free some space"
  fi
  log "$free MiB free for $BACKUP_DIR (threshold $min MiB)"
}

# take_lock : one backup at a time (timer, deploy and restore may meet); waits BACKUP_LOCK_WAIT
# seconds at most, then exits 6. The lock goes with the process.
take_lock() {
  local wait=${BACKUP_LOCK_WAIT:-600}
  exec {LOCK_FD}>>"$BACKUP_DIR/.lock"
  flock -w "$wait" "$LOCK_FD" || die "$EX_BUSY" "another backup has held $BACKUP_DIR/.lock for ${wait}s; try again later"
}

# remove_stale_temp_files : .tmp files left by a backup that was killed (we hold the lock, so no
# other backup is writing one).
remove_stale_temp_files() {
  find "$BACKUP_DIR" -maxdepth 1 -type f -name '*.dump.tmp' -print -delete | sed 's/^/removed stale /' >&2
}

# backup_name LABEL : prints a name for a new backup that no existing file has.
backup_name() {
  local label=$1 release name _
  release=$(current_release)
  for _ in 1 2 3; do
    name="$(date -u +%Y%m%dT%H%M%SZ)_${release}${label:+_$label}.dump"
    [[ -e $BACKUP_DIR/$name || -e $BACKUP_DIR/$name.tmp ]] || break
    sleep 1 # two backups in the same second: the next second gives a new name
  done
  printf '%s\n' "$name"
}

# dump_database FILE : streams pg_dump -Fc of the database into FILE, created 0600.
dump_database() {
  local file=$1
  (
    umask 077
    pg_run 'exec pg_dump -Fc' >"$file"
  )
}

# is_backup_name NAME : succeeds for names this script manages (others in the folder are left alone).
is_backup_name() {
  [[ $1 =~ ^[0-9]{8}T[0-9]{6}Z_[A-Za-z0-9.-]+(_[a-z0-9-]+)?\.dump$ ]]
}

# list_backups : prints the managed backups' names, newest first (names start with a UTC stamp).
list_backups() {
  local name
  while IFS= read -r name; do
    if is_backup_name "$name"; then printf '%s\n' "$name"; fi
  done < <(find "$BACKUP_DIR" -maxdepth 1 -type f -name '*.dump' -printf '%f\n' | sort -r)
}

# prune_backups KEEP_DAYS KEEP_COUNT PROTECT : deletes backups whose name's stamp is older than
# KEEP_DAYS days or that are beyond the KEEP_COUNT newest; never the newest nor PROTECT. The age is
# read from the name, not the mtime, so a copied-back file ages by when it was taken.
prune_backups() {
  local days=$1 count=$2 protect=$3 cutoff name rank=0 pruned=0
  cutoff=$(date -u -d "@$(($(date +%s) - days * 86400))" +%Y%m%dT%H%M%SZ)
  while IFS= read -r name; do
    rank=$((rank + 1))
    if ((rank == 1)) || [[ $name == "$protect" ]]; then continue; fi
    if ((rank > count)) || [[ ${name%%_*} < "$cutoff" ]]; then
      rm -f -- "${BACKUP_DIR:?}/$name"
      pruned=$((pruned + 1))
      log "pruned $name"
    fi
  done < <(list_backups)
  log "retention: $((rank - pruned)) backups kept (at most $count, none older than $days days)"
}

# copy_offsite FILE : copies FILE to BACKUP_REMOTE (user@host:/path) over ssh when it is set.
# Bounded by a timeout; a failure is logged and the local backup stands.
copy_offsite() {
  local file=$1 remote=${BACKUP_REMOTE:-} ssh_opts=(-o BatchMode=yes -o ConnectTimeout=15) cmd
  [[ -n $remote ]] || return 0
  if [[ ! $remote =~ ^[A-Za-z0-9._@-]+:[^[:space:]]+$ || $remote == -* ]]; then
    log "warning: BACKUP_REMOTE must look like user@host:/path; off-site copy skipped"
    return 0
  fi
  if command -v rsync >/dev/null 2>&1; then
    cmd=(rsync --times --chmod=F600 -e "ssh ${ssh_opts[*]}" -- "$file" "$remote/")
  else
    cmd=(scp -p -q "${ssh_opts[@]}" -- "$file" "$remote/")
  fi
  if timeout "${BACKUP_REMOTE_TIMEOUT:-1800}" "${cmd[@]}" </dev/null; then
    log "copied off-site to $remote/"
  else
    log "warning: off-site copy to $remote failed (exit $?); the local backup is complete"
  fi
}

# cleanup : removes the temp file of an unfinished dump.
cleanup() {
  if [[ -n ${TMP_FILE:-} ]]; then rm -f -- "$TMP_FILE"; fi
}

main() {
  umask 077 # everything written here (folder, lock, dumps) is the deploy user's alone
  parse_args "$@"
  BACKUP_DIR=${BACKUP_DIR:-$APP_DIR/backups}
  prepare_backup_dir
  check_free_space "$MIN_FREE_MB"
  take_lock
  remove_stale_temp_files

  local name file size why
  name=$(backup_name "$LABEL")
  file=$BACKUP_DIR/$name
  TMP_FILE=$file.tmp
  trap cleanup EXIT
  log "dumping the database to $file"
  dump_database "$TMP_FILE" || die "$EX_DUMP_FAILED" "pg_dump failed (is the postgres container running?); nothing kept"
  why=$(verify_dump "$TMP_FILE") || die "$EX_VERIFY_FAILED" "the dump does not read back ($why); nothing kept"
  mv -f -- "$TMP_FILE" "$file"
  TMP_FILE=""
  sync -- "$file" 2>/dev/null || true
  size=$(stat -c %s -- "$file")
  log "backup written and verified: $name ($size bytes)"

  if ((PRUNE)); then prune_backups "$KEEP_DAYS" "$KEEP_COUNT" "$name"; fi
  copy_offsite "$file"
  printf '%s\n' "$file"
}

# Sourced by a test, main does not run; run from a file or fed on stdin (bash -s), it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
