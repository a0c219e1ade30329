#!/usr/bin/env bash
# restore.sh: replaces the app's database with a backup, safely. See usage below.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail
export LC_ALL=C

BIN_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$BIN_DIR/lib.sh"

readonly EX_USAGE=2 EX_BAD_FILE=3 EX_SAFETY_BACKUP=4 EX_RESTORE_FAILED=5 EX_UNHEALTHY=6

usage() {
  cat <<'EOF'
Usage: restore.sh FILE

Restores the app's PostgreSQL database from FILE (a pg_dump -Fc backup, e.g. one in
$APP_DIR/backups), in this order:
  1. checks FILE: it exists, its sha256 matches FILE.sha256 (written by backup.sh; a file
     without one, from before checksums, is used with a warning), and pg_restore reads all of
     it (a changed, truncated or corrupt file is refused here, before anything is touched);
  2. takes a safety backup of the current database (backup.sh --label pre-restore);
  3. stops the bot (docker compose ... stop bot);
  4. restores (pg_restore --clean --if-exists --single-transaction --no-owner): a failure rolls
     the whole transaction back, so the database keeps its previous data;
  5. starts the bot and waits until Docker reports it healthy.
The bot is started again whatever happens after step 3.

Environment: APP_DIR (default /opt/remindbot), RESTORE_HEALTH_TIMEOUT seconds to wait for a
healthy bot (default 180), PG_EXEC (see lib.sh), RESTORE_SKIP_SERVICES=1 to leave the bot alone
(tests without a stack; only honoured together with PG_EXEC empty, so a production restore
always stops the bot). backup.sh's variables apply to the safety backup.

Exit codes: 0 restored and the bot healthy; 1 unexpected error; 2 usage; 3 FILE refused
(nothing touched); 4 the safety backup failed (nothing touched); 5 the restore failed (previous
data kept); 6 restored, but the bot was not healthy in time.
EOF
}

# parse_args ARG... : sets FILE, or exits 2 with a one-line message.
parse_args() {
  FILE=""
  while (($#)); do
    case $1 in
      -h | --help) usage && exit 0 ;;
      -*) die "$EX_USAGE" "unknown option '$1' (see --help)" ;;
      *)
        [[ -z $FILE ]] || die "$EX_USAGE" "one backup file only (see --help)"
        FILE=$1
        shift
        ;;
    esac
  done
  [[ -n $FILE ]] || die "$EX_USAGE" "which backup? usage: restore.sh FILE (see --help)"
  check_pg_exec
}

# manages_services : whether this run stops and starts the bot. RESTORE_SKIP_SERVICES=1 only
# counts when the client tools run locally (PG_EXEC empty): against the real stack, never skipped.
manages_services() {
  ! [[ ${RESTORE_SKIP_SERVICES:-0} == 1 && -z ${PG_EXEC-compose} ]]
}

# check_backup_file FILE : exits 3 unless FILE is a readable, complete pg_dump archive.
check_backup_file() {
  local file=$1 why
  [[ -f $file ]] || die "$EX_BAD_FILE" "no such backup file: $file"
  [[ -r $file ]] || die "$EX_BAD_FILE" "cannot read $file"
  local code=0
  why=$(check_checksum "$file") || code=$?
  case $code in
    0) log "checked $file against its sha256" ;;
    2) log "warning: $file has no .sha256 beside it (taken before checksums); relying on pg_restore's read-back" ;;
    *) die "$EX_BAD_FILE" "$file was refused: $why; nothing was changed" ;;
  esac
  why=$(verify_dump "$file") ||
    die "$EX_BAD_FILE" "$file is not a complete pg_dump backup ($why); nothing was changed"
  log "checked $file: a complete pg_dump archive"
}

# take_safety_backup : backs up the current database first; exits 4 when that fails. --no-prune:
# retention must not delete the file about to be restored.
take_safety_backup() {
  local path
  log "taking a safety backup of the current database"
  path=$("$BIN_DIR/backup.sh" --label pre-restore --no-prune) ||
    die "$EX_SAFETY_BACKUP" "the safety backup failed; nothing was changed"
  log "safety backup: $path"
}

# stop_bot : stops the bot, so nothing writes while the tables are replaced.
stop_bot() {
  compose_cmd
  log "stopping the bot"
  "${COMPOSE[@]}" stop bot
  BOT_STOPPED=1
}

# start_bot : starts the bot again (after a restore, or on the way out after a failure).
start_bot() {
  compose_cmd
  log "starting the bot"
  BOT_STOPPED=0
  "${COMPOSE[@]}" start bot
}

# bot_health : prints the bot container's health (healthy, starting, unhealthy) or its state.
bot_health() {
  local id
  id=$("${COMPOSE[@]}" ps -q bot)
  [[ -n $id ]] || {
    echo missing
    return 0
  }
  docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id"
}

# wait_for_healthy_bot SECONDS : polls Docker's health of the bot until healthy or SECONDS pass.
wait_for_healthy_bot() {
  local timeout=$1 deadline status=unknown
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    status=$(bot_health) || status=unknown
    if [[ $status == healthy ]]; then
      log "the bot is healthy"
      return 0
    fi
    sleep 2
  done
  log "the bot is still '$status' after ${timeout}s"
  return 1
}

# restore_database FILE : pg_restore in one transaction; an error rolls everything back.
restore_database() {
  local file=$1
  # shellcheck disable=SC2016 # PGDATABASE is expanded where pg_restore runs
  pg_run 'exec pg_restore --clean --if-exists --single-transaction --no-owner --dbname="$PGDATABASE"' <"$file"
}

# on_exit : never leaves the bot stopped, whatever went wrong after stop_bot.
on_exit() {
  if ((${BOT_STOPPED:-0})); then start_bot || log "error: could not start the bot again; run: docker compose ... start bot"; fi
}

main() {
  parse_args "$@"
  local timeout=${RESTORE_HEALTH_TIMEOUT:-180}
  is_count "$timeout" || die "$EX_USAGE" "RESTORE_HEALTH_TIMEOUT must be a whole number of seconds"

  check_backup_file "$FILE"
  take_safety_backup
  BOT_STOPPED=0
  trap on_exit EXIT
  if manages_services; then stop_bot; else log "RESTORE_SKIP_SERVICES=1: the bot is left alone"; fi

  log "restoring $FILE"
  if ! restore_database "$FILE"; then
    log "error: the restore failed and was rolled back: the database keeps its previous data"
    exit "$EX_RESTORE_FAILED"
  fi
  log "restored from $FILE"

  if manages_services; then
    start_bot
    wait_for_healthy_bot "$timeout" || die "$EX_UNHEALTHY" "restored, but the bot did not become healthy in ${timeout}s; see its logs"
  fi
}

# Sourced by a test, main does not run; run from a file or fed on stdin (bash -s), it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
