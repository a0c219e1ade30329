#!/usr/bin/env bash
# drill.sh: a restore drill: the newest backup restored into a scratch database, checked, dropped.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail
export LC_ALL=C

BIN_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$BIN_DIR/lib.sh"

readonly EX_FAILED=1 EX_USAGE=2 EX_NO_BACKUP=3

usage() {
  cat <<'EOF'
Usage: drill.sh [NAME]

Rehearses a restore without touching the app's database: takes NAME (default: the newest
backup in $APP_DIR/backups), checks it against its .sha256, restores it into a scratch database
(DRILL_DATABASE, default <database>_drill, dropped first if a killed drill left it) in one
transaction, counts the rows of every table there and compares them with the rows the live
database had at the dump's snapshot (<name>.rows, written by backup.sh; for a backup without one,
counted from the dump's data), then drops the scratch database. The result goes to
$APP_DIR/recovery/drill.json (docs/CONTRACTS.md). Run weekly by <app>-drill.timer and by
`backup drill`.

Environment: APP_DIR, BACKUP_DIR, PG_EXEC as backup.sh; DRILL_DATABASE.

Exit codes: 0 the restore matched; 1 the drill failed (checksum, restore or row counts; said in
one line and recorded); 2 usage; 3 no backup to rehearse.
EOF
}

# parse_args ARG... : sets NAME (may be empty) and SCRATCH, or exits 2 with one line.
parse_args() {
  NAME=""
  while (($#)); do
    case $1 in
      -h | --help) usage && exit 0 ;;
      -*) die "$EX_USAGE" "unknown option '$1' (see --help)" ;;
      *)
        [[ -z $NAME ]] || die "$EX_USAGE" "one backup at a time (see --help)"
        [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.dump$ ]] || die "$EX_USAGE" "'$1' is not a backup name (<time>_<release>[_<label>].dump)"
        NAME=$1
        shift
        ;;
    esac
  done
  SCRATCH=${DRILL_DATABASE:-}
  [[ -z $SCRATCH || $SCRATCH =~ ^[a-z_][a-z0-9_]{0,62}$ ]] ||
    die "$EX_USAGE" "DRILL_DATABASE must be a plain lower-case name, not '$SCRATCH'"
  check_pg_exec
}

# scratch_sql SQL : runs SQL against the maintenance database (postgres) as the app's user.
scratch_sql() {
  # shellcheck disable=SC2016 # $1 is expanded by the shell where psql runs
  pg_run 'exec psql -X -q -v ON_ERROR_STOP=1 --dbname=postgres -c "$1"' "$1" </dev/null
}

# restored_row_counts DB : "<schema>.<table> <rows>" for every table of DB, sorted.
restored_row_counts() {
  # shellcheck disable=SC2016 # $1 is expanded by the shell where psql runs
  pg_run 'exec psql -X -q -At -F " " -v ON_ERROR_STOP=1 --dbname="$1"' "$1" <<'SQL' | sort
SELECT format('SELECT %L, count(*) FROM %I.%I', schemaname || '.' || tablename, schemaname, tablename)
FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') \gexec
SQL
}

# fail_drill WHY : records the failure, drops the scratch database, exits 1 with one line.
fail_drill() {
  record_state drill failed "$NAME" "$1"
  drop_scratch
  die "$EX_FAILED" "restore drill of $NAME failed: $1"
}

drop_scratch() {
  if [[ -n ${SCRATCH_MADE:-} ]]; then scratch_sql "DROP DATABASE IF EXISTS \"$SCRATCH\"" >/dev/null 2>&1 || true; fi
}

main() {
  umask 077
  parse_args "$@"
  BACKUP_DIR=${BACKUP_DIR:-$APP_DIR/backups}
  if [[ -z $NAME ]]; then
    NAME=$({ find "$BACKUP_DIR" -maxdepth 1 -type f -name '*.dump' -printf '%f\n' 2>/dev/null || true; } | sort -r | head -n 1)
    [[ -n $NAME ]] || {
      record_state drill failed "" "no backup to rehearse in $BACKUP_DIR"
      die "$EX_NO_BACKUP" "no backup to rehearse in $BACKUP_DIR"
    }
  fi
  local file=$BACKUP_DIR/$NAME why code=0 expected actual diff_line started=$SECONDS
  [[ -f $file ]] || fail_drill "no such backup file: $file"
  if [[ -z $SCRATCH ]]; then
    # shellcheck disable=SC2016 # PGDATABASE is expanded where psql runs
    SCRATCH="$(pg_run 'printf %s "$PGDATABASE"' </dev/null)_drill"
  fi

  why=$(check_checksum "$file") || code=$?
  ((code == 0 || code == 2)) || fail_drill "$why"

  expected=$(if [[ -s $file.rows ]]; then sort "$file.rows"; else dump_row_counts "$file"; fi) ||
    fail_drill "the dump's data does not read back"

  scratch_sql "DROP DATABASE IF EXISTS \"$SCRATCH\"" >/dev/null 2>&1 || true
  why=$(scratch_sql "CREATE DATABASE \"$SCRATCH\"" 2>&1) || fail_drill "cannot create the scratch database: ${why##*$'\n'}"
  SCRATCH_MADE=1
  log "restoring $NAME into the scratch database $SCRATCH"
  # shellcheck disable=SC2016 # $1 is expanded where pg_restore runs
  why=$(pg_run 'exec pg_restore --single-transaction --exit-on-error --no-owner --dbname="$1"' "$SCRATCH" <"$file" 2>&1) ||
    fail_drill "pg_restore: $(first_error_line "$why")"
  actual=$(restored_row_counts "$SCRATCH") || fail_drill "cannot count the restored rows"
  if [[ $actual != "$expected" ]]; then
    diff_line=$(diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | grep -m 2 '^[<>]' | tr '\n' ' ' || true)
    fail_drill "row counts differ from the dump's snapshot (< at dump time, > restored): $diff_line"
  fi
  drop_scratch
  local tables
  tables=$(grep -c . <<<"$expected" || true)
  record_state drill ok "$NAME" "$tables tables, row counts match" "\"seconds\":$((SECONDS - started))"
  log "restore drill of $NAME: $tables tables restored, row counts match the dump's snapshot"
}

# Sourced by a test, main does not run; run from a file, it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
