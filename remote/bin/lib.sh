#!/usr/bin/env bash
# Helpers shared by remote/bin/*.sh: logging, the compose invocation of docs/CONTRACTS.md, running
# PostgreSQL's client tools inside the postgres container (or locally, for tests), reading the
# current release. Sourced by the scripts, never run; the scripts set -Eeuo pipefail themselves.
#
# Environment read here:
#   APP_DIR   the app's directory on the server (default /opt/remindbot; the units set it)
#   PG_EXEC   where pg_dump/pg_restore run: unset or "compose" = inside the postgres container
#             of the current release; empty = right here, with the caller's PG* environment
#             (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE), as the tests do.

: "${APP_DIR:=/opt/remindbot}"

# log MESSAGE... : one line on stderr, prefixed with the running script's name (the bottom of the
# source stack); journald adds the time.
log() {
  printf '%s: %s\n' "${BASH_SOURCE[-1]##*/}" "$*" >&2
}

# die CODE MESSAGE... : logs "error: MESSAGE" and exits with CODE.
die() {
  local code=$1
  shift
  log "error: $*"
  exit "$code"
}

# is_count VALUE : succeeds when VALUE is a non-negative decimal integer of at most 9 digits. Bash
# arithmetic wraps past 2^63 (--keep-days 213503982334602 became a negative age) and reads a
# leading 0 as octal (08 is an error), so neither gets through.
is_count() {
  [[ $1 =~ ^(0|[1-9][0-9]{0,8})$ ]]
}

# release_dir : prints the directory of the current release ($APP_DIR/current).
release_dir() {
  printf '%s/current\n' "$APP_DIR"
}

# compose_cmd : sets the array COMPOSE to the contract's compose invocation for the current release.
compose_cmd() {
  local rel
  rel=$(release_dir)
  COMPOSE=(docker compose -f "$rel/docker-compose.prod.yml" --env-file "$rel/release.env")
}

# current_release : prints BOT_TAG of the current release's release.env, made safe for a file
# name (anything but letters, digits, '.' and '-' becomes '-', so '_' stays the name separator),
# or "unknown" when there is none. The file is read, never sourced.
current_release() {
  local file tag=""
  file="$(release_dir)/release.env"
  if [[ -r $file ]]; then
    tag=$(sed -n 's/^BOT_TAG=//p' "$file" | tail -n 1)
    tag=${tag//[\"\']/}
  fi
  tag=${tag//[!A-Za-z0-9.-]/-}
  printf '%s\n' "${tag:-unknown}"
}

# check_pg_exec : exits 2 with a clear message when PG_EXEC is neither unset, "compose" nor empty.
check_pg_exec() {
  case "${PG_EXEC-compose}" in
    compose | "") ;;
    *) die 2 "PG_EXEC must be empty (client tools here, PG* environment) or \"compose\", not \"$PG_EXEC\"" ;;
  esac
}

# pg_run SCRIPT [ARG...] : runs the sh SCRIPT where PostgreSQL's client tools are, with PGUSER and
# PGDATABASE naming the app's database; stdin and stdout pass through (dumps stream both ways).
# Inside the container they come from its POSTGRES_USER/POSTGRES_DB, and the local socket needs no
# password, so no secret is ever on a command line.
pg_run() {
  local script=$1
  shift
  case "${PG_EXEC-compose}" in
    compose)
      compose_cmd
      # shellcheck disable=SC2016 # expanded by the container's shell, not here
      "${COMPOSE[@]}" exec -T postgres sh -c 'export PGUSER="$POSTGRES_USER" PGDATABASE="$POSTGRES_DB"; '"$script" sh "$@"
      ;;
    "")
      sh -c "$script" sh "$@"
      ;;
    *)
      check_pg_exec
      ;;
  esac
}

# verify_dump FILE : succeeds when FILE is a complete pg_dump custom-format archive: its table of
# contents lists (pg_restore --list) and every data block reads back (a restore into /dev/null,
# which catches a truncated file whose table of contents is intact). On failure, prints
# pg_restore's first error line on stdout.
verify_dump() {
  local file=$1 out
  if ! out=$(pg_run 'exec pg_restore --list' <"$file" 2>&1 >/dev/null) ||
    ! out=$(pg_run 'exec pg_restore --file=/dev/null' <"$file" 2>&1 >/dev/null); then
    first_error_line "$out"
    return 1
  fi
}

