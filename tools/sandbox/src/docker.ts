/** The docker CLI, as the sandbox uses it: captured output, one-line errors. */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { SandboxError, lastLines } from "./errors.js";
import { run, runToLog } from "../../../deployer/src/local/process.js";
import type { RunOptions, RunResult } from "../../../deployer/src/local/process.js";

export function docker(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run("docker", args, { timeoutMs: 120_000, ...options });
}

/** Runs docker; a non-zero exit becomes a SandboxError naming what failed and docker's last words. */
export async function dockerOk(args: readonly string[], what: string, options: RunOptions = {}): Promise<string> {
  const r = await docker(args, options);
  if (r.code !== 0) throw new SandboxError(`${what} failed: ${lastLines(r.stderr || r.stdout, 1) || `exit ${r.code}`}`);
  return r.stdout;
}

export const ENGINE_DOWN =
  "Docker engine is not running (or not reachable): start it with `bash .ci/install-deps.sh` as root (or `dockerd &`)";

/** Throws the one-line "engine not running" error when `docker info` fails. */
export async function requireEngine(): Promise<void> {
  let r: RunResult;
  try {
    r = await docker(["info", "--format", "{{.ServerVersion}}"], { timeoutMs: 20_000 });
  } catch {
    throw new SandboxError("the docker CLI is not installed: run `bash .ci/install-deps.sh` as root");
  }
  if (r.code !== 0 || r.stdout.trim() === "") throw new SandboxError(ENGINE_DOWN);
}

export async function exists(kind: "image" | "container" | "volume" | "network", name: string): Promise<boolean> {
  return (await docker([kind, "inspect", name], { timeoutMs: 30_000 })).code === 0;
}

/** `docker inspect -f FORMAT`, or undefined when the object does not exist. */
export async function inspect(kind: "image" | "container", name: string, format: string): Promise<string | undefined> {
  const r = await docker([kind, "inspect", "-f", format, name], { timeoutMs: 30_000 });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** Runs docker with its output going to a log file (long builds); resolves with the exit code. */
export function dockerToLog(args: readonly string[], logFile: string, timeoutMs: number): Promise<number> {
  return runToLog("docker", args, logFile, timeoutMs);
}

export async function pipeImages(images: readonly string[], container: string, timeoutMs: number): Promise<void> {
  const opts = { timeout: timeoutMs, killSignal: "SIGKILL" as const };
  const save = spawn("docker", ["save", ...images], { stdio: ["ignore", "pipe", "pipe"], ...opts });
  const load = spawn("docker", ["exec", "-i", container, "docker", "load", "-q"], { stdio: "pipe", ...opts });
  save.stdout.pipe(load.stdin);
  let errors = "";
  for (const s of [save.stderr, load.stderr]) s.on("data", (b: Buffer) => (errors += b.toString()));
  load.stdout.resume();
  const exit = (child: ChildProcess) =>
    new Promise<number>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve(code ?? 128));
    });
  const [saved, loaded] = await Promise.all([exit(save), exit(load)]);
  if (saved !== 0 || loaded !== 0) {
    throw new SandboxError(`loading ${images.join(", ")} into the sandbox failed: ${lastLines(errors, 1)}`);
  }
}
