/**
 * Preparing a server as root (or a sudoer, with `sudo -n` in front). Each command is idempotent
 * and prints "changed: ..." when it changed something, "ok: ..." when it found it done already,
 * so a second run can say "nothing changed".
 */
import type { Argv } from "../ssh/types.js";
import type { Layout } from "./layout.js";

export type Sudo = readonly string[];

const USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
export function assertUser(user: string): string {
  if (!USER_RE.test(user)) throw new Error(`not a valid user name: ${JSON.stringify(user)}`);
  return user;
}

/** Probes (read-only): is docker/compose v2 there? */
export const hasDocker = (): Argv => [
  "bash",
  "-c",
  "command -v docker >/dev/null && docker version --format '{{.Server.Version}}'",
];
export const hasCompose = (): Argv => ["docker", "compose", "version", "--short"];

/** Docker's documented apt repository for Debian (docs.docker.com/engine/install/debian). */
export const installDocker = (sudo: Sudo = []): Argv[] => [
  [...sudo, "apt-get", "update"],
  [...sudo, "apt-get", "install", "-y", "ca-certificates", "curl"],
  [...sudo, "install", "-m", "0755", "-d", "/etc/apt/keyrings"],
  [...sudo, "curl", "-fsSL", "https://download.docker.com/linux/debian/gpg", "-o", "/etc/apt/keyrings/docker.asc"],
  [...sudo, "chmod", "a+r", "/etc/apt/keyrings/docker.asc"],
  [
    ...sudo,
    "bash",
    "-c",
    'printf "deb [arch=%s signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian %s stable\\n" ' +
      '"$(dpkg --print-architecture)" "$(. /etc/os-release && echo "$VERSION_CODENAME")" > /etc/apt/sources.list.d/docker.list',
  ],
  [...sudo, "apt-get", "update"],
  [
    ...sudo,
    "apt-get",
    "install",
    "-y",
    "docker-ce",
    "docker-ce-cli",
    "containerd.io",
    "docker-buildx-plugin",
    "docker-compose-plugin",
  ],
  [...sudo, "systemctl", "enable", "--now", "docker"],
];

const ENSURE_USER = [
  "u=$1; changed=0",
  "if ! getent group docker >/dev/null; then groupadd --system docker; changed=1; fi",
  'if ! id -u "$u" >/dev/null 2>&1; then useradd --create-home --shell /bin/bash --groups docker "$u"; changed=1; fi',
  'if ! id -nG "$u" | tr " " "\\n" | grep -qx docker; then usermod -aG docker "$u"; changed=1; fi',
  'if [ $changed = 1 ]; then echo "changed: user $u in group docker"; else echo "ok: user $u in group docker"; fi',
].join("\n");

export const ensureUser = (user: string, sudo: Sudo = []): Argv => [
  ...sudo,
  "bash",
  "-c",
  ENSURE_USER,
  "bash",
  assertUser(user),
];

// The key arrives as an argument: a public key is not a secret.
const ENSURE_KEY = [
  'u=$1; key=$2; home=$(getent passwd "$u" | cut -d: -f6)',
  'install -d -m 0700 -o "$u" -g "$u" "$home/.ssh"',
  'f="$home/.ssh/authorized_keys"',
  'if [ -f "$f" ] && grep -qxF -- "$key" "$f"; then echo "ok: key authorised for $u"; exit 0; fi',
  'touch "$f"; chown "$u:$u" "$f"; chmod 0600 "$f"; printf "%s\\n" "$key" >> "$f"',
  'echo "changed: key authorised for $u"',
].join("\n");

export function assertPublicKey(key: string): string {
  const k = key.trim();
  if (!/^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-[a-z0-9-]+@openssh\.com) [A-Za-z0-9+/=]+( [^\n\r]*)?$/.test(k))
    throw new Error("the public key is not one line of OpenSSH public key text");
  return k;
}

export const authorizeKey = (user: string, publicKey: string, sudo: Sudo = []): Argv => [
  ...sudo,
  "bash",
  "-c",
  ENSURE_KEY,
  "bash",
  assertUser(user),
  assertPublicKey(publicKey),
];

const ENSURE_DIR = [
  "d=$1; mode=$2; owner=$3",
  'want="$mode $owner:$owner"',
  'have=$(stat -c "%a %U:%G" -- "$d" 2>/dev/null || true)',
  'if [ "$have" = "$want" ]; then echo "ok: $d $want"; exit 0; fi',
  'install -d -m "$mode" -o "$owner" -g "$owner" -- "$d"',
  'echo "changed: $d $want"',
].join("\n");

export interface DirSpec {
  path: string;
  mode: string;
}

export function layoutDirs(l: Layout): DirSpec[] {
  return [
    { path: l.appDir, mode: "755" },
    { path: l.releases, mode: "755" },
    { path: l.shared, mode: "700" },
    { path: l.backups, mode: "700" },
  ];
}

export const ensureDir = (d: DirSpec, owner: string, sudo: Sudo = []): Argv => [
  ...sudo,
  "bash",
  "-c",
  ENSURE_DIR,
  "bash",
  d.path,
  d.mode,
  assertUser(owner),
];

export const isRoot = (): Argv => ["id", "-u"];
export const canSudo = (): Argv => ["sudo", "-n", "true"];

export function countChanges(outputs: string[]): number {
  return outputs
    .join("\n")
    .split("\n")
    .filter((l) => l.startsWith("changed:")).length;
}
