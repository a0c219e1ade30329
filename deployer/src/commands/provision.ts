/**
 * Preparing a server as root (or a sudoer, with `sudo -n` in front): remote/bin/provision.sh, fed
 * on stdin (the server may be bare). Each step is idempotent and prints "changed: ..." when it
 * changed something, "ok: ..." when it found it done already, so a second run can say "nothing
 * changed".
 */
import type { Argv } from "../ssh/types.js";
import type { Layout } from "./layout.js";
import { prefixed, scriptCall, type ScriptCall } from "./script.js";

export type Sudo = readonly string[];

const PROVISION_SH = "remote/bin/provision.sh";
/** remote/bin/provision.sh STEP ARGS, as root: sudo (when given) runs bash, stdin passes through. */
const step = (sudo: Sudo, ...args: string[]): ScriptCall => prefixed(sudo, scriptCall(PROVISION_SH, ...args));

const USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
export function assertUser(user: string): string {
  if (!USER_RE.test(user)) throw new Error(`not a valid user name: ${JSON.stringify(user)}`);
  return user;
}

/** Probes (read-only): is docker/compose v2 there? */
export const hasDocker = (): ScriptCall => step([], "has-docker");
export const hasCompose = (): Argv => ["docker", "compose", "version", "--short"];

/** The machine's facts for the preflight (read-only): arch, RAM, swap, disk, systemd, cgroup, container. */
export const facts = (): ScriptCall => step([], "facts");
export const osRelease = (): Argv => ["cat", "/etc/os-release"];

/**
 * Docker's documented apt repository for the distribution (docs.docker.com/engine/install/<dist>):
 * the engine and compose v2, or only the compose plugin beside a Docker from another source
 * (Docker's engine packages conflict with Debian's docker.io and would replace it).
 */
export const installDocker = (
  dist: "debian" | "ubuntu",
  codename: string,
  sudo: Sudo = [],
  o: { composeOnly?: boolean } = {},
): ScriptCall => step(sudo, "install-docker", dist, codename, ...(o.composeOnly ? ["--compose-only"] : []));

/** chrony or systemd-timesyncd enabled and started (timesyncd installed when neither is there). */
export const ensureClock = (sudo: Sudo = []): ScriptCall => step(sudo, "ensure-clock");

/** Where provision puts the swap file. */
export const SWAP_FILE = "/swapfile";
export const ensureSwap = (mib: number, sudo: Sudo = []): ScriptCall => {
  if (!Number.isInteger(mib) || mib <= 0) throw new Error(`not a swap size in MiB: ${mib}`);
  return step(sudo, "ensure-swap", SWAP_FILE, String(mib));
};

/** unattended-upgrades installed and on. */
export const ensureUpgrades = (sudo: Sudo = []): ScriptCall => step(sudo, "ensure-upgrades");

/** age installed (the backups' off-site copies are encrypted with it on the server). */
export const ensureAge = (sudo: Sudo = []): ScriptCall => step(sudo, "ensure-age");

/** Password logins off; run only after a key login as the deploy user worked. */
export const hardenSsh = (sudo: Sudo = []): ScriptCall => step(sudo, "harden-ssh");
/** What the proof of a key login runs as the deploy user: it must print that user's name. */
export const whoami = (): Argv => ["id", "-un"];

export const ensureUser = (user: string, sudo: Sudo = []): ScriptCall => step(sudo, "ensure-user", assertUser(user));

export function assertPublicKey(key: string): string {
  const k = key.trim();
  if (!/^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-[a-z0-9-]+@openssh\.com) [A-Za-z0-9+/=]+( [^\n\r]*)?$/.test(k))
    throw new Error("the public key is not one line of OpenSSH public key text");
  return k;
}

/** The key travels as an argument: a public key is not a secret. */
export const authorizeKey = (user: string, publicKey: string, sudo: Sudo = []): ScriptCall =>
  step(sudo, "authorize-key", assertUser(user), assertPublicKey(publicKey));

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

export const ensureDir = (d: DirSpec, owner: string, sudo: Sudo = []): ScriptCall =>
  step(sudo, "ensure-dir", d.path, d.mode, assertUser(owner));

export const isRoot = (): Argv => ["id", "-u"];
export const canSudo = (): Argv => ["sudo", "-n", "true"];

export function countChanges(outputs: string[]): number {
  return outputs
    .join("\n")
    .split("\n")
    .filter((l) => l.startsWith("changed:")).length;
}
