#!/usr/bin/env bash
# bot-state.sh CONTAINER: what the deployer's gates judge, in one round trip.
#   line 1: Docker's State of CONTAINER as JSON, a tab, its restart count
#   line 2: the status line of GET /health on the container's own address ("-" when it did not answer)
#   line 3: the body of that answer (the bot's one JSON line), or nothing
# The GET runs from the server over the bridge network: nothing runs inside the container, whose
# CPU limit is the bot's and which may be starting.
set -Eeuo pipefail

usage() {
  printf 'usage: bot-state.sh CONTAINER\n'
}

inspect() { # inspect ID: state TAB restarts TAB first IP TAB health port
  local id=$1 line ip port
  line=$(docker inspect --format '{{json .State}}	{{.RestartCount}}	{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}	{{json .Config.Env}}' -- "$id")
  IFS=$'\t' read -r STATE RESTARTS ip ENV_JSON <<<"$line"
  ip=${ip%% *}
  port=8080
  if [[ $ENV_JSON =~ \"HEALTH_PORT=([0-9]+)\" ]]; then port=${BASH_REMATCH[1]}; fi
  ADDRESS=$ip
  PORT=$port
}

get_health() { # get_health IP PORT: status line, then the body, within 2 s
  local ip=$1 port=$2
  # shellcheck disable=SC2016 # the program is bash's, its variables expand there
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "GET /health HTTP/1.0\r\n\r\n" >&3 && cat <&3' \
    bash "$ip" "$port" 2>/dev/null | tr -d '\r' | awk 'NR == 1 { print; next } body { print } /^$/ { body = 1 }'
}

main() {
  if [[ $# -ne 1 || $1 == -h || $1 == --help ]]; then
    usage
    [[ $# -eq 1 && ($1 == -h || $1 == --help) ]] && return 0
    return 2
  fi
  local id=$1 answer=""
  [[ $id =~ ^[0-9a-f]{12,64}$ ]] || {
    printf 'bot-state.sh: not a container id: %s\n' "$id" >&2
    return 2
  }
  inspect "$id"
  printf '%s\t%s\n' "$STATE" "$RESTARTS"
  if [[ -n $ADDRESS ]]; then answer=$(get_health "$ADDRESS" "$PORT" || true); fi
  if [[ -n $answer ]]; then printf '%s\n' "$answer"; else printf -- '-\n'; fi
}

main "$@"
