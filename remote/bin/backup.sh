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
Usage: backup.sh [--label LABEL] [--keep-all-days N] [--keep-daily N] [--keep-weekly N]
                 [--keep-monthly N] [--min-free-mb N] [--no-prune]
       backup.sh --list

Dumps the app's PostgreSQL database (pg_dump -Fc inside the postgres container) to
$APP_DIR/backups/<UTC %Y%m%dT%H%M%SZ>_<release>[_<label>].dump: written to a .tmp file (0600),
read back with pg_restore, then renamed, and its sha256 recorded beside it (<name>.sha256),
with the row count of every table at the dump's snapshot (<name>.rows, for drill.sh).
Then, only after that succeeded, records it in $APP_DIR/recovery/backup.json, applies retention
(below), and runs offsite.sh push when BACKUP_OFFSITE is set (encrypted copies; see its --help).
Prints the new file's path on stdout; logs go to stderr.

Retention keeps a backup when one of these rules does (the first that applies is its reason):
  newest          the newest backup, always; and the one just written
  rollback R      a pre-deploy backup (label pre-*, not pre-restore) of release R while
                  $APP_DIR/releases/R exists: a rollback to R may need it
  last N days     every backup younger than --keep-all-days days
  daily D         the newest backup of UTC day D, for the last --keep-daily days
  weekly W        the newest of ISO week W, for the last --keep-weekly weeks
  monthly M       the newest of month M, for the last --keep-monthly months (31 days each)
Every other backup (and its .sha256) is deleted. Files in the folder with other names are
never touched. --list prints, newest first, one line per *.dump file:
  NAME<TAB>SIZE<TAB>MTIME<TAB>CHECKSUM<TAB>RULE
where CHECKSUM is "sha256" or "none" and RULE is the rule that keeps it, "expires" (the next
backup deletes it) or "not managed" (a name backup.sh did not write).

Options (environment variable in brackets):
  --label LABEL      appended to the name; lower-case letters, digits and '-' (e.g. pre-deploy)
  --keep-all-days N  keep every backup younger than N days   [BACKUP_KEEP_ALL_DAYS, default 2]
  --keep-daily N     one a day for N days       [BACKUP_KEEP_DAILY or BACKUP_KEEP_DAYS, default 7]
  --keep-weekly N    one a week for N weeks                  [BACKUP_KEEP_WEEKLY, default 4]
  --keep-monthly N   one a month for N months                [BACKUP_KEEP_MONTHLY, default 6]
  --min-free-mb N    refuse to dump with less free disk (MiB)  [BACKUP_MIN_FREE_MB, default 1024]
  --no-prune         skip retention (restore.sh: keeps the file being restored)
  --list             print the backups and the rule that keeps each; nothing is written
  -h, --help         this text

Environment: APP_DIR (default /opt/remindbot), BACKUP_DIR (default $APP_DIR/backups),
BACKUP_OFFSITE and BACKUP_AGE_RECIPIENT (offsite.sh; a failed copy is reported, not fatal),
BACKUP_LOCK_WAIT seconds to wait for a running backup (default 600), BACKUP_NOW
(epoch seconds retention counts from; tests), PG_EXEC (see lib.sh: empty runs the client tools
here with the PG* environment).

Exit codes: 0 done; 1 unexpected error; 2 usage; 3 free disk below the threshold (nothing
written); 4 pg_dump failed; 5 the dump did not read back; 6 another backup holds the lock.
EOF
}

