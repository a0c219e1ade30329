#!/usr/bin/env bash
# provision.sh: prepares a server for the deployer, one idempotent step per command, as root (the
# deployer puts `sudo -n` in front for a sudoer). Run as `bash -s -- ARGS` with this file on
# stdin: the server may be bare. The ensure-* and authorize-key steps print "changed: ..." when
# they changed something and "ok: ..." when they found it done, so a second run can say "nothing
# changed". See usage below.
set -Eeuo pipefail
export LC_ALL=C

readonly EX_USAGE=2
# Where the apt repository's key and list, fstab and sshd's drop-in go; tests point them elsewhere.
readonly ETC_DIR=${PROVISION_ETC_DIR:-/etc}
# meminfo and swaps, and /run (is systemd the init system?); tests point them elsewhere.
readonly PROC_DIR=${PROVISION_PROC_DIR:-/proc}
readonly RUN_DIR=${PROVISION_RUN_DIR:-/run}
# Ours, early in sshd_config.d: sshd takes the first value it reads (cloud images ship 50-cloud-init.conf).
readonly SSHD_DROPIN=$ETC_DIR/ssh/sshd_config.d/10-deployer-no-passwords.conf
readonly AUTO_UPGRADES=$ETC_DIR/apt/apt.conf.d/20auto-upgrades