# first_error_line TEXT : prints the first line of TEXT that looks like an error, else its first line.
first_error_line() {
  local line
  line=$(grep -m 1 -i 'error' <<<"$1" || true)
  printf '%s\n' "${line:-${1%%$'\n'*}}"
}

# free_mb PATH : prints the space available to ordinary users on PATH's file system, in MiB.
free_mb() {
  df -Pk -- "$1" | awk 'NR == 2 { print int($4 / 1024) }'
}

# write_checksum FILE : records FILE's sha256 beside it as FILE.sha256 (sha256sum's format, with
# the bare name, so `sha256sum -c` works in the folder and on a workstation after a pull), 0600.
write_checksum() {
  local file=$1 sum
  sum=$(sha256sum -- "$file")
  (umask 077 && printf '%s  %s\n' "${sum%% *}" "${file##*/}" >"$file.sha256.tmp")
  mv -f -- "$file.sha256.tmp" "$file.sha256"
}

# check_checksum FILE : succeeds when FILE.sha256 exists and matches FILE's content. Prints why
# not on stdout: "no checksum recorded" (a backup from before checksums; exit 2) or "checksum
# mismatch ..." (changed or damaged since it was written; exit 1).
check_checksum() {
  local file=$1 want got
  if [[ ! -f $file.sha256 ]]; then
    echo "no checksum recorded"
    return 2
  fi
  want=$(awk 'NR == 1 { print $1 }' "$file.sha256")
  got=$(sha256sum -- "$file")
  got=${got%% *}
  if [[ $want != "$got" ]]; then
    echo "checksum mismatch: ${file##*/}.sha256 says ${want:0:12}..., the file is ${got:0:12}..."
    return 1
  fi
}

# json_string TEXT : prints TEXT as a JSON string: quotes and backslashes escaped, control
# characters (newlines included) as spaces. For the small state files under $APP_DIR/recovery.
json_string() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//[$'\001'-$'\037']/ }
  printf '"%s"' "$s"
}

# record_state KIND RESULT BACKUP DETAIL [EXTRA] : writes $APP_DIR/recovery/KIND.json, one JSON
# object {"at","result","backup","detail"[,EXTRA]} (atomically, 0600), the last outcome of a
# backup, off-site copy or drill for `status` and for watchers (docs/CONTRACTS.md). EXTRA is
# already JSON (e.g. "sizeBytes":12). A failure to record is logged, never fatal.
record_state() {
  local kind=$1 result=$2 backup=$3 detail=$4 extra=${5:-} dir=$APP_DIR/recovery
  {
    (umask 077 && mkdir -p -- "$dir" &&
      printf '{"at":"%s","result":%s,"backup":%s,"detail":%s%s}\n' \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(json_string "$result")" "$(json_string "$backup")" \
        "$(json_string "$detail")" "${extra:+,$extra}" >"$dir/$kind.json.tmp") &&
      mv -f -- "$dir/$kind.json.tmp" "$dir/$kind.json"
  } || log "warning: could not record the $kind result in $dir"
}

# state_field KIND KEY : the string KEY of $APP_DIR/recovery/KIND.json as record_state wrote it,
# unescaped; nothing when the file or the key is not there.
state_field() {
  local json='' re value
  [[ -r $APP_DIR/recovery/$1.json ]] && json=$(<"$APP_DIR/recovery/$1.json")
  re="\"$2\":\"(([^\"\\\\]|\\\\.)*)\""
  [[ $json =~ $re ]] || return 0
  value=${BASH_REMATCH[1]//\\\"/\"}
  printf '%s' "${value//\\\\/\\}"
}

# dump_row_counts FILE : prints "<schema>.<table> <rows>" for every table in the pg_dump archive
# FILE, sorted: the rows of the live database at the dump's snapshot, read from its COPY blocks
# (one line per row in COPY's text format; a newline inside a value is written as \n).
dump_row_counts() {
  pg_run 'exec pg_restore --data-only --file=-' <"$1" |
    awk '/^COPY [^ ]+ / { t = $2; gsub(/"/, "", t); n = 0; inside = 1; next }
         inside && $0 == "\\." { print t, n; inside = 0; next }
         inside { n++ }' | sort
}
