import { expect } from "chai";
import type { DataSource } from "typeorm";
import { freshDatabase, type TestDatabase } from "../../../test/support/postgres.js";
import { createDataSource, MIGRATION_LOCK_KEY, pgClientConfig } from "../db/index.js";
import { acquireLease, LeaseWaitAborted, POLLING_LEASE_KEY } from "./lease.js";
import type { HeldLease } from "./lease.js";

/** Settles with "pending" when `p` has not settled by the time the server answered a round trip. */
async function settledYet<T>(p: Promise<T>, ds: DataSource): Promise<"pending" | "settled"> {
  let settled = false;
  void p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await ds.query("SELECT pg_sleep(0.05)");
  return settled ? "settled" : "pending";
}

describe("polling/lease", () => {
  let db: TestDatabase;
  let ds: DataSource;
  const held: HeldLease[] = [];

  /** Advisory locks in this database, granted or waited for. */
  async function advisory(): Promise<{ granted: boolean; pid: number }[]> {
    return (await ds.query(
      `SELECT granted, pid FROM pg_locks WHERE locktype = 'advisory'
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    )) as { granted: boolean; pid: number }[];
  }

  async function waiting(): Promise<number> {
    return (await advisory()).filter((l) => !l.granted).length;
  }

  /** Until the server shows a waiter queued for the lock (acquire has sent pg_advisory_lock). */
  async function untilWaiting(n = 1): Promise<void> {
    for (let i = 0; i < 200 && (await waiting()) < n; i++) await ds.query("SELECT pg_sleep(0.01)");
    expect(await waiting()).to.equal(n);
  }

  beforeEach(async () => {
    db = await freshDatabase("lease");
    ds = await createDataSource({ url: db.url, poolSize: 2 }).initialize();
  });
  afterEach(async () => {
    await Promise.all(held.splice(0).map((h) => h.release()));
    await ds.destroy();
    await db.drop();
  });

  it("is held by one process at a time; the next waiter gets it when released", async () => {
    const client = pgClientConfig(ds);
    const a = await acquireLease({ client });
    held.push(a);
    const b = acquireLease({ client });
    await untilWaiting();
    expect(await settledYet(b, ds)).to.equal("pending");
    await a.release();
    const hb = await b;
    held.push(hb);
    expect((await advisory()).map((l) => [l.granted, l.pid])).to.deep.equal([[true, hb.pid]]);
  });

  it("goes with its connection: a holder whose session ends blocks nobody", async () => {
    const client = pgClientConfig(ds);
    const a = await acquireLease({ client });
    held.push(a);
    const b = acquireLease({ client });
    await untilWaiting();
    // What a kill -9 of the holder amounts to for the server: its session ends.
    await ds.query("SELECT pg_terminate_backend($1)", [a.pid]);
    const hb = await b;
    held.push(hb);
    expect(await a.lost).to.be.instanceOf(Error);
    expect((await advisory()).map((l) => l.pid)).to.deep.equal([hb.pid]);
  });

  it("stops waiting when aborted, leaving no waiter queued", async () => {
    const client = pgClientConfig(ds);
    const a = await acquireLease({ client });
    held.push(a);
    const stop = new AbortController();
    const b = acquireLease({ client, signal: stop.signal });
    await untilWaiting();
    stop.abort();
    let error: unknown;
    try {
      await b;
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(LeaseWaitAborted);
    expect(await waiting()).to.equal(0);
    expect((await advisory()).map((l) => l.pid)).to.deep.equal([a.pid]);
  });

  it("uses a key other than the migrations' lock", async () => {
    const [row] = (await ds.query("SELECT hashtext($1) AS lease, hashtext($2) AS migrations", [
      POLLING_LEASE_KEY,
      MIGRATION_LOCK_KEY,
    ])) as { lease: number; migrations: number }[];
    expect(row!.lease).to.not.equal(row!.migrations);
  });
});
