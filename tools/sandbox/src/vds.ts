/**
 * The sandbox VDS's life cycle: up, down, reset, restart, status. Orchestrates the effects
 * (docker, ssh, files); the pieces it uses are built and tested one by one.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { docker, dockerOk, exists, inspect, pipeImages, requireEngine } from "./docker.js";
import { foreignMount, networkCreateArgs, vdsCreateArgs } from "./docker-args.js";
import { SandboxError, lastLines } from "./errors.js";
import { probeHost } from "./host-probe.js";
import type { PullMode } from "./images.js";
import { ensureImages, imagesFor } from "./images.js";
import {
  fingerprintSha256,
  hostField,
  hostsMatch,
  keyTypeOf,
  parseKnownHosts,
  parsePublicKey,
} from "../../../deployer/src/ssh/known-hosts.js";
import type { Flavour, VdsNames } from "./names.js";
import { BASE_IMAGES_FOR_VDS, FLAVOURS, NETWORK, OWNER_LABEL, vdsNames } from "./names.js";
import { currentSeed, makeSeed, seedVolume } from "./seed.js";
import { withLock } from "./lock.js";
import { ssh } from "./ssh.js";
import {
  PATHS,
  ensureDirs,
  ensureEnvFile,
  ensureKeyPair,
  forgetHostKeys,
  recordHostKeys,
  targetFor,
  writeResolvConf,
  writeTarget,
} from "./state.js";
import type { SandboxTarget } from "../../../deployer/src/config/sandbox-target.js";
import { absoluteTarget } from "../../../deployer/src/config/sandbox-target.js";
import { ensureTelegram, removeTelegram, stopTelegram } from "./telegram.js";
import { Timings } from "./timings.js";

export type Log = (line: string) => void;

export interface UpOptions {
  flavour?: Flavour;
  rebuild?: boolean;
  pull?: PullMode;
  log?: Log;
  timings?: Timings;
}

const BOOT_TIMEOUT_MS = 180_000;

async function containerState(names: VdsNames): Promise<"running" | "stopped" | "absent"> {
  const state = await inspect("container", names.container, "{{.State.Running}}");
  if (state === undefined) return "absent";
  return state === "true" ? "running" : "stopped";
}

/** Free, or in use by something that is not ours: the one-line "port in use" error. */
export function assertPortFree(host: string, port: number, hint: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new SandboxError(`port ${host}:${port} is in use by another program (${hint}): stop it first`)
          : e,
      ),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

async function ensureNetwork(): Promise<void> {
  if (await exists("network", NETWORK.name)) return;
  await dockerOk(["network", "create", ...networkCreateArgs()], `creating the network ${NETWORK.name}`);
}

/** Creates the container and its volume; a ready one's volume starts from the seed when there is one. */
async function createVds(names: VdsNames, seed: string | undefined): Promise<boolean> {
  await dockerOk(
    ["volume", "create", "--label", `${OWNER_LABEL}=vds`, names.volume],
    `creating the volume ${names.volume}`,
  );
  const seeded = seed !== undefined && (await seedVolume(seed, names.volume));
  const args = vdsCreateArgs({ names, host: probeHost(), resolvConf: writeResolvConf() });
  await dockerOk(["create", ...args], `creating the container ${names.container}`);
  forgetHostKeys(names); // a new server has new host keys
  return seeded;
}

async function startVds(names: VdsNames): Promise<void> {
  const mounts = await inspect("container", names.container, '{{range .Mounts}}{{.Source}}{{"\\n"}}{{end}}');
  const foreign = foreignMount(mounts ?? "", PATHS.resolvConf);
  if (foreign)
    throw new SandboxError(
      `${names.container} was made by another checkout of the repo (it mounts ${foreign}): \`npm run sandbox -- reset\` replaces it with a new server`,
    );
  await assertPortFree(names.sshHost, names.sshPort, `the sandbox's SSH port`);
  const r = await docker(["start", names.container]);
  if (r.code !== 0) {
    const why = lastLines(r.stderr, 1);
    if (/port is already allocated|address already in use/i.test(why)) {
      throw new SandboxError(`port ${names.sshHost}:${names.sshPort} is in use by another program: stop it first`);
    }
    throw new SandboxError(`starting ${names.container} failed: ${why}`);
  }
}

function exec(names: VdsNames, argv: readonly string[], input?: string) {
  return docker(["exec", ...(input !== undefined ? ["-i"] : []), names.container, ...argv], {
    timeoutMs: 60_000,
    ...(input !== undefined ? { input } : {}),
  });
}