# parse_args ARG... : sets LABEL, KEEP_ALL_DAYS, KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY,
# MIN_FREE_MB, PRUNE and LIST from the flags and the environment, or exits 2 with one line.
parse_args() {
  LABEL=""
  KEEP_ALL_DAYS=${BACKUP_KEEP_ALL_DAYS:-2}
  KEEP_DAILY=${BACKUP_KEEP_DAILY:-${BACKUP_KEEP_DAYS:-7}}
  KEEP_WEEKLY=${BACKUP_KEEP_WEEKLY:-4}
  KEEP_MONTHLY=${BACKUP_KEEP_MONTHLY:-6}
  MIN_FREE_MB=${BACKUP_MIN_FREE_MB:-1024}
  PRUNE=1
  LIST=0
  while (($#)); do
    case $1 in
      -h | --help) usage && exit 0 ;;
      --label | --keep-all-days | --keep-daily | --keep-weekly | --keep-monthly | --min-free-mb)
        (($# >= 2)) || die "$EX_USAGE" "$1 needs a value (see --help)"
        case $1 in
          --label) LABEL=$2 ;;
          --keep-all-days) KEEP_ALL_DAYS=$2 ;;
          --keep-daily) KEEP_DAILY=$2 ;;
          --keep-weekly) KEEP_WEEKLY=$2 ;;
          --keep-monthly) KEEP_MONTHLY=$2 ;;
          --min-free-mb) MIN_FREE_MB=$2 ;;
        esac
        shift 2
        ;;
      --no-prune) PRUNE=0 && shift ;;
      --list) LIST=1 && shift ;;
      *) die "$EX_USAGE" "unknown argument '$1' (see --help)" ;;
    esac
  done
  [[ -z $LABEL || $LABEL =~ ^[a-z0-9][a-z0-9-]{0,59}$ ]] ||
    die "$EX_USAGE" "label '$LABEL' must be lower-case letters, digits and '-' (at most 60)"
  local name value
  for name in all-days daily weekly monthly; do
    case $name in
      all-days) value=$KEEP_ALL_DAYS ;;
      daily) value=$KEEP_DAILY ;;
      weekly) value=$KEEP_WEEKLY ;;
      monthly) value=$KEEP_MONTHLY ;;
    esac
    # 5 digits at most: days * 86400 stays far inside bash's arithmetic.
    [[ $value =~ ^(0|[1-9][0-9]{0,4})$ ]] || die "$EX_USAGE" "keep-$name must be a whole number (at most 99999), not '$value'"
  done
  is_count "$MIN_FREE_MB" || die "$EX_USAGE" "min-free-mb must be a whole number of MiB, not '$MIN_FREE_MB'"
  [[ -z ${BACKUP_NOW:-} || $BACKUP_NOW =~ ^[1-9][0-9]{0,10}$ ]] ||
    die "$EX_USAGE" "BACKUP_NOW must be epoch seconds, not '$BACKUP_NOW'"
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
    fail "$EX_DISK_LOW" "only $free MiB free for $BACKUP_DIR, below the $min MiB threshold" \
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
  find "$BACKUP_DIR" -maxdepth 1 -type f \( -name '*.dump.tmp' -o -name '*.sha256.tmp' \) -print -delete | sed 's/^/removed stale /' >&2
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

