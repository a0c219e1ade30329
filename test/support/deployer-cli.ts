/**
 * Helpers of the e2e tests that drive the compiled deployer CLI (`node deployer/dist/main.js ...
 * --target sandbox`, as `npm run deployer` runs it) against the sandbox VDS, on a scratch git repo
 * (a clone of HEAD's committed files, tags made by the test), and look at the server over SSH.
 *
 *   const s = await scratchRepo("faults-e2e-");   await s.tagWith("f2", (src) => src + "\n// f2\n");
 *   const r = await s.cli(["deploy", "--tag", "f2", "--yes"]);   expect(r.code, show(r)).to.equal(0);
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { message } from "@remindbot/fake-telegram/client";
import { run } from "../../deployer/src/local/process.js";
import { REPO_ROOT } from "../../deployer/src/local/repo-root.js";
import { fakeBotApi, sandboxEnv, sandboxSsh, shellQuote } from "./sandbox.js";

export const MAIN = join(REPO_ROOT, "deployer", "dist", "main.js");
export const APP_DIR = "/opt/remindbot";
export const POSTGRES_CONTAINER = "remindbot-postgres-1";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface StartedCli {
  child: ChildProcess;
  /** Resolves when the process ends; kills it and rejects after timeoutMs. */
  done(timeoutMs: number): Promise<CliResult>;
  /** stdout so far. */
  out(): string;
}

/** The CLI's outcome for a failure message: exit code, duration, stderr and stdout's tail. */
export const show = (r: CliResult): string =>
  `exit ${r.code} after ${(r.ms / 1000).toFixed(1)} s\n${r.stderr}\n${r.stdout.slice(-3000)}`;

/** The last stdout line of a `--json` action: its summary. */
export function summaryOf(r: CliResult): { ok: boolean; message: string; figures: Record<string, string> } {
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as {
    ok: boolean;
    message: string;
    figures: Record<string, string>;
  };
}

export interface ReleaseJson {
  tag: string;
  current: boolean;
  result: string;
  imagePresent: boolean;
}

export interface ScratchRepo {
  /** The temp dir holding the clone (and anything else the test puts there). */
  dir: string;
  repo: string;
  git(...args: string[]): Promise<string>;
  /** A commit that changes bot/src/main.ts, tagged. */
  tagWith(tag: string, change: (source: string) => string): Promise<void>;
  /** Starts the CLI with DEPLOYER_REPO = this repo; args as given (add --target yourself). */
  start(args: string[]): StartedCli;
  /** Runs the CLI with `--target sandbox` and waits for it. */
  cli(args: string[], timeoutMs?: number): Promise<CliResult>;
  releases(): Promise<ReleaseJson[]>;
  currentTag(): Promise<string | undefined>;
  remove(): void;
}

/** Compiles the CLI once (as `npm run deployer` would), so parallel runs never race on a compile. */
export async function compileCli(): Promise<void> {
  const build = await run(process.execPath, [join(REPO_ROOT, "scripts", "run-deployer.mjs"), "--help"], {
    timeoutMs: 5 * 60_000,
  });
  expect(build.code, build.stderr).to.equal(0);
}

