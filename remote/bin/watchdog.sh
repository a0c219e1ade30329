#!/usr/bin/env bash
# watchdog.sh: the server watching itself. Run every minute by <app>-watch.timer (as the deploy
# user); checks the bot and PostgreSQL containers, the disk, the backups and the bot's own /health,
# keeps the open incidents in $APP_DIR/watch/ and tells the owner in Telegram, straight to the Bot
# API with curl (it works with the bot's container down). See usage below.
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail
export LC_ALL=C

BIN_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$BIN_DIR/lib.sh"

readonly EX_USAGE=2
readonly TAB=$'\t'

usage() {
  cat <<'EOF'
Usage: watchdog.sh [--dry-run]

One round of checks. A problem seen for WATCH_GRACE_SEC becomes an incident: one Telegram message
to every chat in ADMIN_CHAT_IDS (what, since when, the command to look closer), repeated at most
every WATCH_REPEAT_SEC while it lasts (and at once when a warning turns critical), and one
"resolved" message when it clears. A problem gone before the grace ends sends nothing.

Checks: the bot container (missing or stopped, unhealthy, restarting again and again, killed for
memory), PostgreSQL (stopped, unhealthy), free disk of APP_DIR's file system and of Docker's data
root (warning and critical levels, and how fast it falls), backups (the newest older than two
intervals; the last backup, off-site copy or restore drill failed), the bot's /health (no
getUpdates for WATCH_POLL_STALE_SEC). While a deploy holds the lock (APP_DIR/lock) the containers
are not judged.

State (APP_DIR/watch/): incidents.tsv (open incidents), samples.tsv (restart counts, disk
figures), status.json (0644: incidents, last alert, disk, backups; read by the bot's /status and
the deployer's status). Nothing secret is written there.

  --dry-run     check and print what would be sent; no message, no state change
  -h, --help    this text

Environment (the unit reads APP_DIR/shared/.env and the optional APP_DIR/shared/watch.env):
  APP (remindbot), APP_DIR (/opt/remindbot)
  BOT_TOKEN, TELEGRAM_API_ROOT (https://api.telegram.org), ADMIN_CHAT_IDS (comma-separated chat
  ids; none: alerts off, the state is still kept), ALERT_LANG (en|ru, default en)
  WATCH_GRACE_SEC 60, WATCH_REPEAT_SEC 10800, WATCH_POLL_STALE_SEC 300,
  WATCH_DISK_WARN_MB 2048, WATCH_DISK_CRIT_MB 1024, WATCH_DISK_FULL_HOURS 12 (a warning when the
  disk would fill within this many hours at the rate of the last 10 to 60 minutes),
  WATCH_BACKUP_INTERVAL_SEC 21600, WATCH_CRASH_WINDOW_SEC 600 (a crash loop lasts this long
  after the last restart), WATCH_NOW (epoch seconds, for tests)

Exit codes: 0 done (problems found are not a failure of the watchdog); 1 unexpected error;
2 usage or a bad setting.
EOF
}

