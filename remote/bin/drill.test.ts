// drill.sh against a real PostgreSQL: a good backup passes, a spoilt one fails and says so, and
// neither touches the live database nor leaves the scratch database behind.
import { expect } from "chai";
import { readFile, rm, truncate, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import type { TestDatabase } from "../../test/support/postgres.js";
import { databaseForClientTools, makeAppDir, pgEnv, runScript } from "./script-harness.js";

describe("remote/bin/drill.sh (real PostgreSQL)", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let client: pg.Client;
  let appDir: string;
  let env: Record<string, string>;
  let scratch: string;

  before(async function () {
    db = await databaseForClientTools(this, "drill");
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    scratch = `${new URL(db.url).pathname.slice(1)}_drill`;
  });

  after(async () => {
    await client?.end();
    await db?.drop();
  });

  beforeEach(async () => {
    appDir = await makeAppDir("v1.0.0");
    env = { ...pgEnv(db.url), APP_DIR: appDir, PG_EXEC: "", BACKUP_MIN_FREE_MB: "0" };
    await client.query("DROP TABLE IF EXISTS items, empty_one");
    await client.query("CREATE TABLE items (id int PRIMARY KEY, body text NOT NULL)");
    await client.query("CREATE TABLE empty_one (x int)");
    await client.query(
      "INSERT INTO items SELECT i, 'line ' || i || E'\\nwith a newline' FROM generate_series(1, 5000) i",
    );
  });

  afterEach(async () => rm(appDir, { recursive: true, force: true }));

  const drillState = async () =>
    JSON.parse(await readFile(join(appDir, "recovery", "drill.json"), "utf8")) as Record<string, unknown>;
  const scratchExists = async () =>
    (await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [scratch])).rowCount === 1;

  async function backup(): Promise<string> {
    const r = await runScript("backup.sh", [], env);
    expect(r.code, r.stderr).to.equal(0);
    return r.stdout.trim();
  }

  it("backup.sh records the rows at the dump's snapshot; the drill restores the newest, matches them, drops the scratch database", async () => {
    const file = await backup();
    expect((await readFile(`${file}.rows`, "utf8")).trim().split("\n")).to.deep.equal([
      "public.empty_one 0",
      "public.items 5000",
    ]);
    await client.query("DELETE FROM items WHERE id > 10"); // the live database moves on: not what a drill checks

    const r = await runScript("drill.sh", [], env);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/restore drill of .*: 2 tables restored, row counts match/);
    const state = await drillState();
    expect(state).to.deep.include({
      result: "ok",
      backup: file.split("/").pop(),
      detail: "2 tables, row counts match",
    });
    expect(await scratchExists()).to.equal(false);
    expect((await client.query("SELECT count(*)::int AS n FROM items")).rows[0].n).to.equal(10);
  });

  it("a backup changed since it was written fails the drill by its sha256, and says so", async () => {
    const file = await backup();
    const bytes = await readFile(file);
    bytes[bytes.length - 50] = bytes[bytes.length - 50]! ^ 0xff;
    await writeFile(file, bytes);
    const r = await runScript("drill.sh", [], env);
    expect(r.code).to.equal(1);
    expect(r.stderr.trim()).to.match(/^drill\.sh: error: restore drill of .* failed: checksum mismatch/);
    expect(await drillState()).to.deep.include({ result: "failed" });
    expect(String((await drillState()).detail)).to.match(/checksum mismatch/);
  });

  it("a dump that lost rows (its counts disagree with the snapshot's) fails, naming the table", async () => {
    const file = await backup();
    await writeFile(`${file}.rows`, "public.empty_one 0\npublic.items 5001\n");
    const r = await runScript("drill.sh", [file.split("/").pop()!], env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/row counts differ .*< public\.items 5001 > public\.items 5000/);
    expect(await scratchExists()).to.equal(false);
  });

  it("a truncated dump (no checksum to catch it) fails in pg_restore; the scratch database is dropped", async () => {
    const file = await backup();
    await rm(`${file}.sha256`);
    await rm(`${file}.rows`);
    await truncate(file, Math.floor((await stat(file)).size * 0.7));
    const r = await runScript("drill.sh", [], env);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/restore drill of .* failed: /);
    expect(await scratchExists()).to.equal(false);
    expect(await drillState()).to.deep.include({ result: "failed" });
  });

  it("no backup: exit 3, recorded; bad input: exit 2 with one line", async () => {
    const none = await runScript("drill.sh", [], env);
    expect(none.code).to.equal(3);
    expect(await drillState()).to.deep.include({ result: "failed" });
    for (const [args, extra, message] of [
      [["../x.dump"], {}, /is not a backup name/],
      [["--now"], {}, /unknown option/],
      [[], { DRILL_DATABASE: "Drop Table" }, /DRILL_DATABASE must be/],
    ] as const) {
      const r = await runScript("drill.sh", [...args], { ...env, ...extra });
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stderr.trim().split("\n")).to.have.length(1);
    }
  });
});
