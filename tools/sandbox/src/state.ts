/**
 * The sandbox's files in .sandbox/ (git-ignored): key pair, known_hosts, env, target.json, caches,
 * build logs. Writes are atomic (temp file, then rename) and secret files are 0600 from the start.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { SandboxError } from "./errors.js";
import { completeSandboxEnv, formatEnvFile, generateSandboxEnv, parseEnvFile } from "./env-file.js";
import type { PublicKey } from "./known-hosts.js";
import { knownHostsLine, replaceKnownHosts } from "./known-hosts.js";
import type { Flavour, VdsNames } from "./names.js";
import { telegramApiRoot } from "./names.js";
import { run } from "./process.js";
import type { SandboxTarget } from "../../../deployer/src/config/sandbox-target.js";
import { SANDBOX_TARGET_FILE } from "../../../deployer/src/config/sandbox-target.js";
import { REPO_ROOT } from "../../../deployer/src/local/repo-root.js";

const SANDBOX_DIR = join(REPO_ROOT, ".sandbox");

export const PATHS = {
  dir: SANDBOX_DIR,
  key: join(SANDBOX_DIR, "id_ed25519"),
  knownHosts: join(SANDBOX_DIR, "known_hosts"),
  env: join(SANDBOX_DIR, "env"),
  /** The deployer reads it as its built-in target `sandbox` (deployer/src/config/sandbox-target.ts). */
  target: join(REPO_ROOT, SANDBOX_TARGET_FILE),
  resolvConf: join(SANDBOX_DIR, "resolv.conf"),
  /** npm tarballs and debootstrap's packages; SANDBOX_CACHE_DIR keeps them across clean clones (CI). */
  cache: process.env.SANDBOX_CACHE_DIR ?? join(SANDBOX_DIR, "cache"),
  build: join(SANDBOX_DIR, "build"),
  logs: join(SANDBOX_DIR, "logs"),
} as const;

export function ensureDirs(): void {
  for (const dir of [PATHS.dir, PATHS.cache, PATHS.build, PATHS.logs]) mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export function writeFileAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode); // the umask may have narrowed it; never widened
  renameSync(tmp, path);
}

/** The sandbox's key pair, generated once (ed25519, no passphrase, 0600). */
export async function ensureKeyPair(): Promise<string> {
  if (!existsSync(PATHS.key)) {
    const r = await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "remindbot-sandbox", "-f", PATHS.key], {
      timeoutMs: 30_000,
    }).catch(() => undefined);
    if (!r || r.code !== 0) throw new SandboxError("ssh-keygen failed: install openssh-client");
  }
  chmodSync(PATHS.key, 0o600);
  return readFileSync(`${PATHS.key}.pub`, "utf8").trim();
}

/** The host's real resolvers for the VDS (the embedded 127.0.0.11 does not reach nested containers). */
export function writeResolvConf(hostResolvConf = "/etc/resolv.conf"): string {
  const text = existsSync(hostResolvConf) ? readFileSync(hostResolvConf, "utf8") : "";
  const servers = text
    .split("\n")
    .filter((l) => /^\s*nameserver\s+/.test(l))
    .filter((l) => !/\s(127\.|::1|0\.0\.0\.0)/.test(l));
  const body = (servers.length ? servers : ["nameserver 1.1.1.1"]).join("\n") + "\n";
  writeFileAtomic(PATHS.resolvConf, body, 0o644);
  return PATHS.resolvConf;
}

export function recordHostKeys(names: VdsNames, keys: readonly PublicKey[]): void {
  const existing = existsSync(PATHS.knownHosts) ? readFileSync(PATHS.knownHosts, "utf8") : "";
  const lines = keys.map((k) => knownHostsLine(names.sshHost, names.sshPort, k));
  writeFileAtomic(PATHS.knownHosts, replaceKnownHosts(existing, names.sshHost, names.sshPort, lines), 0o644);
}

export function forgetHostKeys(names: VdsNames): void {
  if (!existsSync(PATHS.knownHosts)) return;
  const existing = readFileSync(PATHS.knownHosts, "utf8");
  writeFileAtomic(PATHS.knownHosts, replaceKnownHosts(existing, names.sshHost, names.sshPort, []), 0o644);
}

/** Writes .sandbox/env on the first `up`; later ones keep its values (the database knows the password). */
export function ensureEnvFile(): void {
  const existing = existsSync(PATHS.env) ? parseEnvFile(readFileSync(PATHS.env, "utf8")) : {};
  const env = completeSandboxEnv(existing, generateSandboxEnv(telegramApiRoot()));
  writeFileAtomic(PATHS.env, formatEnvFile(env), 0o600);
}

export function readEnvFile(): Record<string, string> {
  return existsSync(PATHS.env) ? parseEnvFile(readFileSync(PATHS.env, "utf8")) : {};
}

/** target.json as the deployer reads it: paths relative to the repo root. */
export function targetFor(names: VdsNames, user: string, flavour: Flavour): SandboxTarget {
  const rel = (p: string) => relative(REPO_ROOT, p);
  return {
    name: "sandbox",
    host: names.sshHost,
    port: names.sshPort,
    user,
    rootUser: "root",
    identityFile: rel(PATHS.key),
    knownHostsFile: rel(PATHS.knownHosts),
    envFile: rel(PATHS.env),
    appDir: "/opt/remindbot",
    flavour,
  };
}

export function writeTarget(target: SandboxTarget): void {
  writeFileAtomic(PATHS.target, JSON.stringify(target, null, 2) + "\n", 0o644);
}
