/** Runs local programs (git, docker, ssh, ssh-keygen) without a shell, output captured, bounded by a timeout. */
import { spawn } from "node:child_process";
import type { StdioOptions } from "node:child_process";
import { createWriteStream } from "node:fs";

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  /** Inherit the terminal (interactive ssh); stdout/stderr are then not captured. */
  inherit?: boolean;
  /** Environment of the program (default: ours). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(program: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const r = await runBinary(program, args, options);
  return { ...r, stdout: r.stdout.toString() };
}

/** As run, with stdout as bytes (a git archive). */
export function runBinary(
  program: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<Omit<RunResult, "stdout"> & { stdout: Buffer }> {
  const stdio: StdioOptions = options.inherit ? "inherit" : ["pipe", "pipe", "pipe"];
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      stdio,
      timeout: options.timeoutMs ?? 0,
      killSignal: "SIGKILL",
      env: options.env ?? process.env,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    if (child.stdin) {
      child.stdin.on("error", () => undefined); // the program may exit without reading its input
      child.stdin.end(options.input ?? "");
    }
    child.on("close", (code, signal) => {
      const stderr = Buffer.concat(err).toString();
      resolve({
        code: code ?? 128,
        stdout: Buffer.concat(out),
        stderr: signal ? `${stderr}${program} ended by ${signal} (timeout?)\n` : stderr,
      });
    });
  });
}

/**
 * Runs a program with stdout and stderr going to a log file (long builds); resolves with the exit
 * code (128 when killed). Bounded by timeoutMs.
 */
export function runToLog(
  program: string,
  args: readonly string[],
  logFile: string,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile);
    const child = spawn(program, args, {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
      killSignal: "SIGKILL",
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on("error", reject);
    child.on("close", (code) => log.end(() => resolve(code ?? 128)));
  });
}
