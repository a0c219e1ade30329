#!/usr/bin/env bash
# provision.sh: prepares a server for the deployer, one idempotent step per command, as root (the
# deployer puts `sudo -n` in front for a sudoer). Run as `bash -s -- ARGS` with this file on
# stdin: the server may be bare. The ensure-* and authorize-key steps print "changed: ..." when
# they changed something and "ok: ..." when they found it done, so a second run can say "nothing
# changed". See usage below.
set -Eeuo pipefail
export LC_ALL=C

readonly EX_USAGE=2
# Where the apt repository's key and list go and os-release is read; tests point it elsewhere.
readonly ETC_DIR=${PROVISION_ETC_DIR:-/etc}

usage() {
  cat <<'USAGE'
Usage: provision.sh has-docker
       provision.sh install-docker
       provision.sh ensure-user USER
       provision.sh authorize-key USER PUBLIC_KEY
       provision.sh ensure-dir DIR MODE OWNER

has-docker      prints the Docker engine's version; fails when docker is missing or its
                daemon does not answer (read-only)
install-docker  installs Docker Engine and the compose v2 plugin from Docker's apt repository
                for Debian (docs.docker.com/engine/install/debian), enables and starts it
ensure-user     the group docker exists, USER exists (home, bash) and is in it
authorize-key   PUBLIC_KEY (one line) is in USER's ~/.ssh/authorized_keys (0700 dir, 0600 file)
ensure-dir      DIR exists with MODE (octal as stat prints it, e.g. 755) and owner OWNER:OWNER

Exit codes: 0 done; 2 usage; else the failing command's own code (its message on stderr;
1 for this script's own refusals, e.g. an unknown user).
USAGE
}

# usage_error MESSAGE : one line on stderr, exit 2.
usage_error() {
  printf 'provision.sh: error: %s (see --help)\n' "$1" >&2
  exit "$EX_USAGE"
}

# fail MESSAGE : one line on stderr, exit 1.
fail() {
  printf 'provision.sh: error: %s\n' "$1" >&2
  exit 1
}

# report CHANGED WHAT : "changed: WHAT" when CHANGED is 1, else "ok: WHAT".
report() {
  if (($1)); then printf 'changed: %s\n' "$2"; else printf 'ok: %s\n' "$2"; fi
}

has_docker() {
  command -v docker >/dev/null
  docker version --format '{{.Server.Version}}'
}

# os_codename : VERSION_CODENAME of os-release (bookworm, ...), read in a subshell.
os_codename() {
  (
    # shellcheck source=/dev/null
    . "$ETC_DIR/os-release"
    printf '%s\n' "${VERSION_CODENAME:?os-release has no VERSION_CODENAME}"
  )
}

install_docker() {
  local keyring=$ETC_DIR/apt/keyrings/docker.asc arch codename
  local packages=(docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin)
  apt-get update
  apt-get install -y ca-certificates curl
  install -m 0755 -d "$ETC_DIR/apt/keyrings"
  curl -fsSL https://download.docker.com/linux/debian/gpg -o "$keyring"
  chmod a+r "$keyring"
  arch=$(dpkg --print-architecture)
  codename=$(os_codename)
  printf 'deb [arch=%s signed-by=%s] https://download.docker.com/linux/debian %s stable\n' \
    "$arch" "$keyring" "$codename" >"$ETC_DIR/apt/sources.list.d/docker.list"
  apt-get update
  apt-get install -y "${packages[@]}"
  systemctl enable --now docker
}

# in_group USER GROUP : succeeds when USER is in GROUP (no grep -q in a pipe: pipefail and SIGPIPE).
in_group() {
  local groups
  groups=" $(id -nG "$1") "
  [[ $groups == *" $2 "* ]]
}

ensure_user() {
  local user=$1 changed=0
  if ! getent group docker >/dev/null; then
    groupadd --system docker
    changed=1
  fi
  if ! id -u "$user" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/bash --groups docker "$user"
    changed=1
  fi
  if ! in_group "$user" docker; then
    usermod -aG docker "$user"
    changed=1
  fi
  report "$changed" "user $user in group docker"
}

# authorize_key USER KEY : the key arrives as an argument; a public key is not a secret.
authorize_key() {
  local user=$1 key=$2 home file
  home=$(getent passwd "$user" | cut -d: -f6) || home=""
  [[ -n $home ]] || fail "no user $user (run ensure-user first)"
  install -d -m 0700 -o "$user" -g "$user" "$home/.ssh"
  file=$home/.ssh/authorized_keys
  if [[ -f $file ]] && grep -qxF -- "$key" "$file"; then
    report 0 "key authorised for $user"
    return 0
  fi
  touch "$file"
  chown "$user:$user" "$file"
  chmod 0600 "$file"
  printf '%s\n' "$key" >>"$file"
  report 1 "key authorised for $user"
}

ensure_dir() {
  local dir=$1 mode=$2 owner=$3 want have
  want="$mode $owner:$owner"
  have=$(stat -c '%a %U:%G' -- "$dir" 2>/dev/null) || have=""
  if [[ $have == "$want" ]]; then
    report 0 "$dir $want"
    return 0
  fi
  install -d -m "$mode" -o "$owner" -g "$owner" -- "$dir"
  report 1 "$dir $want"
}

# need N MESSAGE ARG... : exits 2 with MESSAGE unless exactly N ARGs follow.
need() {
  local n=$1 what=$2
  shift 2
  (($# == n)) || usage_error "$what"
}

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    -h | --help) usage ;;
    has-docker)
      need 0 "has-docker takes no arguments" "$@"
      has_docker
      ;;
    install-docker)
      need 0 "install-docker takes no arguments" "$@"
      install_docker
      ;;
    ensure-user)
      need 1 "ensure-user needs USER" "$@"
      ensure_user "$1"
      ;;
    authorize-key)
      need 2 "authorize-key needs USER and PUBLIC_KEY" "$@"
      authorize_key "$1" "$2"
      ;;
    ensure-dir)
      need 3 "ensure-dir needs DIR, MODE and OWNER" "$@"
      ensure_dir "$1" "$2" "$3"
      ;;
    *) usage_error "unknown command '$cmd'" ;;
  esac
}

# Sourced by a test, main does not run; run from a file or fed on stdin (bash -s), it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
