/**
 * The polling lease: only the process holding it polls Telegram and runs the scheduler.
 *
 * It is a PostgreSQL session-level advisory lock held on a dedicated connection, not a row with an
 * expiry: PostgreSQL releases the lock by itself when the holder's session ends, so a crashed or
 * `kill -9`ed holder never blocks the handover and no clock has to run out first. A waiter blocks
 * inside pg_advisory_lock and is woken by the server the moment the holder lets go.
 */
import pg from "pg";

/** Hashed like the migrations' key ("remindbot:migrations"), which is a different lock. */
export const POLLING_LEASE_KEY = "remindbot:polling-lease";

export interface HeldLease {
  /** The server process of the lease connection (pg_stat_activity.pid). */
  readonly pid: number;
  /** Settles when the lease connection ends without release(): the lock went with it. */
  readonly lost: Promise<Error>;
  /** Unlocks and closes the connection; harmless when the connection is already gone. */
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** Settings for the dedicated connection (pgClientConfig of the bot's DataSource). */
  client: pg.ClientConfig;
  /** Stops waiting: the pending pg_advisory_lock is cancelled and acquire rejects. */
  signal?: AbortSignal;
  key?: string;
}

export class LeaseWaitAborted extends Error {
  constructor() {
    super("stopped waiting for the polling lease");
  }
}

const CLOSE_TIMEOUT_MS = 2000;

/** Ends a client, or drops its socket when the server does not answer the goodbye in time. */
async function close(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), CLOSE_TIMEOUT_MS)));
  const ended = client.end().then(
    () => "ended" as const,
    () => "ended" as const,
  );
  if ((await Promise.race([ended, timeout])) === "timeout") {
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }
  clearTimeout(timer);
}

/** Asks the server, on a connection of its own, to cancel what `pid` is running (its lock wait). */
async function cancelBackend(config: pg.ClientConfig, pid: number): Promise<void> {
  const admin = new pg.Client(config);
  admin.on("error", () => undefined);
  try {
    await admin.connect();
    await admin.query("SELECT pg_cancel_backend($1)", [pid]);
  } catch {
    // the waiter's own connection is closed next anyway
  } finally {
    await close(admin);
  }
}

/** Waits until this process holds the lease; resolves with the hold. */
export async function acquireLease(o: AcquireOptions): Promise<HeldLease> {
  const key = o.key ?? POLLING_LEASE_KEY;
  if (o.signal?.aborted) throw new LeaseWaitAborted();
  const client = new pg.Client({ ...o.client, keepAlive: true });
  let released = false;
  let settleLost: (err: Error) => void = () => undefined;
  const lost = new Promise<Error>((resolve) => (settleLost = resolve));
  // Without a listener an unexpected server-side close would crash the process.
  client.on("error", (err) => settleLost(err));
  client.on("end", () => {
    if (!released) settleLost(new Error("lease connection ended"));
  });

  let closing: Promise<void> | undefined;
  const closeOnce = () => (closing ??= close(client));

  await client.connect();
  let pid: number;
  try {
    const res = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    pid = res.rows[0]!.pid;
    // The server then notices a vanished client within a second even while it waits for the lock,
    // so a killed standby does not stay queued. Unknown before PostgreSQL 14: then just skipped.
    await client.query("SET client_connection_check_interval = 1000").catch(() => undefined);
  } catch (err) {
    released = true;
    await closeOnce();
    throw err;
  }

  // A cancel that arrives before the lock query started would be lost: closing after it ends the
  // wait in any case (the pending query then fails).
  const onAbort = () => void cancelBackend(o.client, pid).then(closeOnce);
  o.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (o.signal?.aborted) throw new LeaseWaitAborted();
    await client.query("SELECT pg_advisory_lock(hashtext($1))", [key]);
    if (o.signal?.aborted) throw new LeaseWaitAborted();
  } catch (err) {
    released = true;
    await closeOnce();
    throw o.signal?.aborted ? new LeaseWaitAborted() : err;
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
  }

  return {
    pid,
    lost,
    async release() {
      if (released) return;
      released = true;
      // Closing alone would also release it; unlocking first does not wait for the server's
      // session teardown.
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [key]).catch(() => undefined);
      await closeOnce();
    },
  };
}
