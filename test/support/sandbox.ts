/**
 * The shared e2e harness: one sandbox VDS per test run, brought up on first use and reused by every
 * e2e file; the fake Telegram Bot API beside it. Needs root and a Docker engine; without them, every
 * e2e test is skipped with one line saying why (see e2e-hooks.ts and useSandbox).
 *
 *   before(async function () { sandbox = await useSandbox(this); });        // skips when unavailable
 *   const r = await sandboxSsh(["systemctl", "is-active", "docker"]);       // root; {user: "deploy"}
 *   await restartSandbox();                                                  // a reboot
 *   const api = fakeBotApi(); await api.pushUpdate(...); await api.calls({ method: "sendMessage" });
 */
import { FakeBotApiClient } from "@remindbot/fake-telegram/client";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { docker, ENGINE_DOWN } from "../../tools/sandbox/src/docker.js";
import type { Flavour } from "../../tools/sandbox/src/names.js";
import { TELEGRAM, telegramApiRoot, vdsNames } from "../../tools/sandbox/src/names.js";
import type { RunResult } from "../../deployer/src/local/process.js";
import { ssh } from "../../tools/sandbox/src/ssh.js";
import { PATHS, readEnvFile, targetFor, writeTarget } from "../../tools/sandbox/src/state.js";
import type { SandboxTarget } from "../../deployer/src/config/sandbox-target.js";
import { Timings } from "../../tools/sandbox/src/timings.js";
import { absoluteTarget } from "../../deployer/src/config/sandbox-target.js";
import { down, reset, restart, status, up } from "../../tools/sandbox/src/vds.js";

export interface Sandbox {
  flavour: Flavour;
  /** The deploy target, absolute paths: what the deployer reads from .sandbox/target.json. */
  target: SandboxTarget;
  /** The sandbox's env (.sandbox/env): secrets; never print them. */
  envFile: string;
  /** SHA256 fingerprint of the VDS's ed25519 host key. */
  hostKeyFingerprint: string;
  /** The fake Bot API: `url` for the control plane from the host, `apiRoot` as the VDS reaches it. */
  telegram: { running: boolean; url: string; apiRoot: string };
}

export type Availability = { ok: true } | { ok: false; reason: string };

let availability: Promise<Availability> | undefined;

async function probe(): Promise<Availability> {
  if (process.platform !== "linux") return { ok: false, reason: "the sandbox needs a Linux host" };
  if (process.getuid?.() !== 0) return { ok: false, reason: "the sandbox needs root (it runs a privileged container)" };
  try {
    const r = await docker(["info", "--format", "{{.ServerVersion}}"], { timeoutMs: 20_000 });
    if (r.code !== 0) return { ok: false, reason: ENGINE_DOWN };
  } catch {
    return { ok: false, reason: "the docker CLI is not installed (run `bash .ci/install-deps.sh` as root)" };
  }
  return { ok: true };
}

/** Whether e2e tests can run here (root + a running Docker engine); memoised for the run. */
export function dockerAvailable(): Promise<Availability> {
  availability ??= probe();
  return availability;
}

const shared = new Map<Flavour, Promise<Sandbox>>();
/** Flavours this run started (they were not running before it): stopped again at the end. */
const startedByThisRun = new Set<Flavour>();

const log = (line: string) => process.stderr.write(`      sandbox: ${line}\n`);

async function bringUp(flavour: Flavour): Promise<Sandbox> {
  const wasRunning = (await status(flavour)).state === "running";
  const timings = new Timings();
  const r = await up({ flavour, log, timings });
  if (!wasRunning) startedByThisRun.add(flavour);
  log(`${flavour} up${r.created ? " (new server)" : ""}; timings (printed, not asserted):\n${timings.format()}`);
  return {
    flavour,
    target: absoluteTarget(r.target),
    envFile: absoluteTarget(r.target).envFile,
    hostKeyFingerprint: r.fingerprint,
    telegram: { running: r.telegram, url: `http://${TELEGRAM.hostBind}:${TELEGRAM.port}`, apiRoot: telegramApiRoot() },
  };
}

/**
 * The run's shared sandbox of that flavour, brought up once. `fresh: true` destroys it first (a new
 * server with new host keys and an empty disk); only tests that need a fresh server ask for that.
 */
export interface EnsureOptions {
  flavour?: Flavour;
  /** Destroy it first: a new server, new host keys, an empty disk. */
  fresh?: boolean;
  /**
   * Run `up` again even if this run already did: after the deployer provisioned a bare server, this
   * records the deploy user in target.json and loads the base images into its new Docker engine.
   */
  refresh?: boolean;
}

