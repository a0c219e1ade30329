#!/usr/bin/env bash
# sandbox-authorize-key USER...: appends the public key read from stdin to each USER's
# ~/.ssh/authorized_keys unless it is there already. Run by `npm run sandbox -- up` via docker exec.
set -Eeuo pipefail

read_key() {
  local key
  IFS= read -r key || [[ -n $key ]]
  [[ $key == ssh-* ]] || { echo >&2 "sandbox-authorize-key: stdin is not an OpenSSH public key"; exit 2; }
  printf '%s' "$key"
}

authorize() { # authorize USER KEY
  local user=$1 key=$2 home group file
  home=$(getent passwd "$user" | cut -d: -f6)
  [[ -n $home ]] || { echo >&2 "sandbox-authorize-key: no user $user"; exit 2; }
  group=$(id -gn "$user")
  file=$home/.ssh/authorized_keys
  install -d -m 0700 -o "$user" -g "$group" "$home/.ssh"
  [[ -f $file ]] || install -m 0600 -o "$user" -g "$group" /dev/null "$file"
  grep -qxF -- "$key" "$file" || printf '%s\n' "$key" >>"$file"
}

main() {
  local key user
  key=$(read_key)
  for user in "$@"; do authorize "$user" "$key"; done
}

main "$@"
