#!/usr/bin/env bash
# Installs the host packages the test tiers need, each only when missing, and starts dockerd.
# Used by .ci/run; safe to run again (idempotent). Needs root and the Debian mirrors.
set -Eeuo pipefail

COMPOSE_PLUGIN=/usr/libexec/docker/cli-plugins/docker-compose

log() { printf '[install-deps] %s\n' "$*"; }

need_apt_update=1
apt_install() { # apt_install PKG... : install the packages, updating the lists once
  if ((need_apt_update)); then apt-get update -qq; need_apt_update=0; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

install_missing_packages() {
  local want=() cmd pkg
  local pair
  for pair in docker:docker.io debootstrap:debootstrap shellcheck:shellcheck tmux:tmux \
    systemd-analyze:systemd ssh:openssh-client ssh-keygen:openssh-client iptables:iptables \
    psql:postgresql-client xz:xz-utils age:age; do
    cmd=${pair%%:*} pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || want+=("$pkg")
  done
  # dockerd comes with docker.io; the CLI alone (seen on some images) is not enough
  command -v dockerd >/dev/null 2>&1 || want+=(docker.io)
  if ((${#want[@]})); then
    log "apt-get install ${want[*]}"
    apt_install "${want[@]}"
  fi
}

install_compose_v2() { # Debian 12 packages only compose v1; take the v2 plugin from Debian 13's package
  if docker compose version 2>/dev/null | grep -Eq 'version v?2\.'; then return 0; fi
  log "installing the docker compose v2 plugin from Debian 13's docker-compose package"
  local tmp list=/etc/apt/sources.list.d/trixie-compose.list
  tmp=$(mktemp -d)
  echo 'deb http://deb.debian.org/debian trixie main' >"$list"
  apt-get update -qq -o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0
  # _apt cannot write into a mktemp dir; download as root, quietly
  (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root docker-compose/trixie)
  dpkg-deb -x "$tmp"/docker-compose_*.deb "$tmp/x"
  install -D -m 0755 "$tmp/x$COMPOSE_PLUGIN" "$COMPOSE_PLUGIN"
  rm -rf "$tmp" "$list"
  apt-get update -qq
}

start_dockerd() {
  if docker info >/dev/null 2>&1; then return 0; fi
  log "starting dockerd"
  mkdir -p /var/log
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  local _
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  log "dockerd did not start; see /var/log/dockerd.log"
  tail -20 /var/log/dockerd.log >&2
  return 1
}

main() {
  install_missing_packages
  install_compose_v2
  start_dockerd
  log "docker $(docker version -f '{{.Server.Version}}'), $(docker compose version --short)"
}

main "$@"