# settings : reads and checks the WATCH_* settings; a bad one exits 2 with one line.
settings() {
  APP=${APP:-remindbot}
  : "${WATCH_GRACE_SEC:=60}" "${WATCH_REPEAT_SEC:=10800}" "${WATCH_POLL_STALE_SEC:=300}"
  : "${WATCH_DISK_WARN_MB:=2048}" "${WATCH_DISK_CRIT_MB:=1024}" "${WATCH_DISK_FULL_HOURS:=12}"
  : "${WATCH_BACKUP_INTERVAL_SEC:=21600}" "${WATCH_CRASH_WINDOW_SEC:=600}" "${WATCH_NOW:=$(date +%s)}"
  local name
  for name in WATCH_GRACE_SEC WATCH_REPEAT_SEC WATCH_POLL_STALE_SEC WATCH_DISK_WARN_MB WATCH_DISK_CRIT_MB \
    WATCH_DISK_FULL_HOURS WATCH_BACKUP_INTERVAL_SEC WATCH_CRASH_WINDOW_SEC; do
    is_count "${!name}" || die "$EX_USAGE" "$name must be a whole number, not '${!name}'"
  done
  [[ $WATCH_NOW =~ ^[1-9][0-9]{0,11}$ ]] || die "$EX_USAGE" "WATCH_NOW must be seconds since the epoch, not '$WATCH_NOW'"
  GRACE=$WATCH_GRACE_SEC REPEAT=$WATCH_REPEAT_SEC POLL_STALE=$WATCH_POLL_STALE_SEC
  DISK_WARN=$WATCH_DISK_WARN_MB DISK_CRIT=$WATCH_DISK_CRIT_MB FULL_HOURS=$WATCH_DISK_FULL_HOURS
  BACKUP_INTERVAL=$WATCH_BACKUP_INTERVAL_SEC CRASH_WINDOW=$WATCH_CRASH_WINDOW_SEC NOW=$WATCH_NOW
  # systemd's EnvironmentFile keeps what compose drops from an unquoted value (" # comment"), and
  # none of these values holds a space: the first word is the value.
  read -r ALERT_LANG _ <<<"${ALERT_LANG:-}" || true
  read -r BOT_TOKEN _ <<<"${BOT_TOKEN:-}" || true
  read -r TELEGRAM_API_ROOT _ <<<"${TELEGRAM_API_ROOT:-}" || true
  ADMIN_CHAT_IDS=${ADMIN_CHAT_IDS:-}
  ADMIN_CHAT_IDS=${ADMIN_CHAT_IDS%% #*}
  LANG_=${ALERT_LANG:-en}
  [[ $LANG_ == en || $LANG_ == ru ]] || die "$EX_USAGE" "ALERT_LANG must be en or ru, not '$LANG_'"
  CHATS=()
  local id ids=()
  IFS=', ' read -r -a ids <<<"${ADMIN_CHAT_IDS:-}"
  for id in "${ids[@]}"; do
    [[ -z $id ]] && continue
    [[ $id =~ ^-?[0-9]{1,20}$ ]] || die "$EX_USAGE" "ADMIN_CHAT_IDS must be chat ids separated by commas, not '$id'"
    CHATS+=("$id")
  done
  # The token stays in this shell: not exported to docker, df or curl (curl reads it from stdin).
  TOKEN=${BOT_TOKEN:-}
  API_ROOT=${TELEGRAM_API_ROOT:-https://api.telegram.org}
  API_ROOT=${API_ROOT%/}
  export -n BOT_TOKEN POSTGRES_PASSWORD 2>/dev/null || true
  WATCH_DIR=$APP_DIR/watch
  HOST=$(hostname 2>/dev/null || echo server)
}

# --- messages (en/ru) ------------------------------------------------------------------------

# t KEY ARG... : the text KEY in ALERT_LANG, printf-filled with ARGs.
t() {
  local key=$1 fmt
  shift
  if [[ $LANG_ == ru ]]; then
    case $key in
      bot_missing) fmt='бот не запущен: контейнера нет' ;;
      bot_down) fmt='бот не запущен: контейнер %s (код выхода %s)' ;;
      bot_crashloop) fmt='бот падает и перезапускается: %s перезапусков, между ними меньше %s мин%s' ;;
      crash_now) fmt='; сейчас %s (код выхода %s)' ;;
      bot_oom) fmt='бот убит из-за нехватки памяти (OOM)' ;;
      bot_unhealthy) fmt='бот нездоров (Docker healthcheck)' ;;
      bot_not_polling) fmt='бот не получал обновлений от Telegram %s мин' ;;
      pg_missing) fmt='PostgreSQL не запущен: контейнера нет' ;;
      pg_down) fmt='PostgreSQL не запущен: контейнер %s (код выхода %s)' ;;
      pg_unhealthy) fmt='PostgreSQL нездоров (pg_isready)' ;;
      disk) fmt='на диске %s осталось %s МиБ из %s МиБ (предупреждение ниже %s, критично ниже %s)%s' ;;
      disk_rate) fmt='; убывает на %s МиБ/ч' ;;
      disk_fast) fmt='диск %s заполнится примерно через %s ч: %s МиБ свободно, убывает на %s МиБ/ч' ;;
      backup_none) fmt='резервных копий нет' ;;
      backup_stale) fmt='последняя резервная копия старше %s ч: %s' ;;
      backup_failed) fmt='последнее резервное копирование не удалось (%s, код %s)' ;;
      drill_failed) fmt='последняя проверка восстановления не удалась (%s, код %s)' ;;
      offsite_failed) fmt='последнее копирование за пределы сервера не удалось (%s): %s' ;;
      warning) fmt='⚠️ Предупреждение' ;;
      critical) fmt='🔴 Критично' ;;
      still) fmt='всё ещё' ;;
      since) fmt='С %s (%s мин).' ;;
      look) fmt='Подробнее:' ;;
      resolved) fmt='✅ Решено на %s: %s (длилось %s мин)' ;;
      *) fmt=$key ;;
    esac
  else
    case $key in
      bot_missing) fmt='the bot is not running: it has no container' ;;
      bot_down) fmt='the bot is not running: its container is %s (exit code %s)' ;;
      bot_crashloop) fmt='the bot is in a crash loop: %s restarts, less than %s min apart%s' ;;
      crash_now) fmt='; now %s (exit code %s)' ;;
      bot_oom) fmt='the bot was killed for memory (OOM)' ;;
      bot_unhealthy) fmt='the bot is unhealthy (Docker healthcheck)' ;;
      bot_not_polling) fmt='the bot has not polled Telegram for %s min' ;;
      pg_missing) fmt='PostgreSQL is not running: it has no container' ;;
      pg_down) fmt='PostgreSQL is not running: its container is %s (exit code %s)' ;;
      pg_unhealthy) fmt='PostgreSQL is unhealthy (pg_isready)' ;;
      disk) fmt='disk %s has %s MiB free of %s MiB (warning below %s, critical below %s)%s' ;;
      disk_rate) fmt='; falling %s MiB/h' ;;
      disk_fast) fmt='disk %s fills in about %s h: %s MiB free, falling %s MiB/h' ;;
      backup_none) fmt='there is no backup' ;;
      backup_stale) fmt='the newest backup is older than %s h: %s' ;;
      backup_failed) fmt='the last backup failed (%s, exit code %s)' ;;
      drill_failed) fmt='the last restore drill failed (%s, exit code %s)' ;;
      offsite_failed) fmt='the last off-site copy failed (%s): %s' ;;
      warning) fmt='⚠️ Warning' ;;
      critical) fmt='🔴 Critical' ;;
      still) fmt='still' ;;
      since) fmt='Since %s (%s min).' ;;
      look) fmt='Look closer:' ;;
      resolved) fmt='✅ Resolved on %s: %s (lasted %s min)' ;;
      *) fmt=$key ;;
    esac
  fi
  # shellcheck disable=SC2059 # the format is one of ours above
  printf "$fmt" "$@"
}