# backup_release NAME / backup_label NAME : the release and label parts of a managed name.
backup_release() {
  local rest=${1#*_}
  rest=${rest%.dump}
  printf '%s\n' "${rest%%_*}"
}
backup_label() {
  local rest=${1#*_}
  rest=${rest%.dump}
  if [[ $rest == *_* ]]; then printf '%s\n' "${rest#*_}"; fi
}

# retention_rules JUST_WRITTEN : prints "NAME<TAB>RULE" for every managed backup, newest first;
# RULE is the first rule of --help that keeps it, or "expires". The age is read from the name, not
# the mtime, so a copied-back file ages by when it was taken. A day/week/month is claimed by its
# newest backup even when another rule keeps that one, so each period keeps exactly one.
retention_rules() {
  local just=$1 now name stamp t day week month age rule rel label rank=0
  now=${BACKUP_NOW:-$(date +%s)}
  local -A seen_day=() seen_week=() seen_month=()
  while IFS= read -r name; do
    rank=$((rank + 1))
    stamp=${name%%_*}
    t=$(date -u -d "${stamp:0:4}-${stamp:4:2}-${stamp:6:2}T${stamp:9:2}:${stamp:11:2}:${stamp:13:2}Z" +%s 2>/dev/null) || t=$now
    read -r day week month < <(date -u -d "@$t" '+%F %G-W%V %Y-%m')
    age=$((now - t))
    rel=$(backup_release "$name")
    label=$(backup_label "$name")
    rule=""
    if ((rank == 1)) || [[ $name == "$just" ]]; then
      rule="newest"
    elif [[ $label == pre-* && $label != pre-restore && -d $APP_DIR/releases/$rel ]]; then
      rule="rollback $rel"
    elif ((age < KEEP_ALL_DAYS * 86400)); then
      rule="last $KEEP_ALL_DAYS days"
    fi
    if [[ -z ${seen_day[$day]:-} ]] && ((age < KEEP_DAILY * 86400)); then
      seen_day[$day]=1
      rule=${rule:-daily $day}
    fi
    if [[ -z ${seen_week[$week]:-} ]] && ((age < KEEP_WEEKLY * 7 * 86400)); then
      seen_week[$week]=1
      rule=${rule:-weekly $week}
    fi
    if [[ -z ${seen_month[$month]:-} ]] && ((age < KEEP_MONTHLY * 31 * 86400)); then
      seen_month[$month]=1
      rule=${rule:-monthly $month}
    fi
    printf '%s\t%s\n' "$name" "${rule:-expires}"
  done < <(list_backups)
}

# prune_backups JUST_WRITTEN : deletes the backups (and their .sha256) no retention rule keeps.
prune_backups() {
  local just=$1 name rule kept=0 pruned=0
  while IFS=$'\t' read -r name rule; do
    if [[ $rule == expires ]]; then
      rm -f -- "${BACKUP_DIR:?}/$name" "${BACKUP_DIR:?}/$name".{sha256,rows,offsite,age.tmp}
      pruned=$((pruned + 1))
      log "pruned $name"
    else
      kept=$((kept + 1))
    fi
  done < <(retention_rules "$just")
  log "retention: $kept backups kept, $pruned pruned (all for $KEEP_ALL_DAYS days, daily $KEEP_DAILY," \
    "weekly $KEEP_WEEKLY, monthly $KEEP_MONTHLY)"
}

# print_listing : --list: every *.dump in the folder, newest first, with its checksum state and
# the rule that keeps it (see --help).
print_listing() {
  local -A rules=()
  local name rule size mtime sum
  [[ -d $BACKUP_DIR ]] || return 0
  while IFS=$'\t' read -r name rule; do rules[$name]=$rule; done < <(retention_rules "")
  while IFS=$'\t' read -r name size mtime; do
    sum=none
    if [[ -f $BACKUP_DIR/$name.sha256 ]]; then sum=sha256; fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$size" "$mtime" "$sum" "${rules[$name]:-not managed}"
  done < <(find "$BACKUP_DIR" -maxdepth 1 -type f -name '*.dump' -printf '%f\t%s\t%T@\n' | sort -r)
}

# copy_offsite : offsite.sh push when destinations are set: the new backup (and any the last run
# failed to copy), encrypted. Its failure is reported and recorded, and the local backup stands.
copy_offsite() {
  [[ -n ${BACKUP_OFFSITE:-${BACKUP_REMOTE:-}} ]] || return 0
  "$BIN_DIR/offsite.sh" push || log "warning: the off-site copy did not complete (exit $?); the local backup is complete"
}

# fail CODE MESSAGE... : records the failed backup in $APP_DIR/recovery/backup.json, then dies.
fail() {
  local code=$1
  shift
  record_state backup failed "" "$*"
  die "$code" "$@"
}

# cleanup : removes the temp file of an unfinished dump.
cleanup() {
  if [[ -n ${TMP_FILE:-} ]]; then rm -f -- "$TMP_FILE"; fi
}

main() {
  umask 077 # everything written here (folder, lock, dumps) is the deploy user's alone
  parse_args "$@"
  BACKUP_DIR=${BACKUP_DIR:-$APP_DIR/backups}
  if ((LIST)); then
    print_listing
    return 0
  fi
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
  dump_database "$TMP_FILE" || fail "$EX_DUMP_FAILED" "pg_dump failed (is the postgres container running?); nothing kept"
  why=$(verify_dump "$TMP_FILE") || fail "$EX_VERIFY_FAILED" "the dump does not read back ($why); nothing kept"
  mv -f -- "$TMP_FILE" "$file"
  TMP_FILE=""
  write_checksum "$file"
  # The drill (drill.sh) compares a restore with these: the live rows at the dump's snapshot.
  (umask 077 && dump_row_counts "$file" >"$file.rows") || log "warning: could not record the row counts of $name"
  sync -- "$file" "$file.sha256" 2>/dev/null || true
  size=$(stat -c %s -- "$file")
  log "backup written and verified: $name ($size bytes, sha256 in $name.sha256)"

  record_state backup ok "$name" "" "\"sizeBytes\":$size"

  if ((PRUNE)); then prune_backups "$name"; fi
  copy_offsite
  printf '%s\n' "$file"
}

# Sourced by a test, main does not run; run from a file or fed on stdin (bash -s), it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
