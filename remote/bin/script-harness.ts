/**
 * Test harness for remote/bin/*.sh: runs a script the way systemd or the deployer would (bash, its
 * own environment; no stdin, or the script itself on stdin) against a temporary APP_DIR, and
 * points the PostgreSQL client tools at a test database through the PG* environment (PG_EXEC
 * empty), never a command line.
 */
import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { freshDatabase, type TestDatabase } from "../../test/support/postgres.js";

export const BIN_DIR = dirname(fileURLToPath(import.meta.url));

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs remote/bin/<script> with exactly `env` added to a minimal environment; bounded by timeoutMs. */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ScriptResult> {
  return run([join(BIN_DIR, script), ...args], env, timeoutMs);
}

/**
 * Runs remote/bin/<script> the way the deployer runs the scripts that precede a release
 * (commands/script.ts): `bash -s -- ARGS` with the script's text on stdin.
 */
export async function runFed(
  script: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ScriptResult> {
  return run(["-s", "--", ...args], env, timeoutMs, await readFile(join(BIN_DIR, script)));
}

function run(
  bashArgs: string[],
  env: Record<string, string>,
  timeoutMs: number,
  stdin?: Buffer,
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", bashArgs, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...env },
      stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"],
      timeout: timeoutMs,
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin?.end(stdin);
  });
}

/**
 * Sources remote/bin/<script> (its main does not run) and runs a bash snippet, `args` as its "$@";
 * returns its stdout.
 */
export async function runSourced(
  script: string,
  snippet: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<string> {
  const { stdout } = await promisify(execFile)(
    "bash",
    ["-c", `source ${JSON.stringify(join(BIN_DIR, script))}; ${snippet}`, "bash", ...args],
    {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      timeout: 10_000,
    },
  );
  return stdout;
}

/** The PG* environment that reaches the database of a postgres:// URL (password included: env, not argv). */
export function pgEnv(url: string): Record<string, string> {
  const u = new URL(url);
  return {
    PGHOST: u.hostname,
    PGPORT: u.port || "5432",
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: u.pathname.slice(1),
  };
}

/** A temporary APP_DIR laid out as on the server: releases/<tag>/release.env, current -> it. */
export async function makeAppDir(tag: string): Promise<string> {
  const appDir = await mkdtemp(join(tmpdir(), "remindbot-app-"));
  const release = join(appDir, "releases", tag);
  await mkdir(release, { recursive: true });
  await writeFile(join(release, "release.env"), `BOT_TAG=${tag}\nAPP_DIR=${appDir}\n`);
  await symlink(release, join(appDir, "current"));
  return appDir;
}

/**
 * Why the client tools cannot be used against `url`, or undefined when they can: pg_dump must
 * exist and its major version must equal the server's (an older pg_dump refuses a newer server).
 */
export async function clientToolsProblem(url: string): Promise<string | undefined> {
  let version: string;
  try {
    version = (await promisify(execFile)("pg_dump", ["--version"])).stdout;
  } catch {
    return "pg_dump is not installed (apt-get install postgresql-client-15)";
  }
  const clientMajor = Number(/(\d+)(?:\.\d+)?/.exec(version)?.[1]);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version_num: string }>("SHOW server_version_num");
    const serverMajor = Math.floor(Number(rows[0]?.server_version_num) / 10000);
    return clientMajor === serverMajor
      ? undefined
      : `pg_dump ${clientMajor} does not match the test server's PostgreSQL ${serverMajor}`;
  } finally {
    await client.end();
  }
}

/**
 * A fresh database for a test file that runs the scripts' PostgreSQL client tools against it; the
 * file is skipped, saying why, when pg_dump cannot be used with that server.
 */
export async function databaseForClientTools(ctx: Mocha.Context, prefix: string): Promise<TestDatabase> {
  const db = await freshDatabase(prefix);
  const problem = await clientToolsProblem(db.url);
  if (problem) {
    await db.drop();
    console.log(`      skipped: ${problem}`); // a skip is never silent
    ctx.skip();
  }
  return db;
}