usage() {
  cat <<'USAGE'
Usage: provision.sh facts
       provision.sh has-docker
       provision.sh install-docker DIST CODENAME [--compose-only]
       provision.sh ensure-user USER
       provision.sh authorize-key USER PUBLIC_KEY
       provision.sh ensure-dir DIR MODE OWNER
       provision.sh ensure-clock
       provision.sh ensure-swap FILE MIB
       provision.sh ensure-upgrades
       provision.sh ensure-age
       provision.sh harden-ssh

facts           the machine as key=value lines (read-only): arch (dpkg's), mem_kb, swap_kb,
                disk_free_kb (of /), systemd (its version when it is the init system, else
                empty), cgroup (v1|v2|unknown), container (systemd-detect-virt's, or none)
has-docker      prints the Docker engine's version; fails when docker is missing or its
                daemon does not answer (read-only)
install-docker  installs Docker Engine and the compose v2 plugin from Docker's apt repository
                for DIST (debian|ubuntu) CODENAME (docs.docker.com/engine/install/DIST),
                enables and starts it; --compose-only installs just the compose plugin, beside
                a Docker that is there from another source (Docker's engine packages would
                replace it)
ensure-user     the group docker exists, USER exists (home, bash) and is in it
authorize-key   PUBLIC_KEY (one line) is in USER's ~/.ssh/authorized_keys (0700 dir, 0600 file)
ensure-dir      DIR exists with MODE (octal as stat prints it, e.g. 755) and owner OWNER:OWNER
ensure-clock    a time service is enabled and started: chrony or systemd-timesyncd, whichever
                is installed (ntpd is left as it is); with none, systemd-timesyncd is installed
ensure-swap     FILE is a swap file of MIB MiB (0600 from creation), listed in fstab and
                switched on; one already on is left as it is; in a container (whose swap is
                the host's) it is made and listed but not switched on
ensure-upgrades unattended-upgrades is installed and on (security updates daily: 20auto-upgrades)
ensure-age      age is installed (the distribution's package): the backups' off-site copies are
                encrypted with it on the server
harden-ssh      password and keyboard-interactive logins off (a drop-in in sshd_config.d, checked
                with sshd -t and sshd -T, then sshd reloaded; sessions stay). Run it only after a
                key login worked: the deployer proves one as the deploy user first

Every step that changes things prints "changed: WHAT" or "ok: WHAT" on stdout; what apt
prints goes to stderr.

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

# apt_get ARGS... : apt-get that waits (up to 5 min) for a dpkg lock instead of failing: a server
# just booted often runs its own apt (cloud-init, the daily unattended upgrade) at that moment.
apt_get() {
  apt-get -o DPkg::Lock::Timeout=300 "$@"
}

# apt_install PKG... : installs them (no recommends), updating the lists first only when apt
# does not know one (a fresh server's lists are often empty); apt's output goes to stderr.
apt_install() {
  local pkg candidate
  for pkg in "$@"; do
    candidate=$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
    if [[ -z $candidate || $candidate == "(none)" ]]; then
      apt_get update >&2
      break
    fi
  done
  DEBIAN_FRONTEND=noninteractive apt_get install -y --no-install-recommends "$@" >&2
}

# install_docker DIST CODENAME [--compose-only] : Docker's documented apt steps for that
# distribution and release.
install_docker() {
  local dist=$1 codename=$2 keyring=$ETC_DIR/apt/keyrings/docker.asc arch
  local packages=(docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin)
  if [[ ${3-} == --compose-only ]]; then
    packages=(docker-compose-plugin)
  elif [[ -n ${3-} ]]; then
    usage_error "install-docker: unknown option '$3'"
  fi
  [[ $dist == debian || $dist == ubuntu ]] || usage_error "install-docker: DIST is debian or ubuntu, not '$dist'"
  [[ $codename =~ ^[a-z]+$ ]] || usage_error "install-docker: CODENAME is a word like bookworm, not '$codename'"
  apt_get update
  apt_get install -y ca-certificates curl
  install -m 0755 -d "$ETC_DIR/apt/keyrings"
  curl -fsSL "https://download.docker.com/linux/$dist/gpg" -o "$keyring"
  chmod a+r "$keyring"
  arch=$(dpkg --print-architecture)
  printf 'deb [arch=%s signed-by=%s] https://download.docker.com/linux/%s %s stable\n' \
    "$arch" "$keyring" "$dist" "$codename" >"$ETC_DIR/apt/sources.list.d/docker.list"
  apt_get update
  apt_get install -y "${packages[@]}"
  if [[ ${3-} != --compose-only ]]; then systemctl enable --now docker; fi
}

# facts : what provision's preflight judges, read-only.
facts() {
  local arch mem swap disk systemd="" cgroup container
  arch=$(dpkg --print-architecture 2>/dev/null) || arch=$(uname -m)
  mem=$(awk '$1 == "MemTotal:" { print $2 }' "$PROC_DIR/meminfo")
  swap=$(awk '$1 == "SwapTotal:" { print $2 }' "$PROC_DIR/meminfo")
  disk=$(df -Pk / | awk 'NR == 2 { print $4 }')
  # systemd is the init system when this directory exists (sd_booted(3)); systemctl alone may not be
  if [[ -d $RUN_DIR/systemd/system ]]; then
    systemd=$(systemctl --version | awk 'NR == 1 { print $2 }')
  fi
  case $(stat -fc %T /sys/fs/cgroup 2>/dev/null) in
    cgroup2fs) cgroup=v2 ;;
    tmpfs) cgroup=v1 ;;
    *) cgroup=unknown ;;
  esac
  container=$(container)
  printf 'arch=%s\nmem_kb=%s\nswap_kb=%s\ndisk_free_kb=%s\nsystemd=%s\ncgroup=%s\ncontainer=%s\n' \
    "$arch" "$mem" "$swap" "$disk" "$systemd" "$cgroup" "${container:-none}"
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

# unit_exists UNIT : the unit file is installed (no grep -q in a pipe: pipefail and SIGPIPE).
unit_exists() {
  [[ -n $(systemctl list-unit-files --no-legend "$1" 2>/dev/null) ]]
}

# unit_state UNIT : "enabled, active" and the like.
unit_state() {
  printf '%s, %s' "$(systemctl is-enabled "$1" 2>/dev/null)" "$(systemctl is-active "$1" 2>/dev/null)"
}

# container : systemd-detect-virt's name for the container this runs in; nothing outside one.
container() {
  local c
  c=$(systemd-detect-virt --container 2>/dev/null) || c=""
  [[ $c == none ]] && c=""
  printf '%s' "$c"
}

# ensure_clock : chrony or systemd-timesyncd (whichever is there; timesyncd installed when neither
# is) enabled and started. checks.sh clock reads the state this leaves.
ensure_clock() {
  local unit changed=0 before after note="" where
  if unit_exists chrony.service; then
    unit=chrony.service
  elif unit_exists systemd-timesyncd.service; then
    unit="systemd-timesyncd.service"
  elif unit_exists ntpsec.service || unit_exists ntp.service; then
    report 0 "time service ntpd (left as it is)"
    return 0
  else
    apt_install systemd-timesyncd
    unit="systemd-timesyncd.service"
    changed=1
  fi
  before=$(unit_state "$unit")
  systemctl is-enabled --quiet "$unit" 2>/dev/null || systemctl enable "$unit" >&2
  systemctl is-active --quiet "$unit" 2>/dev/null || systemctl start "$unit" >&2
  after=$(unit_state "$unit")
  [[ $before == "$after" ]] || changed=1
  # timesyncd does not start in a container (ConditionVirtualization): the clock is the host's
  if [[ $after != *", active" && $(systemctl show -p ConditionResult --value "$unit" 2>/dev/null) == no ]]; then
    where=$(container)
    note=" (not started: its start condition is not met${where:+ in a container ($where): the host keeps its clock})"
  fi
  report "$changed" "time service ${unit%.service}: $after$note"
}

# swap_active FILE : FILE is in use as swap.
swap_active() {
  awk -v f="$1" '$1 == f { found = 1 } END { exit !found }' "$PROC_DIR/swaps"
}

# is_swap_file FILE MIB : FILE has MIB MiB and mkswap's signature at the end of its first page.
is_swap_file() {
  local file=$1 mib=$2 page
  [[ -f $file && $(stat -c %s -- "$file") == "$((mib * 1024 * 1024))" ]] || return 1
  page=$(getconf PAGESIZE)
  [[ $(dd if="$file" bs=1 skip=$((page - 10)) count=10 status=none) == SWAPSPACE2 ]]
}

# ensure_swap FILE MIB : see usage.
ensure_swap() {
  local file=$1 mib=$2 changed=0 note="" free_kb where
  [[ $mib =~ ^[1-9][0-9]*$ ]] || usage_error "ensure-swap: MIB is a number of MiB, not '$mib'"
  [[ $file == /* ]] || usage_error "ensure-swap: FILE is an absolute path, not '$file'"
  if swap_active "$file"; then
    report 0 "swap file $file on (left as it is)"
    return 0
  fi
  if ! is_swap_file "$file" "$mib"; then
    free_kb=$(df -Pk -- "$(dirname -- "$file")" | awk 'NR == 2 { print $4 }')
    ((free_kb / 1024 > mib + 1024)) || fail "not enough disk for a $mib MiB swap file at $file ($((free_kb / 1024)) MiB free)"
    rm -f -- "$file"
    # 0600 from the first byte: swap holds memory pages
    (umask 077 && { fallocate -l "${mib}M" -- "$file" 2>/dev/null || dd if=/dev/zero of="$file" bs=1M count="$mib" status=none; })
    chmod 0600 -- "$file"
    mkswap -- "$file" >&2
    changed=1
  fi
  if ! awk -v f="$file" '$1 == f && $3 == "swap" { found = 1 } END { exit !found }' "$ETC_DIR/fstab" 2>/dev/null; then
    printf '%s none swap sw 0 0\n' "$file" >>"$ETC_DIR/fstab"
    changed=1
  fi
  where=$(container)
  if [[ -n $where ]]; then
    note=" (not switched on: this server is a container ($where), whose swap is the host's)"
  else
    swapon -- "$file"
    changed=1
  fi
  report "$changed" "swap file $file $mib MiB$note"
}

# ensure_upgrades : unattended-upgrades installed, the daily apt runs on (its default origins are
# the distribution's security updates).
ensure_upgrades() {
  local changed=0 want
  want=$'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";'
  if [[ $(dpkg-query -W -f='${Status}' unattended-upgrades 2>/dev/null) != "install ok installed" ]]; then
    apt_install unattended-upgrades
    changed=1
  fi
  if [[ $(cat -- "$AUTO_UPGRADES" 2>/dev/null) != "$want" ]]; then
    printf '%s\n' "$want" >"$AUTO_UPGRADES"
    changed=1
  fi
  report "$changed" "unattended security upgrades on ($AUTO_UPGRADES)"
}

# ensure_age : the distribution's age package (every supported release has one) is installed.
ensure_age() {
  local changed=0
  if [[ $(dpkg-query -W -f='${Status}' age 2>/dev/null) != "install ok installed" ]]; then
    apt_install age
    changed=1
  fi
  report "$changed" "age $(age --version 2>/dev/null || echo '(version unknown)'), for encrypted off-site copies"
}

# sshd_says KEY VALUE : sshd's effective configuration (sshd -T, lower-case keys) has KEY VALUE.
sshd_says() {
  [[ $(sshd -T 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }') == "$2" ]]
}

passwords_off() {
  sshd_says passwordauthentication no && sshd_says kbdinteractiveauthentication no
}

# harden_ssh : password logins off, proven by sshd's own view of its configuration; a drop-in that
# sshd refuses or that does not take effect is removed again, so sshd is never left broken.
harden_ssh() {
  local dir=${SSHD_DROPIN%/*}
  if passwords_off; then
    report 0 "password logins off"
    return 0
  fi
  grep -qsE '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\.d/\*\.conf' "$ETC_DIR/ssh/sshd_config" ||
    fail "sshd_config does not include sshd_config.d/*.conf: set PasswordAuthentication no in it by hand"
  install -d -m 0755 -- "$dir"
  printf '%s\n' "# provision --harden-ssh, after a key login as the deploy user worked" \
    "PasswordAuthentication no" "KbdInteractiveAuthentication no" >"$SSHD_DROPIN.tmp"
  chmod 0644 -- "$SSHD_DROPIN.tmp"
  mv -f -- "$SSHD_DROPIN.tmp" "$SSHD_DROPIN"
  if ! sshd -t; then
    rm -f -- "$SSHD_DROPIN"
    fail "sshd -t refused the drop-in; removed it, nothing changed"
  fi
  if ! passwords_off; then
    rm -f -- "$SSHD_DROPIN"
    fail "an earlier file in $dir or sshd_config keeps password logins on; removed the drop-in, nothing changed"
  fi
  # reload: sshd rereads its configuration, open sessions stay
  if systemctl is-active --quiet ssh.service; then systemctl reload ssh.service; fi
  report 1 "password logins off ($SSHD_DROPIN)"
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
    facts)
      need 0 "facts takes no arguments" "$@"
      facts
      ;;
    has-docker)
      need 0 "has-docker takes no arguments" "$@"
      has_docker
      ;;
    install-docker)
      (($# == 2 || $# == 3)) || usage_error "install-docker needs DIST and CODENAME [--compose-only]"
      install_docker "$@"
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
    ensure-clock)
      need 0 "ensure-clock takes no arguments" "$@"
      ensure_clock
      ;;
    ensure-swap)
      need 2 "ensure-swap needs FILE and MIB" "$@"
      ensure_swap "$1" "$2"
      ;;
    ensure-upgrades)
      need 0 "ensure-upgrades takes no arguments" "$@"
      ensure_upgrades
      ;;
    ensure-age)
      need 0 "ensure-age takes no arguments" "$@"
      ensure_age
      ;;
    harden-ssh)
      need 0 "harden-ssh takes no arguments" "$@"
      harden_ssh
      ;;
    *) usage_error "unknown command '$cmd'" ;;
  esac
}

# Sourced by a test, main does not run; run from a file or fed on stdin (bash -s), it does.
_is_sourced() { [[ ${FUNCNAME[1]-} == source ]]; }
_is_sourced || main "$@"
