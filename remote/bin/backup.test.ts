// backup.sh against a real PostgreSQL: naming and modes, retention, the disk threshold, failures.
import { expect } from "chai";
import { mkdir, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { freshDatabase, type TestDatabase } from "../../test/support/postgres.js";
import { clientToolsProblem, makeAppDir, pgEnv, runScript } from "./script-harness.js";

const HOUR = 3600_000;

/** A backup name as backup.sh writes it, for the instant `at`. */
function nameAt(at: Date, release = "v1.0.0", label = ""): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  return `${stamp}_${release}${label ? `_${label}` : ""}.dump`;
}

describe("remote/bin/backup.sh (real PostgreSQL)", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let appDir: string;
  let backupDir: string;
  let env: Record<string, string>;

  const listing = async () => (await readdir(backupDir)).filter((n) => !n.startsWith(".")).sort();

  before(async function () {
    db = await freshDatabase("backup");
    const problem = await clientToolsProblem(db.url);
    if (problem) {
      await db.drop();
      console.log(`      skipped: ${problem}`); // a skip is never silent
      this.skip();
    }
  });

  after(async () => db?.drop());

  beforeEach(async () => {
    appDir = await makeAppDir("v2.0.0");
    backupDir = join(appDir, "backups");
    env = { ...pgEnv(db.url), APP_DIR: appDir, PG_EXEC: "", BACKUP_MIN_FREE_MB: "0" };
  });

  afterEach(async () => rm(appDir, { recursive: true, force: true }));

  it("writes <UTC stamp>_<release>_<label>.dump, 0600 in a 0700 folder, verified, and prints its path", async () => {
    const r = await runScript("backup.sh", ["--label", "pre-deploy"], env);
    expect(r.code, r.stderr).to.equal(0);
    const [name, ...rest] = await listing();
    expect(rest).to.deep.equal([]);
    expect(name).to.match(/^\d{8}T\d{6}Z_v2\.0\.0_pre-deploy\.dump$/);
    expect(r.stdout).to.equal(`${join(backupDir, name!)}\n`);
    expect((await stat(join(backupDir, name!))).mode & 0o777).to.equal(0o600);
    expect((await stat(backupDir)).mode & 0o777).to.equal(0o700);
    expect((await stat(join(backupDir, ".lock"))).mode & 0o777).to.equal(0o600);
    expect(r.stderr).to.match(/backup written and verified/);
    // The stamp is now, in UTC.
    const stamp = name!.slice(0, 16).replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z");
    expect(Math.abs(Date.parse(stamp) - Date.now())).to.be.lessThan(60_000);
  });

  it("names the release 'unknown' when there is no current release", async () => {
    await rm(join(appDir, "current"));
    const r = await runScript("backup.sh", [], env);
    expect(r.code, r.stderr).to.equal(0);
    expect(await listing()).to.satisfy((names: string[]) => names.length === 1 && /_unknown\.dump$/.test(names[0]!));
  });

  describe("retention over backups spread across 10 days (one every 12 h)", () => {
    let fixtures: string[]; // newest first: 1 h, 13 h, ... 241 h old

    beforeEach(async () => {
      await mkdir(backupDir, { mode: 0o700 });
      fixtures = [];
      for (let k = 0; k <= 20; k++) {
        const at = new Date(Date.now() - HOUR - k * 12 * HOUR);
        const name = nameAt(at, k % 2 ? "v1.9.0" : "v1.8.0", k % 3 ? "" : "pre-deploy");
        await writeFile(join(backupDir, name), "old backup", { mode: 0o600 });
        await utimes(join(backupDir, name), at, at);
        fixtures.push(name);
      }
      // Not ours: never touched by retention.
      await writeFile(join(backupDir, "notes.txt"), "hand-made");
      await writeFile(join(backupDir, "manual-copy.dump"), "hand-made");
    });

    async function run(extraEnv: Record<string, string>, args: string[] = []) {
      const r = await runScript("backup.sh", args, { ...env, ...extraEnv });
      expect(r.code, r.stderr).to.equal(0);
      const created = r.stdout.trim().split("/").pop()!;
      return { created, remaining: await listing(), stderr: r.stderr };
    }

    it("by age (default 7 days): keeps the new one and those younger than 7 days", async () => {
      const { created, remaining } = await run({});
      // 1 h + 12 h * k < 168 h for k = 0..13
      expect(remaining).to.deep.equal([...fixtures.slice(0, 14), created, "manual-copy.dump", "notes.txt"].sort());
    });

    it("by count (BACKUP_KEEP_COUNT=10): keeps the 10 newest, the new one included", async () => {
      const { created, remaining } = await run({ BACKUP_KEEP_COUNT: "10" });
      expect(remaining).to.deep.equal([...fixtures.slice(0, 9), created, "manual-copy.dump", "notes.txt"].sort());
    });

    it("flags override the environment (--keep-days 2 --keep-count 50)", async () => {
      const { created, remaining } = await run({ BACKUP_KEEP_DAYS: "30", BACKUP_KEEP_COUNT: "1" }, [
        "--keep-days",
        "2",
        "--keep-count",
        "50",
      ]);
      // 1 h + 12 h * k < 48 h for k = 0..3
      expect(remaining).to.deep.equal([...fixtures.slice(0, 4), created, "manual-copy.dump", "notes.txt"].sort());
    });

    it("never deletes the newest backup nor the one just written, even with keep-days 0 and keep-count 1", async () => {
      // A backup stamped in the future (a clock that was ahead) is the newest.
      const future = nameAt(new Date(Date.now() + 24 * HOUR));
      await writeFile(join(backupDir, future), "from the future");
      const { created, remaining } = await run({ BACKUP_KEEP_DAYS: "0", BACKUP_KEEP_COUNT: "1" });
      expect(remaining).to.deep.equal([created, future, "manual-copy.dump", "notes.txt"].sort());
    });

    it("--no-prune keeps everything", async () => {
      const { created, remaining } = await run({ BACKUP_KEEP_COUNT: "1" }, ["--no-prune"]);
      expect(remaining).to.deep.equal([...fixtures, created, "manual-copy.dump", "notes.txt"].sort());
    });

    it("removes a .tmp left by a killed backup", async () => {
      await writeFile(join(backupDir, `${fixtures[0]!}.tmp`), "half a dump");
      const { remaining, stderr } = await run({});
      expect(remaining.filter((n) => n.endsWith(".tmp"))).to.deep.equal([]);
      expect(stderr).to.match(/removed stale .*\.dump\.tmp/);
    });
  });

  it("refuses below the free-disk threshold before dumping: exit 3, a clear message, nothing written", async () => {
    const r = await runScript("backup.sh", [], { ...env, BACKUP_MIN_FREE_MB: "999999999" });
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(
      /^backup\.sh: error: only \d+ MiB free for .*backups, below the 999999999 MiB threshold .*no backup taken/,
    );
    expect(r.stdout).to.equal("");
    expect(await listing()).to.deep.equal([]);
  });

  it("a failing pg_dump exits 4 and leaves no file behind", async () => {
    const r = await runScript("backup.sh", [], { ...env, PGDATABASE: "no_such_database" });
    expect(r.code).to.equal(4);
    expect(r.stderr).to.match(/error: pg_dump failed .*nothing kept/);
    expect(await listing()).to.deep.equal([]);
  });

  it("an off-site copy that fails is reported, and the local backup stands (exit 0)", async () => {
    // Nothing to log in to on loopback (refused, or an unknown host key under BatchMode): it fails fast.
    const r = await runScript("backup.sh", [], {
      ...env,
      BACKUP_REMOTE: "nobody@127.0.0.1:/backups",
      BACKUP_REMOTE_TIMEOUT: "20",
      HOME: appDir, // no user ssh config or keys
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(
      /warning: off-site copy to nobody@127\.0\.0\.1:\/backups failed .*local backup is complete/,
    );
    expect(await listing()).to.have.length(1);
  });

  it("rejects bad input with exit 2 and one line: unknown flag, bad label, bad numbers, bad PG_EXEC", async () => {
    for (const [args, extra, message] of [
      [["--frobnicate"], {}, /unknown argument '--frobnicate'/],
      [["--label", "Bad Label"], {}, /label 'Bad Label' must be/],
      [["--label"], {}, /--label needs a value/],
      [[], { BACKUP_KEEP_COUNT: "0" }, /keep-count must be a whole number >= 1/],
      [["--keep-days", "-1"], {}, /keep-days must be a whole number/],
      // Would overflow bash's arithmetic: seconds of 213503982334602 days wrap to a negative age.
      [["--keep-days", "213503982334602"], {}, /keep-days must be a whole number/],
      [["--keep-days", "08"], {}, /keep-days must be a whole number/],
      [["--min-free-mb", "99999999999999999999"], {}, /min-free-mb must be a whole number/],
      [[], { PG_EXEC: "sudo" }, /PG_EXEC must be empty .* or "compose"/],
    ] as const) {
      const r = await runScript("backup.sh", [...args], { ...env, ...extra });
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stderr.trim().split("\n")).to.have.length(1);
    }
  });

  it("--help documents the exit codes", async () => {
    const r = await runScript("backup.sh", ["--help"], env);
    expect(r.code).to.equal(0);
    for (const code of [
      "2 usage",
      "3 free disk below the threshold",
      "4 pg_dump failed",
      "5 the dump did not read back",
    ]) {
      expect(r.stdout.replace(/\s+/g, " ")).to.include(code);
    }
  });
});