# iso EPOCH : UTC time as 2026-01-02T03:04:05Z.
iso() {
  date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ
}

# --- observations ----------------------------------------------------------------------------
# Each check calls `observe KEY LEVEL TEXT LOOK` for a problem seen now (LEVEL warning|critical,
# LOOK the command to look closer), or `keep PREFIX` when it cannot judge (a deploy holds the
# lock): open incidents under PREFIX stay as they are.

declare -A OBS_LEVEL=() OBS_TEXT=() OBS_LOOK=() KEEP=() SAMPLE=()

observe() {
  OBS_LEVEL[$1]=$2
  OBS_TEXT[$1]=$3
  OBS_LOOK[$1]=$4
}

keep() {
  KEEP[$1]=1
}

# container_ids SERVICE : the stack's containers of SERVICE (running or not), newest first.
container_ids() {
  docker ps -aq --filter "label=com.docker.compose.project=$APP" --filter "label=com.docker.compose.service=$1"
}

# inspect_line ID : "name status restarting oomkilled restartcount exitcode health" of a container.
inspect_line() {
  docker inspect --format '{{.Name}} {{.State.Status}} {{.State.Restarting}} {{.State.OOMKilled}} {{.RestartCount}} {{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' -- "$1"
}

# pick_container SERVICE : sets C_ID, C_NAME, C_STATUS, C_RESTARTING, C_OOM, C_RESTARTS, C_EXIT,
# C_HEALTH of the service's running container (else its newest one); fails when it has none.
pick_container() {
  local id ids line chosen="" first=""
  C_ID=""
  # the ids first: one docker CLI at a time (each holds ~40 MB while it runs)
  ids=$(container_ids "$1") || ids=""
  for id in $ids; do
    line=$(inspect_line "$id") || continue
    [[ -n $first ]] || first="$id $line"
    if [[ $line == *" running "* ]]; then
      chosen="$id $line"
      break
    fi
  done
  chosen=${chosen:-$first}
  [[ -n $chosen ]] || return 1
  read -r C_ID C_NAME C_STATUS C_RESTARTING C_OOM C_RESTARTS C_EXIT C_HEALTH <<<"$chosen"
  C_NAME=${C_NAME#/}
}

check_bot() {
  local look prev last_rise="" base="" restarts n=0 now_state=""
  if ! pick_container bot; then
    observe bot_down critical "$(t bot_missing)" "docker ps -a --filter label=com.docker.compose.project=$APP"
    return 0
  fi
  look="docker logs --tail 100 $C_NAME"
  # A crash loop: the same container restarted twice or more within CRASH_WINDOW seconds of its
  # last restart (one restart that recovers is no incident; an OOM kill is its own).
  restarts=$C_RESTARTS
  prev=$(sample_get "restarts" | awk -v id="$C_ID" '$1 == id { print $2 }')
  read -r last_rise base < <(sample_get "restart-rise" | awk -v id="$C_ID" '$1 == id { print $2, $3 }'; echo) || true
  if [[ -z $last_rise ]] || ((NOW - last_rise >= CRASH_WINDOW)); then last_rise="" base=""; fi
  if [[ $C_RESTARTING == true ]] || { [[ -n $prev ]] && ((restarts > prev)); }; then
    base=${base:-${prev:-$restarts}}
    last_rise=$NOW
  fi
  SAMPLE[restarts]="$C_ID $restarts"
  if [[ -n $last_rise ]]; then
    SAMPLE[restart-rise]="$C_ID $last_rise $base"
    n=$((restarts - base))
  fi
  if [[ $C_OOM == true ]]; then observe bot_oom critical "$(t bot_oom)" "$look"; fi
  if ((n >= 2)); then
    [[ $C_STATUS == running ]] || now_state=$(t crash_now "$C_STATUS" "$C_EXIT")
    observe bot_crashloop critical "$(t bot_crashloop "$n" $((CRASH_WINDOW / 60)) "$now_state")" "$look"
  elif [[ $C_STATUS != running ]]; then
    observe bot_down critical "$(t bot_down "$C_STATUS" "$C_EXIT")" "$look"
  elif [[ $C_HEALTH == unhealthy ]]; then
    observe bot_unhealthy critical "$(t bot_unhealthy)" "$look"
  fi
  if [[ $C_STATUS == running ]]; then check_polling "$look"; fi
}

# check_polling LOOK : the bot's own view (GET /health through bot-state.sh, from the release):
# an active bot whose last getUpdates is older than POLL_STALE.
check_polling() {
  local answer body age
  answer=$(bash "$BIN_DIR/bot-state.sh" "$C_ID" 2>/dev/null) || return 0
  body=$(sed -n 3p <<<"$answer")
  [[ $body == *'"role":"active"'* ]] || return 0
  [[ $body =~ \"lastPollAgeMs\":([0-9]+) ]] || return 0
  age=$((BASH_REMATCH[1] / 1000))
  if ((age > POLL_STALE)); then observe bot_not_polling critical "$(t bot_not_polling $((age / 60)))" "$1"; fi
}

check_postgres() {
  if ! pick_container postgres; then
    observe postgres critical "$(t pg_missing)" "docker ps -a --filter label=com.docker.compose.project=$APP"
    return 0
  fi
  local look="docker logs --tail 100 $C_NAME"
  if [[ $C_STATUS != running ]]; then
    observe postgres critical "$(t pg_down "$C_STATUS" "$C_EXIT")" "$look"
  elif [[ $C_HEALTH == unhealthy ]]; then
    observe postgres critical "$(t pg_unhealthy)" "$look"
  fi
}

# check_disk : APP_DIR's file system and Docker's data root (once when they are the same).
check_disk() {
  local root seen=" " path mount free total rate key level hist text
  DISK_JSON=""
  root=$(timeout 20 docker info -f '{{.DockerRootDir}}' 2>/dev/null) || root=""
  for path in "$APP_DIR" ${root:+"$root"}; do
    [[ -d $path ]] || continue
    read -r free total mount < <(df -Pk -- "$path" | awk 'NR == 2 { print int($4 / 1024), int($2 / 1024), $6 }')
    [[ $seen == *" $mount "* ]] && continue
    seen+="$mount "
    key="disk:$mount"
    # The rate over the samples of the last hour (at least 10 minutes apart): MiB per hour.
    hist=$(sample_get "$key")
    rate=$(awk -v now="$NOW" -v free="$free" '
      $1 >= now - 3600 && !o { o = 1; t = $1; f = $2 }
      END { if (o && now - t >= 600) { r = (f - free) * 3600 / (now - t); print (r > 0 ? int(r) : 0) } else print "" }' <<<"$hist")
    SAMPLE[$key]=$( (printf '%s\n' "$hist" | awk -v now="$NOW" 'NF == 2 && $1 >= now - 3600'; printf '%s %s\n' "$NOW" "$free") | tail -n 61)
    level=""
    if ((free < DISK_CRIT)); then level=critical; elif ((free < DISK_WARN)); then level=warning; fi
    if [[ -n $level ]]; then
      text=$(t disk "$mount" "$free" "$total" "$DISK_WARN" "$DISK_CRIT" "$([[ -n $rate && $rate != 0 ]] && t disk_rate "$rate")")
      observe "$key" "$level" "$text" "df -h $mount; docker system df; bash $APP_DIR/current/remote/bin/disk-check.sh"
    elif [[ -n $rate ]] && ((rate > 0 && free / rate < FULL_HOURS)); then
      observe "$key" warning "$(t disk_fast "$mount" $((free / rate)) "$free" "$rate")" "df -h $mount; docker system df"
    fi
    DISK_JSON+="${DISK_JSON:+,}{\"path\":$(json_string "$path"),\"mount\":$(json_string "$mount"),\"freeMb\":$free,\"totalMb\":$total${rate:+,\"fallingMbPerHour\":$rate}}"
  done
}

# unit_result UNIT : "RESULT EXIT_STATUS EXIT_EPOCH" of a oneshot unit's last run, or nothing when
# it is not installed or never ran.
unit_result() {
  local out result="" status="" exited="" load=""
  out=$(systemctl show "$1" -p LoadState -p Result -p ExecMainStatus -p ExecMainExitTimestamp 2>/dev/null) || return 0
  while IFS='=' read -r k v; do
    case $k in
      LoadState) load=$v ;;
      Result) result=$v ;;
      ExecMainStatus) status=$v ;;
      ExecMainExitTimestamp) exited=$v ;;
    esac
  done <<<"$out"
  [[ $load == loaded && -n $exited ]] || return 0
  printf '%s %s %s\n' "$result" "${status:-0}" "$(date -d "$exited" +%s 2>/dev/null || echo 0)"
}

