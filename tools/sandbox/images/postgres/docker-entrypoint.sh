#!/usr/bin/env bash
# Entrypoint of the postgres stand-in, after docker-library/postgres: honours POSTGRES_USER (default
# postgres), POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB (default
# $POSTGRES_USER), POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD, PGDATA, the *_FILE variants and
# /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz. Runs the server as uid 999 `postgres`.
set -Eeuo pipefail

file_env() { # file_env VAR [DEFAULT]: VAR from itself, or from the file named by VAR_FILE, or DEFAULT
  local var=$1 file_var="${1}_FILE" def=${2:-} val
  if [[ -n ${!var:-} && -n ${!file_var:-} ]]; then
    echo >&2 "error: both $var and $file_var are set (but are exclusive)"
    exit 1
  fi
  val=$def
  if [[ -n ${!var:-} ]]; then
    val=${!var}
  elif [[ -n ${!file_var:-} ]]; then
    val=$(<"${!file_var}")
  fi
  export "$var"="$val"
  unset "$file_var"
}

create_db_directories() {
  mkdir -p "$PGDATA" /var/run/postgresql
  chmod 00700 "$PGDATA" || :
  chmod 03775 /var/run/postgresql || :
  if [[ $(id -u) == 0 ]]; then
    find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres '{}' +
  fi
}

setup_env() {
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  : "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
  DATABASE_ALREADY_EXISTS=
  [[ -s $PGDATA/PG_VERSION ]] && DATABASE_ALREADY_EXISTS=true
  return 0
}

verify_minimum_env() {
  if [[ -z $POSTGRES_PASSWORD && $POSTGRES_HOST_AUTH_METHOD != trust ]]; then
    echo >&2 'error: database is uninitialized and superuser password is not specified; set POSTGRES_PASSWORD'
    exit 1
  fi
}

init_database_dir() {
  local initdb_args=()
  # word splitting is the documented behaviour of POSTGRES_INITDB_ARGS
  read -r -a initdb_args <<<"$POSTGRES_INITDB_ARGS"
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") "${initdb_args[@]}"
}

setup_hba_conf() {
  printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
}

temp_server_start() { # local socket only, so nobody connects before init is done
  PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD \
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
}

temp_server_stop() {
  PGUSER=$POSTGRES_USER pg_ctl -D "$PGDATA" -m fast -w stop
}

psql_cmd() { # psql_cmd DBNAME [ARGS...]: psql as the superuser, stopping at the first error
  PGPASSWORD=$POSTGRES_PASSWORD psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc \
    --dbname "$1" "${@:2}"
}

setup_db() {
  if [[ $POSTGRES_DB != postgres ]]; then
    psql_cmd postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    echo "created database $POSTGRES_DB"
  fi
}

process_init_files() {
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    [[ -e $f ]] || continue
    case $f in
      *.sh)
        echo "running $f"
        if [[ -x $f ]]; then "$f"; else
          # shellcheck disable=SC1090 # init scripts are the user's
          . "$f"
        fi
        ;;
      *.sql) echo "running $f" && psql_cmd "$POSTGRES_DB" <"$f" ;;
      *.sql.gz) echo "running $f" && gunzip -c "$f" | psql_cmd "$POSTGRES_DB" ;;
      *) echo "ignoring $f" ;;
    esac
  done
}

main() {
  if [[ ${1:0:1} == - ]]; then set -- postgres "$@"; fi
  if [[ $1 != postgres ]]; then exec "$@"; fi
  setup_env
  create_db_directories
  if [[ $(id -u) == 0 ]]; then
    exec gosu postgres "${BASH_SOURCE[0]}" "$@"
  fi
  if [[ -z $DATABASE_ALREADY_EXISTS ]]; then
    verify_minimum_env
    init_database_dir
    setup_hba_conf
    temp_server_start
    setup_db
    process_init_files
    temp_server_stop
    echo 'PostgreSQL init process complete; ready for start up.'
  else
    echo 'PostgreSQL Database directory appears to contain a database; skipping initialization'
  fi
  exec "$@"
}

main "$@"
