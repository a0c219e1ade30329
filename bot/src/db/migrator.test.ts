import { expect } from "chai";
import type { DataSource } from "typeorm";
import { freshDatabase, type TestDatabase } from "../../../test/support/postgres.js";
import { DataSource as TypeOrmDataSource } from "typeorm";
import type { MigrationInterface } from "typeorm";
import { createDataSource } from "./data-source.js";
import { breakingMigrations, migrationStatus, revertMigrations, runMigrations } from "./migrator.js";
import { migrations } from "./migrations/index.js";

const FIRST = "InitialSchema1767225600000";
const SECOND = "PollingHandover1767312000000";
const THIRD = "LimitsAndFairClaims1767398400000";
const ALL = [FIRST, SECOND, THIRD];

/** A later migration that the running release could not live with. */
class DropsAColumn1999999999999 implements MigrationInterface {
  static readonly breaksRunningRelease = true;
  name = "DropsAColumn1999999999999";
  async up(): Promise<void> {}
  async down(): Promise<void> {}
}

async function tables(ds: DataSource): Promise<string[]> {
  const rows = (await ds.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
  )) as { table_name: string }[];
  return rows.map((r) => r.table_name);
}

describe("db/migrator", () => {
  let db: TestDatabase;
  const open: DataSource[] = [];
  async function connect(): Promise<DataSource> {
    const ds = createDataSource({ url: db.url, poolSize: 3 });
    open.push(ds);
    return ds.initialize();
  }

  beforeEach(async () => {
    db = await freshDatabase("migrator");
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((ds) => ds.destroy()));
    await db.drop();
  });

  it("migrates up, reports status, reverts and migrates up again", async () => {
    const ds = await connect();
    expect(await migrationStatus(ds)).to.deep.equal({ known: ALL, applied: [], breaking: [] });

    expect(await runMigrations(ds)).to.deep.equal(ALL);
    expect(await tables(ds)).to.include.members([
      "users",
      "reminders",
      "deliveries",
      "polling_handover",
      "handled_updates",
      "migrations",
    ]);
    expect(await migrationStatus(ds)).to.deep.equal({ known: ALL, applied: ALL, breaking: [] });
    expect(await runMigrations(ds), "nothing pending").to.deep.equal([]);

    expect(await revertMigrations(ds, 1)).to.deep.equal([THIRD]);
    expect(
      await ds.query(`SELECT 1 FROM information_schema.columns WHERE column_name = 'snoozed_until'`),
    ).to.have.length(0);
    expect(await revertMigrations(ds, 1)).to.deep.equal([SECOND]);
    expect(await tables(ds))
      .to.not.include.members(["polling_handover"])
      .and.not.include("handled_updates");
    expect(await tables(ds)).to.include("reminders");
    expect(await revertMigrations(ds, 1)).to.deep.equal([FIRST]);
    expect(await tables(ds)).to.deep.equal(["migrations"]);
    expect(await migrationStatus(ds)).to.deep.equal({ known: ALL, applied: [], breaking: [] });

    expect(await runMigrations(ds)).to.deep.equal(ALL);
    expect(await migrationStatus(ds)).to.deep.equal({ known: ALL, applied: ALL, breaking: [] });
  });

  it("lists the known migrations that declare breaksRunningRelease", async () => {
    const plain = await connect();
    expect(breakingMigrations(plain)).to.deep.equal([]);
    const ds = new TypeOrmDataSource({
      ...plain.options,
      migrations: [DropsAColumn1999999999999, ...migrations],
    } as ConstructorParameters<typeof TypeOrmDataSource>[0]);
    open.push(ds);
    await ds.initialize();
    expect(breakingMigrations(ds)).to.deep.equal(["DropsAColumn1999999999999"]);
    expect(await migrationStatus(ds)).to.deep.equal({
      known: [...ALL, "DropsAColumn1999999999999"],
      applied: [],
      breaking: ["DropsAColumn1999999999999"],
    });
  });

  it("creates the partial index on active due times and the notify trigger", async () => {
    const ds = await connect();
    await runMigrations(ds);
    const [index] = (await ds.query(
      `SELECT indexdef FROM pg_indexes WHERE indexname = 'reminders_due_active_idx'`,
    )) as {
      indexdef: string;
    }[];
    expect(index?.indexdef).to.match(/\(due_at\) WHERE \(status = 'active'::text\)/);
    const triggers = (await ds.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'reminders'::regclass`)) as {
      tgname: string;
    }[];
    expect(triggers.map((t) => t.tgname)).to.include("reminders_notify_due");
  });

  it("runs each migration once when two runners start at the same time", async () => {
    const [a, b] = await Promise.all([connect(), connect()]);
    const [ranA, ranB] = await Promise.all([runMigrations(a), runMigrations(b)]);
    expect([...ranA, ...ranB].sort()).to.deep.equal([...ALL].sort());
    const rows = (await a.query(`SELECT name FROM migrations ORDER BY id`)) as { name: string }[];
    expect(rows.map((r) => r.name)).to.deep.equal(ALL);
  });

  it("releases the advisory lock after a failure", async () => {
    const ds = await connect();
    await runMigrations(ds);
    await ds.query(`DELETE FROM migrations`); // the tables exist, so re-running the first migration fails
    let error: unknown;
    try {
      await runMigrations(ds);
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.match(/already exists/);
    const [held] = (await ds.query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    )) as { n: number }[];
    expect(held?.n).to.equal(0);
  });

  it("refuses to revert more migrations than are applied, changing nothing", async () => {
    const ds = await connect();
    await runMigrations(ds);
    let error: unknown;
    try {
      await revertMigrations(ds, 4);
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.match(/asked for 4 migrations, only 3 applied/);
    expect((await migrationStatus(ds)).applied).to.deep.equal(ALL);
  });

  it("refuses to revert a migration this build does not know", async () => {
    const ds = await connect();
    await runMigrations(ds);
    await ds.query(`INSERT INTO migrations (timestamp, name) VALUES (1999999999999, 'FromTheFuture1999999999999')`);
    let error: unknown;
    try {
      await revertMigrations(ds, 1);
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.match(/does not know FromTheFuture1999999999999/);
    expect(await tables(ds)).to.include("reminders");
  });
});
