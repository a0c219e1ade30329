// restore.sh against a real PostgreSQL: the round trip, and refusals that leave the data alone.
import { expect } from "chai";
import { copyFile, readdir, readFile, rm, truncate, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import type { TestDatabase } from "../../test/support/postgres.js";
import { databaseForClientTools, makeAppDir, pgEnv, runScript, runSourced } from "./script-harness.js";

describe("remote/bin/restore.sh (real PostgreSQL)", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let client: pg.Client;
  let appDir: string;
  let env: Record<string, string>;

  const rows = async () =>
    (await client.query<{ id: number; body: string }>("SELECT id, body FROM items ORDER BY id")).rows;
  const backups = async () => (await readdir(join(appDir, "backups"))).sort();

  before(async function () {
    db = await databaseForClientTools(this, "restore");
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });

  after(async () => {
    await client?.end();
    await db?.drop();
  });

  beforeEach(async () => {
    appDir = await makeAppDir("v1.4.0");
    env = { ...pgEnv(db.url), APP_DIR: appDir, PG_EXEC: "", RESTORE_SKIP_SERVICES: "1", BACKUP_MIN_FREE_MB: "0" };
    await client.query("DROP VIEW IF EXISTS items_view; DROP TABLE IF EXISTS items");
    await client.query("CREATE TABLE items (id int PRIMARY KEY, body text NOT NULL)");
    await client.query("INSERT INTO items VALUES (1, 'позвонить маме'), (2, 'standup'), (3, 'water')");
    // Enough data that a file cut short loses data blocks while its table of contents stays whole.
    await client.query(
      "DROP TABLE IF EXISTS bulk; CREATE TABLE bulk AS SELECT i, md5(i::text) AS h FROM generate_series(1, 20000) i",
    );
  });

  afterEach(async () => rm(appDir, { recursive: true, force: true }));

  /** Takes a backup with backup.sh and returns its path. */
  async function backup(): Promise<string> {
    const r = await runScript("backup.sh", [], env);
    expect(r.code, r.stderr).to.equal(0);
    return r.stdout.trim();
  }

  async function changeRows(): Promise<void> {
    await client.query("UPDATE items SET body = 'changed' WHERE id = 1");
    await client.query("DELETE FROM items WHERE id = 2");
    await client.query("INSERT INTO items VALUES (4, 'added after the backup')");
  }

  it("round trip: backup, rows changed, restore: the rows are as before, after a safety backup", async () => {
    const before = await rows();
    const file = await backup();
    await changeRows();
    expect(await rows()).to.not.deep.equal(before);

    const r = await runScript("restore.sh", [file], env);
    expect(r.code, r.stderr).to.equal(0);
    expect(await rows()).to.deep.equal(before);
    expect(r.stderr).to.match(/restored from /);
    expect(r.stderr).to.match(/checked .* against its sha256/);
    // The safety backup holds the changed rows: restoring it brings them back.
    const safety = (await backups()).filter((n) => n.endsWith("_v1.4.0_pre-restore.dump"));
    expect(safety).to.have.length(1);
    const again = await runScript("restore.sh", [join(appDir, "backups", safety[0]!)], env);
    expect(again.code, again.stderr).to.equal(0);
    expect((await rows()).map((r) => r.body)).to.deep.equal(["changed", "water", "added after the backup"]);
  });

  for (const [what, spoil] of [
    // Cut inside the data, after the table of contents: `pg_restore --list` alone would accept it.
    ["a truncated file", async (f: string) => truncate(f, Math.floor((await stat(f)).size * 0.9))],
    ["a garbage file", (f: string) => writeFile(f, "this is not a pg_dump archive\n".repeat(100))],
  ] as const) {
    it(`refuses ${what} with a clear message, touching nothing (no safety backup, same rows)`, async () => {
      const good = await backup();
      const bad = join(appDir, "bad.dump");
      await copyFile(good, bad);
      await spoil(bad);
      await changeRows();
      const changed = await rows();
      const before = await backups();

      // Without a .sha256 (as from before checksums) the read-back is what catches it.
      const r = await runScript("restore.sh", [bad], env);
      expect(r.code).to.equal(3);
      const lines = r.stderr.trim().split("\n");
      expect(lines).to.have.length(2);
      expect(lines[0]).to.match(/warning: .*bad\.dump has no \.sha256 beside it/);
      expect(lines[1]).to.match(/error: .*bad\.dump is not a complete pg_dump backup \(.+\); nothing was changed/);
      expect(await rows()).to.deep.equal(changed);
      expect(await backups()).to.deep.equal(before);
    });
  }

  it("refuses a backup changed since it was written (checksum mismatch), touching nothing", async () => {
    const file = await backup();
    // One byte changed in place: same size, and pg_restore might still read it; the sha256 does not match.
    const bytes = await readFile(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    await writeFile(file, bytes);
    await changeRows();
    const changed = await rows();
    const before = await backups();

    const r = await runScript("restore.sh", [file], env);
    expect(r.code).to.equal(3);
    expect(r.stderr.trim()).to.match(
      /^restore\.sh: error: .* was refused: checksum mismatch: .*; nothing was changed$/,
    );
    expect(await rows()).to.deep.equal(changed);
    expect(await backups()).to.deep.equal(before);
  });

  it("refuses a missing file (exit 3) and a missing argument (exit 2) with one line each", async () => {
    const missing = await runScript("restore.sh", [join(appDir, "nope.dump")], env);
    expect([missing.code, missing.stderr.trim()]).to.deep.equal([
      3,
      `restore.sh: error: no such backup file: ${join(appDir, "nope.dump")}`,
    ]);
    const none = await runScript("restore.sh", [], env);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.match(/^restore\.sh: error: which backup\?.*\n$/);
    // Past 2^63 bash's arithmetic wraps: the wait for the bot would be negative.
    for (const timeout of ["9223372036854775808", "010"]) {
      const big = await runScript("restore.sh", [join(appDir, "nope.dump")], {
        ...env,
        RESTORE_HEALTH_TIMEOUT: timeout,
      });
      expect([big.code, big.stderr.trim()]).to.deep.equal([
        2,
        "restore.sh: error: RESTORE_HEALTH_TIMEOUT must be a whole number of seconds",
      ]);
    }
  });

  it("a restore that fails midway rolls back: exit 5 and the previous data stays", async () => {
    const file = await backup();
    await changeRows();
    // A view on the table makes pg_restore's DROP TABLE fail after it has started the transaction.
    await client.query("CREATE VIEW items_view AS SELECT body FROM items");
    const changed = await rows();

    const r = await runScript("restore.sh", [file], env);
    expect(r.code, r.stderr).to.equal(5);
    expect(r.stderr).to.match(/the restore failed and was rolled back: the database keeps its previous data/);
    expect(await rows()).to.deep.equal(changed);
  });

  it("RESTORE_SKIP_SERVICES only counts with local client tools: production always stops the bot", async () => {
    const check = async (extra: Record<string, string>) =>
      (await runSourced("restore.sh", "manages_services && echo manages || echo skips", extra)).trim();
    expect(await check({ RESTORE_SKIP_SERVICES: "1", PG_EXEC: "" })).to.equal("skips");
    expect(await check({ RESTORE_SKIP_SERVICES: "1" })).to.equal("manages");
    expect(await check({ RESTORE_SKIP_SERVICES: "1", PG_EXEC: "compose" })).to.equal("manages");
    expect(await check({ PG_EXEC: "" })).to.equal("manages");
  });
});