/** A clone of HEAD's committed files in a temp dir, detached at HEAD, with a committer set. */
export async function scratchRepo(prefix: string): Promise<ScratchRepo> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const repo = join(dir, "repo");
  const git = async (...args: string[]): Promise<string> => {
    const r = await run("git", ["-C", repo, ...args], { timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const head = (await run("git", ["-C", REPO_ROOT, "rev-parse", "HEAD"])).stdout.trim();
  const clone = await run("git", ["clone", "-q", "--no-hardlinks", REPO_ROOT, repo], { timeoutMs: 120_000 });
  expect(clone.code, clone.stderr).to.equal(0);
  await git("checkout", "-q", "--detach", head);
  await git("config", "user.email", "e2e@example.invalid");
  await git("config", "user.name", "e2e");

  const start = (args: string[]): StartedCli => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, DEPLOYER_REPO: repo, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const started = Date.now();
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<CliResult>((resolve) =>
      child.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - started })),
    );
    const done = (timeoutMs: number) =>
      new Promise<CliResult>((resolve, reject) => {
        const t = setTimeout(() => {
          child.kill("SIGKILL");
          reject(
            new Error(`deployer ${args.join(" ")} did not end within ${timeoutMs / 1000} s\n${stdout}\n${stderr}`),
          );
        }, timeoutMs);
        void closed.then((r) => {
          clearTimeout(t);
          resolve(r);
        });
      });
    return { child, done, out: () => stdout };
  };
  const cli = (args: string[], timeoutMs = 8 * 60_000) => start([...args, "--target", "sandbox"]).done(timeoutMs);
  const releases = async (): Promise<ReleaseJson[]> => {
    const r = await cli(["releases", "--json"], 60_000);
    expect(r.code, show(r)).to.equal(0);
    return JSON.parse(r.stdout) as ReleaseJson[];
  };
  return {
    dir,
    repo,
    git,
    async tagWith(tag, change) {
      const file = join(repo, "bot", "src", "main.ts");
      writeFileSync(file, change(readFileSync(file, "utf8")));
      await git("commit", "-q", "-am", tag);
      await git("tag", tag);
    },
    start,
    cli,
    releases,
    currentTag: async () => (await releases()).find((x) => x.current)?.tag,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A root shell command on the sandbox that must succeed; its trimmed stdout. */
export async function root(cmd: string, what: string, timeoutMs = 5 * 60_000): Promise<string> {
  const r = await sandboxSsh(cmd, { timeoutMs });
  expect(r.code, `${what}: exit ${r.code}: ${r.stderr}`).to.equal(0);
  return r.stdout.trim();
}

/**
 * The id of the one running bot container, or undefined while there is none or more than one (a
 * handover starts a new container each deploy: its name, remindbot-bot-N, changes).
 */
export async function runningBot(): Promise<string | undefined> {
  const r = await sandboxSsh(
    "docker ps -q --no-trunc --filter label=com.docker.compose.project=remindbot " +
      "--filter label=com.docker.compose.service=bot --filter label=com.docker.compose.oneoff=False --filter status=running",
  );
  const ids = r.stdout.split("\n").filter(Boolean);
  return r.code === 0 && ids.length === 1 ? ids[0] : undefined;
}

/** The running bot container's id; fails the test when there is not exactly one. */
export async function botContainer(): Promise<string> {
  const id = await runningBot();
  expect(id, "exactly one running bot container").to.be.a("string");
  return id!;
}

/** A query in the stack's PostgreSQL, as its user (credentials stay inside the container). */
export function psql(sql: string, timeoutMs?: number): Promise<string> {
  const inner = `psql -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc ${shellQuote(sql)}`;
  return root(`docker exec ${POSTGRES_CONTAINER} sh -c ${shellQuote(inner)}`, `psql ${sql}`, timeoutMs);
}

/** Polls `probe` (errors count as "not yet") until it returns a value; throws after timeoutMs. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  pollMs = 2000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (${(last as Error).message})` : ""}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** The deployed bot answers /start through the fake Bot API (a new chat each time). */
export async function expectAnswersStart(when: string, timeoutMs = 30_000): Promise<void> {
  const api = fakeBotApi();
  const token = sandboxEnv()["BOT_TOKEN"];
  const chat = 700_000_000 + Math.floor(Math.random() * 1_000_000);
  const since = await api.cursor();
  await api.pushUpdate(message(chat, "/start"), token);
  const call = await api.waitForMessage(chat, timeoutMs, { since }).catch((e: Error) => {
    throw new Error(`${when}: the bot did not answer /start within ${timeoutMs / 1000} s: ${e.message}`);
  });
  expect(String(call.params["text"]), `${when}: the answer to /start`).to.match(/reminder|напомина/i);
}

/** Everything of remindbot on the server goes: units, containers, volume, images, app dir contents. */
export const WIPE = [
  "systemctl disable --now remindbot.service remindbot-backup.timer remindbot-watch.timer >/dev/null 2>&1 || true",
  "rm -f /etc/systemd/system/remindbot.service /etc/systemd/system/remindbot-backup.service /etc/systemd/system/remindbot-backup.timer",
  "rm -f /etc/systemd/system/remindbot-watch.service /etc/systemd/system/remindbot-watch.timer",
  "systemctl daemon-reload",
  "docker ps -aq --filter label=com.docker.compose.project=remindbot | xargs -r docker rm -f >/dev/null",
  "docker volume rm -f remindbot-pgdata >/dev/null",
  "docker network rm remindbot-net >/dev/null 2>&1 || true",
  "docker images --format '{{.Repository}}:{{.Tag}}' remindbot-bot | xargs -r docker rmi -f >/dev/null",
  `rm -rf ${APP_DIR}/releases ${APP_DIR}/current ${APP_DIR}/shared ${APP_DIR}/backups ${APP_DIR}/lock ${APP_DIR}/history.jsonl ${APP_DIR}/watch`,
].join(" && ");

/** Prints a duration line beside mocha's output (printed, not asserted). */
export function logDuration(what: string, ms: number): void {
  process.stderr.write(`      ${what}: ${(ms / 1000).toFixed(1)} s\n`);
}