export async function ensureSandbox(options: EnsureOptions = {}): Promise<Sandbox> {
  const flavour = options.flavour ?? "ready";
  if (options.fresh) {
    await shared.get(flavour)?.catch(() => undefined);
    shared.delete(flavour);
    await reset(flavour);
  }
  let s = shared.get(flavour);
  // a test may have stopped it (down, a port test): then bring it up again
  if (s && (options.refresh || (await status(flavour)).state !== "running")) s = undefined;
  if (!s) {
    s = bringUp(flavour);
    shared.set(flavour, s);
    s.catch(() => shared.delete(flavour)); // a failed start is retried by the next caller
  }
  const sandbox = await s;
  // .sandbox/target.json names one server: the flavour this e2e file asked for
  writeTarget(targetFor(vdsNames(flavour), sandbox.target.user, flavour));
  return sandbox;
}

/** For a `before` hook: skips the suite (one clear line) without root/Docker, else ensureSandbox. */
export async function useSandbox(ctx: Mocha.Context, options: EnsureOptions = {}): Promise<Sandbox> {
  const a = await dockerAvailable();
  if (!a.ok) {
    ctx.skip(); // e2e-hooks.ts printed why
  }
  ctx.timeout(40 * 60_000); // a cold machine builds every image first
  return ensureSandbox(options);
}

/** Quotes one argument for the remote POSIX shell (ssh joins its arguments with spaces). */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export interface SandboxSshOptions {
  user?: string;
  flavour?: Flavour;
  /** Written to the command's stdin. */
  input?: string;
  /** Another private key (e.g. to check that it is refused). */
  identityFile?: string;
  timeoutMs?: number;
}

/**
 * Runs a command on the sandbox over real SSH (the generated key, strict host key checking against
 * .sandbox/known_hosts). An array is quoted argument by argument; a string is a shell command line.
 * Resolves with the exit code (255: ssh itself failed) and the output; never rejects for an exit code.
 */
export function sandboxSsh(command: string | readonly string[], options: SandboxSshOptions = {}): Promise<RunResult> {
  const flavour = options.flavour ?? "ready";
  const target = absoluteTarget(targetFor(vdsNames(flavour), "root", flavour));
  const line = typeof command === "string" ? command : command.map(shellQuote).join(" ");
  return ssh(target, [line], {
    user: options.user ?? "root",
    timeoutMs: options.timeoutMs ?? 10 * 60_000,
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.identityFile ? { identityFile: options.identityFile } : {}),
  });
}

/** A reboot of the sandbox (`docker restart -t 60`); resolves with systemd's state once booted. */
export function restartSandbox(flavour: Flavour = "ready"): Promise<string> {
  return restart(flavour, log);
}

/** The fake Bot API's control plane, from the host (the bot inside the VDS uses TELEGRAM_API_ROOT). */
export function fakeBotApi(): FakeBotApiClient {
  return new FakeBotApiClient(`http://${TELEGRAM.hostBind}:${TELEGRAM.port}`);
}

/** The sandbox env's values, for tests that must use them (e.g. BOT_TOKEN); never print them. */
export function sandboxEnv(): Record<string, string> {
  return readEnvFile();
}

export const SANDBOX_PATHS = PATHS;

/**
 * Writes deploy.targets.yml in `repo` with one target `name` for the ready VDS (the built-in
 * `sandbox` target has no settings of its own), plus `extra` lines of YAML under it.
 */
export function writeSandboxTarget(repo: string, name: string, extra: readonly string[] = []): void {
  writeFileSync(
    join(repo, "deploy.targets.yml"),
    [
      "targets:",
      `  ${name}:`,
      "    host: 127.0.0.1",
      `    port: ${vdsNames("ready").sshPort}`,
      "    user: deploy",
      `    identityFile: ${PATHS.key}`,
      `    knownHostsFile: ${PATHS.knownHosts}`,
      `    envFile: ${PATHS.env}`,
      ...extra.map((line) => `    ${line}`),
      "",
    ].join("\n"),
  );
}

/** Root hook, at the end of the run: stops what this run started (disks kept: the next run is warm). */
export async function stopSandboxesStartedByThisRun(): Promise<void> {
  for (const flavour of startedByThisRun) await down(flavour);
  startedByThisRun.clear();
  shared.clear();
}