/** Waits until systemd says the boot is finished; `degraded` is reported, not fatal. */
export async function waitForBoot(names: VdsNames, log: Log): Promise<string> {
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  for (;;) {
    const r = await exec(names, ["systemctl", "is-system-running"]);
    const state = r.stdout.trim();
    if (state === "running") return state;
    if (state === "degraded") {
      const failed = await exec(names, ["systemctl", "--failed", "--no-legend", "--plain"]);
      log(`warning: the sandbox booted degraded; failed units: ${failed.stdout.trim().replace(/\s+/g, " ")}`);
      return state;
    }
    if (Date.now() > deadline) {
      throw new SandboxError(
        `the sandbox did not finish booting in ${BOOT_TIMEOUT_MS / 1000} s (state: ${state || "no systemd"}): ` +
          `see \`docker exec ${names.container} journalctl -b\``,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The VDS's host public keys, read through docker exec (a channel that needs no host key). */
async function readHostKeys(names: VdsNames): Promise<Buffer[]> {
  const r = await exec(names, [
    "sh",
    "-c",
    "cat /etc/ssh/ssh_host_ed25519_key.pub /etc/ssh/ssh_host_ecdsa_key.pub /etc/ssh/ssh_host_rsa_key.pub",
  ]);
  const keys = r.stdout
    .split("\n")
    .filter((l) => l.trim())
    .map(parsePublicKey);
  if (r.code !== 0 || keys.length === 0)
    throw new SandboxError(`could not read the sandbox's SSH host keys: ${lastLines(r.stderr, 1)}`);
  return keys;
}

async function authorizeKey(names: VdsNames, publicKey: string, users: readonly string[]): Promise<void> {
  const r = await exec(names, ["/usr/local/sbin/sandbox-authorize-key", ...users], publicKey + "\n");
  if (r.code !== 0) throw new SandboxError(`authorising the sandbox key failed: ${lastLines(r.stderr, 1)}`);
}

async function hasDeployUser(names: VdsNames): Promise<boolean> {
  const r = await exec(names, ["id", "-nG", "deploy"]);
  return r.code === 0 && r.stdout.split(/\s+/).includes("docker");
}

/** Copies the base images the VDS's engine lacks (or has in another version) into it. */
export async function loadBaseImages(names: VdsNames, log: Log): Promise<string[]> {
  const inside = await exec(names, ["docker", "images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]);
  if (inside.code !== 0)
    throw new SandboxError(`the sandbox's Docker engine does not answer: ${lastLines(inside.stderr, 1)}`);
  const have = new Set(inside.stdout.split("\n").map((l) => l.trim()));
  const missing: string[] = [];
  for (const image of BASE_IMAGES_FOR_VDS) {
    const id = await inspect("image", image, "{{.Id}}");
    if (id && !have.has(`${image} ${id}`)) missing.push(image);
  }
  if (missing.length) {
    log(`loading ${missing.join(", ")} into the sandbox's engine`);
    await pipeImages(missing, names.container, 10 * 60_000);
  }
  return missing;
}

async function waitForSsh(target: SandboxTarget): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await ssh(target, ["true"], { timeoutMs: 15_000 });
    if (r.code === 0) return;
    if (Date.now() > deadline) throw new SandboxError(`ssh to the sandbox failed: ${lastLines(r.stderr, 1)}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

export interface UpResult {
  target: SandboxTarget;
  fingerprint: string;
  created: boolean;
  loaded: string[];
  telegram: boolean;
}

/** Idempotent: builds what is missing, creates or starts the VDS, records keys and target. */
export function up(options: UpOptions = {}): Promise<UpResult> {
  return withLock(`up ${options.flavour ?? "ready"}`, () => upLocked(options), options.log ?? (() => undefined));
}

async function upLocked(options: UpOptions): Promise<UpResult> {
  const flavour = options.flavour ?? "ready";
  const names = vdsNames(flavour);
  const log = options.log ?? (() => undefined);
  const t = options.timings ?? new Timings();
  await requireEngine();
  ensureDirs();
  const publicKey = await ensureKeyPair();
  ensureEnvFile();

  await t.phase("images", () =>
    ensureImages(imagesFor(flavour), { rebuild: options.rebuild, pull: options.pull, log }),
  );
  await ensureNetwork();
  const telegram = await t.phase("fake Bot API", () => ensureTelegram(log));

  const state = await containerState(names);
  const created = state === "absent";
  const seed = flavour === "ready" ? await currentSeed(names) : undefined;
  const seeded = created && (await t.phase("container create", () => createVds(names, seed)));
  if (state !== "running") await t.phase("container start", () => startVds(names));
  await t.phase("boot to running", () => waitForBoot(names, log));
  if (!created && !(await runsCurrentImage(names))) {
    log(
      `note: this server runs an older sandbox image; \`npm run sandbox -- reset${flavour === "bare" ? " --flavour bare" : ""}\` for a fresh one`,
    );
  }

  const users = flavour === "ready" || (await hasDeployUser(names)) ? ["root", "deploy"] : ["root"];
  await authorizeKey(names, publicKey, users);
  const keys = await readHostKeys(names);
  recordHostKeys(names, keys);
  const target = targetFor(names, users.includes("deploy") ? "deploy" : "root", flavour);
  writeTarget(target);
  await t.phase("ssh check", () => waitForSsh(absoluteTarget(target)));

  const dockerInside = flavour === "ready" || (await exec(names, ["docker", "info"])).code === 0;
  const loaded = dockerInside ? await t.phase("image load", () => loadBaseImages(names, log)) : [];
  if (created && !seeded && seed && loaded.length > 0) {
    await t.phase("seed for next time", () => makeSeed(names, seed));
  }
  const ed25519 = keys.find((k) => keyTypeOf(k) === "ssh-ed25519") ?? (keys[0] as Buffer);
  return { target, fingerprint: fingerprintSha256(ed25519), created, loaded, telegram };
}

/** Stops the VDS (all flavours by default), keeping its disk; the fake Bot API when none is left. */
export async function down(flavour?: Flavour): Promise<string[]> {
  await requireEngine();
  return withLock(
    "down",
    () => downLocked(flavour),
    () => undefined,
  );
}

async function downLocked(flavour?: Flavour): Promise<string[]> {
  const stopped: string[] = [];
  for (const f of flavour ? [flavour] : FLAVOURS) {
    const names = vdsNames(f);
    if ((await containerState(names)) !== "running") continue;
    await dockerOk(["stop", "-t", "60", names.container], `stopping ${names.container}`, { timeoutMs: 90_000 });
    stopped.push(names.container);
  }
  const anyLeft = (await Promise.all(FLAVOURS.map((f) => containerState(vdsNames(f))))).includes("running");
  if (!anyLeft && (await stopTelegram())) stopped.push("fake Bot API");
  return stopped;
}

/** Destroys the VDS and its docker volume (all flavours by default): the next `up` is a fresh server. */
export async function reset(flavour?: Flavour): Promise<string[]> {
  await requireEngine();
  return withLock(
    "reset",
    () => resetLocked(flavour),
    () => undefined,
  );
}

async function resetLocked(flavour?: Flavour): Promise<string[]> {
  const removed: string[] = [];
  for (const f of flavour ? [flavour] : FLAVOURS) {
    const names = vdsNames(f);
    if (await exists("container", names.container)) {
      await dockerOk(["rm", "-f", "-v", names.container], `removing ${names.container}`, { timeoutMs: 90_000 });
      removed.push(names.container);
    }
    if (await exists("volume", names.volume)) {
      await dockerOk(["volume", "rm", names.volume], `removing the volume ${names.volume}`);
      removed.push(names.volume);
    }
    forgetHostKeys(names);
    const target = existsSync(PATHS.target)
      ? (JSON.parse(readFileSync(PATHS.target, "utf8")) as SandboxTarget)
      : undefined;
    if (target?.flavour === f) rmSync(PATHS.target, { force: true });
  }
  if (!flavour) {
    if (await removeTelegram()) removed.push("fake Bot API");
    if (await exists("network", NETWORK.name)) await docker(["network", "rm", NETWORK.name]);
  }
  return removed;
}

/** A reboot: systemd shuts down cleanly (SIGRTMIN+3), then boots again; waits for `running`. */
export function restart(flavour: Flavour = "ready", log: Log = () => undefined): Promise<string> {
  return withLock(`restart ${flavour}`, () => restartLocked(flavour, log), log);
}

async function restartLocked(flavour: Flavour, log: Log): Promise<string> {
  const names = vdsNames(flavour);
  await dockerOk(["restart", "-t", "60", names.container], `restarting ${names.container}`, { timeoutMs: 120_000 });
  return waitForBoot(names, log);
}

/** Whether the container was created from the image its tag names now (images change by content). */
async function runsCurrentImage(names: VdsNames): Promise<boolean> {
  const [running, current] = await Promise.all([
    inspect("container", names.container, "{{.Image}}"),
    inspect("image", names.image, "{{.Id}}"),
  ]);
  return running === current;
}

export interface FlavourStatus {
  flavour: Flavour;
  container: string;
  state: "running" | "stopped" | "absent";
  address: string;
  ssh: string;
  hostKeyFingerprint?: string;
  systemState?: string;
  deployed?: string;
  /** False when the sandbox's image changed since this server was created (reset for a fresh one). */
  currentImage?: boolean;
}

export async function status(flavour: Flavour): Promise<FlavourStatus> {
  const names = vdsNames(flavour);
  const state = await containerState(names);
  const out: FlavourStatus = {
    flavour,
    container: names.container,
    state,
    address: `${names.sshHost}:${names.sshPort}`,
    ssh: `npm run sandbox -- ssh${flavour === "bare" ? " --flavour bare" : ""}`,
  };
  const fp = recordedFingerprint(names);
  if (fp) out.hostKeyFingerprint = fp;
  out.currentImage = await runsCurrentImage(names);
  if (state !== "running") return out;
  out.systemState = (await exec(names, ["systemctl", "is-system-running"])).stdout.trim();
  const current = await exec(names, ["readlink", "/opt/remindbot/current"]);
  out.deployed = current.code === 0 ? current.stdout.trim().split("/").filter(Boolean).at(-1) : "nothing";
  return out;
}

function recordedFingerprint(names: VdsNames): string | undefined {
  if (!existsSync(PATHS.knownHosts)) return undefined;
  const field = hostField(names.sshHost, names.sshPort);
  const entry = parseKnownHosts(readFileSync(PATHS.knownHosts, "utf8"), PATHS.knownHosts).find(
    (e) => e.marker === undefined && e.keyType === "ssh-ed25519" && hostsMatch(e.hosts, field),
  );
  return entry ? fingerprintSha256(entry.key) : undefined;
}