# backup_reading : the one place that reads how the backups went (until issue 14's results file):
# sets BK_NEWEST (file name), BK_NEWEST_AT (epoch, 0: none), BK_RESULT/BK_STATUS/BK_AT (the backup
# unit's last run) and DR_RESULT/DR_STATUS/DR_AT (the restore drill unit's, when it exists).
backup_reading() {
  local line
  line=$(find "$APP_DIR/backups" -maxdepth 1 -type f -name '*.dump' -printf '%T@ %f\n' 2>/dev/null | sort -n | tail -n 1)
  BK_NEWEST=${line#* }
  BK_NEWEST_AT=${line%%.*}
  BK_NEWEST_AT=${BK_NEWEST_AT:-0}
  read -r BK_RESULT BK_STATUS BK_AT < <(unit_result "$APP-backup.service"; echo) || true
  read -r DR_RESULT DR_STATUS DR_AT < <(unit_result "$APP-drill.service"; echo) || true
  offsite_reading
}

# offsite_reading : the last off-site copy's outcome, as offsite.sh records it in
# recovery/offsite.json (one line of JSON, docs/CONTRACTS.md): sets OS_RESULT (ok, failed, refused;
# empty when nothing is recorded) and OS_DETAIL. The backup unit succeeds when only the copy fails
# (the local dump stands), so its result alone does not say.
offsite_reading() {
  OS_RESULT=$(state_field offsite result)
  OS_DETAIL=$(state_field offsite detail)
}

check_backups() {
  local look="journalctl -u $APP-backup --since -2d; ls -lt $APP_DIR/backups | head"
  backup_reading
  if ((BK_NEWEST_AT == 0)); then
    # none yet: counted from when backups/ last changed (a new server's first deploy has nothing
    # to back up; the timer's first run comes within an interval)
    local since
    since=$(stat -c %Y -- "$APP_DIR/backups" 2>/dev/null) || since=0
    if ((NOW - since > 2 * BACKUP_INTERVAL)); then observe backup_stale warning "$(t backup_none)" "$look"; fi
  elif ((NOW - BK_NEWEST_AT > 2 * BACKUP_INTERVAL)); then
    observe backup_stale warning "$(t backup_stale $((2 * BACKUP_INTERVAL / 3600)) "$BK_NEWEST")" "$look"
  fi
  # A failed run counts until a newer good dump exists (the timer's next run, a deploy's, by hand).
  if [[ -n ${BK_RESULT:-} && $BK_RESULT != success ]] && ((BK_NEWEST_AT <= BK_AT)); then
    observe backup_failed critical "$(t backup_failed "$BK_RESULT" "$BK_STATUS")" "$look"
  fi
  if [[ -n ${DR_RESULT:-} && $DR_RESULT != success ]]; then
    observe drill_failed warning "$(t drill_failed "$DR_RESULT" "$DR_STATUS")" "journalctl -u $APP-drill --since -8d"
  fi
  # Until the next run records ok: the copies are retried by every backup run.
  if [[ -n $OS_RESULT && $OS_RESULT != ok ]]; then
    observe offsite_failed warning "$(t offsite_failed "$OS_RESULT" "$OS_DETAIL")" \
      "cat $APP_DIR/recovery/offsite.json; journalctl -u $APP-backup --since -2d"
  fi
}

# check_all : every check; the containers only when no deploy holds the lock.
check_all() {
  if [[ -d $APP_DIR/lock ]]; then
    keep bot
    keep postgres
  else
    check_bot
    check_postgres
  fi
  check_disk
  check_backups
}

# --- state -----------------------------------------------------------------------------------

# sample_get KEY : the stored sample lines of KEY (without the key).
sample_get() {
  [[ -r $WATCH_DIR/samples.tsv ]] || return 0
  awk -F '\t' -v k="$1" '$1 == k { print $2 }' "$WATCH_DIR/samples.tsv" | tr '\034' '\n'
}

# load_state : INC_LEVEL/INC_SINCE/INC_SENT/INC_TEXT/INC_LOOK by key from incidents.tsv
# (key, level, since, last message sent (0: none yet), text, look; level "ok" = cleared, its
# "resolved" message not sent yet).
declare -A INC_LEVEL=() INC_SINCE=() INC_SENT=() INC_TEXT=() INC_LOOK=()
load_state() {
  local key level since sent text look
  [[ -r $WATCH_DIR/incidents.tsv ]] || return 0
  while IFS=$TAB read -r key level since sent text look; do
    [[ -n $key ]] || continue
    INC_LEVEL[$key]=$level
    INC_SINCE[$key]=$since
    INC_SENT[$key]=$sent
    INC_TEXT[$key]=$text
    INC_LOOK[$key]=$look
  done <"$WATCH_DIR/incidents.tsv"
}

# kept KEY : the key is under a prefix that keep marked.
kept() {
  local p
  for p in "${!KEEP[@]}"; do [[ $1 == "$p"* ]] && return 0; done
  return 1
}

# decide : the pure part. From the loaded incidents, the observations and NOW, GRACE and REPEAT,
# updates the INC_* arrays and appends to MESSAGES one "KEY<TAB>KIND" line per message to send
# (KIND: open, repeat, resolved).
MESSAGES=""
decide() {
  local key level was since sent
  for key in "${!OBS_LEVEL[@]}"; do
    level=${OBS_LEVEL[$key]}
    was=${INC_LEVEL[$key]:-}
    since=${INC_SINCE[$key]:-$NOW}
    sent=${INC_SENT[$key]:-0}
    INC_SINCE[$key]=$since
    INC_SENT[$key]=$sent
    INC_LEVEL[$key]=$level
    INC_TEXT[$key]=${OBS_TEXT[$key]}
    INC_LOOK[$key]=${OBS_LOOK[$key]}
    if ((sent == 0)); then
      if ((NOW - since >= GRACE)); then MESSAGES+="$key${TAB}open"$'\n'; fi
    elif [[ $was == ok ]]; then
      : # back before its "resolved" went out: the same incident goes on
    elif [[ $was == warning && $level == critical ]] || ((NOW - sent >= REPEAT)); then
      MESSAGES+="$key${TAB}repeat"$'\n'
    fi
  done
  for key in "${!INC_LEVEL[@]}"; do
    [[ -n ${OBS_LEVEL[$key]:-} ]] && continue
    kept "$key" && continue
    if ((${INC_SENT[$key]:-0} == 0)); then
      forget "$key" # a blip shorter than the grace: nothing was said, nothing to resolve
    else
      INC_LEVEL[$key]=ok
      MESSAGES+="$key${TAB}resolved"$'\n'
    fi
  done
}

forget() {
  unset "INC_LEVEL[$1]" "INC_SINCE[$1]" "INC_SENT[$1]" "INC_TEXT[$1]" "INC_LOOK[$1]"
}

# message KEY KIND : the text of one message.
message() {
  local key=$1 kind=$2 since=${INC_SINCE[$1]} minutes
  minutes=$(((NOW - since) / 60))
  if [[ $kind == resolved ]]; then
    t resolved "$HOST" "${INC_TEXT[$key]}" "$minutes"
    return 0
  fi
  printf '%s%s, %s %s: %s\n%s\n%s\n%s' "$(t "${INC_LEVEL[$key]}")" "$([[ $kind == repeat ]] && printf ' (%s)' "$(t still)")" \
    "$APP" "$HOST" "${INC_TEXT[$key]}" "$(t since "$(iso "$since")" "$minutes")" "$(t look)" "${INC_LOOK[$key]}"
}

# send TEXT : to every admin chat; succeeds when at least one chat got it. The token goes to curl
# on stdin (-K -), never on a command line.
send() {
  local text=$1 chat ok=1
  ((${#CHATS[@]})) && [[ -n $TOKEN ]] || return 1
  for chat in "${CHATS[@]}"; do
    if printf 'url = "%s/bot%s/sendMessage"\n' "$API_ROOT" "$TOKEN" |
      curl -fsS --max-time 15 --retry 2 --retry-delay 1 -o /dev/null -K - \
        --data-urlencode "chat_id=$chat" --data-urlencode "text=$text"; then
      ok=0
    else
      log "warning: the alert to chat $chat was not delivered"
    fi
  done
  return "$ok"
}

# deliver : sends MESSAGES; a message not delivered is tried again at the next run. With alerts
# off (no ADMIN_CHAT_IDS) nothing is sent: incidents are only kept for status.
deliver() {
  local key kind text
  while IFS=$TAB read -r key kind; do
    [[ -n $key ]] || continue
    text=$(message "$key" "$kind")
    log "$kind: $key: ${INC_TEXT[$key]}"
    if ((DRY_RUN)); then
      printf '%s\n---\n' "$text"
    elif ((${#CHATS[@]} == 0)); then
      if [[ $kind == resolved ]]; then forget "$key"; else INC_SENT[$key]=$NOW; fi
    elif send "$text"; then
      if [[ $kind == resolved ]]; then forget "$key"; else INC_SENT[$key]=$NOW; fi
      printf '{"at":"%s","kind":"%s","key":%s,"text":%s}\n' "$(iso "$NOW")" "$kind" "$(json_string "$key")" \
        "$(json_string "$text")" | write_file last-alert.json 644
    fi
  done <<<"$MESSAGES"
}

# json_string TEXT : TEXT as a JSON string.
json_string() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  s=${s//$'\r'/\\r}
  printf '"%s"' "$s"
}

# write_file NAME MODE : stdin to WATCH_DIR/NAME through a temp file renamed over it.
write_file() {
  local tmp
  tmp=$(mktemp "$WATCH_DIR/.$1.XXXXXX")
  cat >"$tmp"
  chmod "$2" "$tmp"
  mv -f -- "$tmp" "$WATCH_DIR/$1"
}

save_state() {
  local key incidents="" first=1 last_alert last_deploy
  for key in "${!INC_LEVEL[@]}"; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "${INC_LEVEL[$key]}" "${INC_SINCE[$key]}" "${INC_SENT[$key]}" \
      "${INC_TEXT[$key]//$'\n'/ }" "${INC_LOOK[$key]//$'\n'/ }"
  done | sort | write_file incidents.tsv 600
  for key in "${!SAMPLE[@]}"; do
    printf '%s\t%s\n' "$key" "$(tr '\n' '\034' <<<"${SAMPLE[$key]}" | sed 's/\x1c$//')"
  done | sort | write_file samples.tsv 600
  for key in $(printf '%s\n' "${!INC_LEVEL[@]}" | sort); do
    [[ ${INC_LEVEL[$key]} == ok ]] && continue
    ((first)) || incidents+=","
    first=0
    incidents+="{\"key\":$(json_string "$key"),\"level\":\"${INC_LEVEL[$key]}\",\"since\":\"$(iso "${INC_SINCE[$key]}")\",\"alerted\":$([[ ${INC_SENT[$key]} != 0 ]] && echo true || echo false),\"text\":$(json_string "${INC_TEXT[$key]}"),\"look\":$(json_string "${INC_LOOK[$key]}")}"
  done
  last_alert=$(cat "$WATCH_DIR/last-alert.json" 2>/dev/null) || last_alert=""
  last_deploy=$(tail -n 1 "$APP_DIR/history.jsonl" 2>/dev/null) || last_deploy=""
  [[ $last_deploy == "{"*"}" ]] || last_deploy=""
  printf '{"at":"%s","alerts":%s,"incidents":[%s],"lastAlert":%s,"lastDeploy":%s,"disk":[%s],"backup":{"newest":%s,"newestAt":%s,"lastRun":%s,"drill":%s}}\n' \
    "$(iso "$NOW")" "$( ((${#CHATS[@]})) && echo true || echo false)" "$incidents" "${last_alert:-null}" \
    "${last_deploy:-null}" "$DISK_JSON" \
    "$( ((BK_NEWEST_AT)) && json_string "$BK_NEWEST" || echo null)" \
    "$( ((BK_NEWEST_AT)) && printf '"%s"' "$(iso "$BK_NEWEST_AT")" || echo null)" \
    "$(run_json "${BK_RESULT:-}" "${BK_STATUS:-}" "${BK_AT:-}")" "$(run_json "${DR_RESULT:-}" "${DR_STATUS:-}" "${DR_AT:-}")" |
    write_file status.json 644
}

# run_json RESULT STATUS EPOCH : {"result","exitStatus","at"} of a unit's last run, or null.
run_json() {
  if [[ -z $1 ]]; then
    echo null
    return 0
  fi
  printf '{"result":%s,"exitStatus":%d,"at":"%s"}' "$(json_string "$1")" "$2" "$(iso "$3")"
}

main() {
  DRY_RUN=0
  while (($#)); do
    case $1 in
      -h | --help) usage && exit 0 ;;
      --dry-run) DRY_RUN=1 && shift ;;
      *) die "$EX_USAGE" "unknown argument '$1' (see --help)" ;;
    esac
  done
  settings
  umask 077
  mkdir -p -- "$WATCH_DIR"
  chmod 755 "$WATCH_DIR" # status.json is read by the bot's container (mounted read-only)
  load_state
  check_all
  decide
  deliver
  ((DRY_RUN)) || save_state
}

# Sourced by a test, main does not run; run from a file, it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
