// backup.sh against a real PostgreSQL: naming and modes, retention, the disk threshold, failures.
import { expect } from "chai";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestDatabase } from "../../test/support/postgres.js";
import { databaseForClientTools, makeAppDir, pgEnv, runScript } from "./script-harness.js";

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
    db = await databaseForClientTools(this, "backup");
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
    expect(rest).to.deep.equal([`${name!}.rows`, `${name!}.sha256`]);
    expect(name).to.match(/^\d{8}T\d{6}Z_v2\.0\.0_pre-deploy\.dump$/);
    // sha256sum's format with the bare name, so `sha256sum -c` works wherever the pair is copied.
    const digest = createHash("sha256")
      .update(await readFile(join(backupDir, name!)))
      .digest("hex");
    expect(await readFile(join(backupDir, `${name!}.sha256`), "utf8")).to.equal(`${digest}  ${name!}\n`);
    expect((await stat(join(backupDir, `${name!}.sha256`))).mode & 0o777).to.equal(0o600);
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
    expect(await listing()).to.satisfy((names: string[]) => names.length === 3 && /_unknown\.dump$/.test(names[0]!));
  });

  describe("retention by day, week and month (clock injected with BACKUP_NOW)", () => {
    // Newest first: every 6 h for 10 days, then one every 3 days back to ~250 days; each with a .sha256.
    let fixtures: Date[];
    // A fixed clock, so the periods fall the same way on every run (the backup written by the test
    // is stamped with the real time: later, so it is the newest).
    const NOW = Date.parse("2026-03-15T09:00:00Z");
    const DAY = 24 * HOUR;

    beforeEach(async () => {
      await mkdir(backupDir, { mode: 0o700 });
      fixtures = [];
      for (let k = 0; k < 40; k++) fixtures.push(new Date(NOW - HOUR - k * 6 * HOUR));
      for (let j = 0; j < 80; j++) fixtures.push(new Date(NOW - 10 * DAY - HOUR - j * 3 * DAY));
      for (const at of fixtures) {
        await writeFile(join(backupDir, nameAt(at, "v1.9.0")), "old backup", { mode: 0o600 });
        await writeFile(join(backupDir, `${nameAt(at, "v1.9.0")}.sha256`), "x", { mode: 0o600 });
      }
      // Pre-deploy backups 100 days old: v1.0.0 is still a release on disk (a rollback target), v0.9.0 is not.
      await mkdir(join(appDir, "releases", "v1.0.0"), { recursive: true });
      await writeFile(join(backupDir, nameAt(new Date(NOW - 100 * DAY - 60_000), "v1.0.0", "pre-v1-1-0")), "x");
      await writeFile(join(backupDir, nameAt(new Date(NOW - 100 * DAY - 120_000), "v0.9.0", "pre-v1-0-0")), "x");
      // Not ours: never touched by retention.
      await writeFile(join(backupDir, "notes.txt"), "hand-made");
      await writeFile(join(backupDir, "manual-copy.dump"), "hand-made");
    });

    const nowEnv = { BACKUP_NOW: String(NOW / 1000) };

    async function run(extraEnv: Record<string, string>, args: string[] = []) {
      const r = await runScript("backup.sh", args, { ...env, ...nowEnv, ...extraEnv });
      expect(r.code, r.stderr).to.equal(0);
      const created = r.stdout.trim().split("/").pop()!;
      return { created, remaining: await listing(), stderr: r.stderr };
    }

    /** The test's own reading of the rules (--help): the newest of each period inside its window. */
    function expectedKept(all: Date[], keep: { allDays: number; daily: number; weekly: number; monthly: number }) {
      const isoWeek = (d: Date) => {
        const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
        const dow = t.getUTCDay() || 7;
        t.setUTCDate(t.getUTCDate() + 4 - dow);
        const y = t.getUTCFullYear();
        const week = Math.ceil(((t.getTime() - Date.UTC(y, 0, 1)) / DAY + 1) / 7);
        return `${y}-W${String(week).padStart(2, "0")}`;
      };
      const keys: [(d: Date) => string, number][] = [
        [(d) => d.toISOString().slice(0, 10), keep.daily * DAY],
        [isoWeek, keep.weekly * 7 * DAY],
        [(d) => d.toISOString().slice(0, 7), keep.monthly * 31 * DAY],
      ];
      const sorted = [...all].sort((a, b) => b.getTime() - a.getTime());
      const kept = new Set<number>(
        sorted.filter((d) => NOW - d.getTime() < keep.allDays * DAY).map((d) => d.getTime()),
      );
      for (const [key, window] of keys) {
        const seen = new Set<string>();
        for (const d of sorted) {
          if (seen.has(key(d))) continue;
          seen.add(key(d));
          if (NOW - d.getTime() < window) kept.add(d.getTime());
        }
      }
      return sorted.filter((d) => kept.has(d.getTime())).map((d) => nameAt(d, "v1.9.0"));
    }

    it("defaults (all for 2 days, daily 7, weekly 4, monthly 6): the newest of each period, its .sha256 with it; a rollback target stays", async () => {
      const { created, remaining } = await run({});
      const kept = expectedKept(fixtures, { allDays: 2, daily: 7, weekly: 4, monthly: 6 });
      // The seed's promise inside the scheme: 7 days of daily backups, every backup of the last 2 days.
      expect(kept.length).to.be.within(8 + 5 + 2, 8 + 7 + 4 + 7);
      const rollback = nameAt(new Date(NOW - 100 * DAY - 60_000), "v1.0.0", "pre-v1-1-0");
      expect(remaining).to.deep.equal(
        [
          ...kept,
          ...kept.map((n) => `${n}.sha256`),
          created,
          `${created}.rows`,
          `${created}.sha256`,
          rollback,
          "manual-copy.dump",
          "notes.txt",
        ].sort(),
      );

      const list = await runScript("backup.sh", ["--list"], { ...env, ...nowEnv });
      expect(list.code, list.stderr).to.equal(0);
      const rules = new Map(
        list.stdout
          .trim()
          .split("\n")
          .map((l) => l.split("\t"))
          .map((f) => [f[0]!, { sum: f[3], rule: f[4] }]),
      );
      expect(rules.get(created)).to.deep.equal({ sum: "sha256", rule: "newest" });
      expect(rules.get(rollback)).to.deep.equal({ sum: "none", rule: "rollback v1.0.0" });
      expect(rules.get("manual-copy.dump")?.rule).to.equal("not managed");
      expect(rules.get(kept[0]!)?.rule).to.equal("last 2 days");
      const oldest = kept.at(-1)!;
      expect(rules.get(oldest)?.rule).to.match(/^monthly \d{4}-\d\d$/);
      const weekly = kept.filter((n) => /^weekly \d{4}-W\d\d$/.test(rules.get(n)?.rule ?? ""));
      expect(weekly.length).to.be.within(1, 4);
      expect(kept.filter((n) => /^daily \d{4}-\d\d-\d\d$/.test(rules.get(n)?.rule ?? "")).length).to.be.within(4, 7);
    });

    it("the environment and flags set the windows (flags win): all 1 day, daily 3, weekly 0, monthly 2", async () => {
      const { created, remaining } = await run(
        { BACKUP_KEEP_ALL_DAYS: "30", BACKUP_KEEP_DAILY: "3", BACKUP_KEEP_WEEKLY: "0", BACKUP_KEEP_MONTHLY: "2" },
        ["--keep-all-days", "1"],
      );
      const kept = expectedKept(fixtures, { allDays: 1, daily: 3, weekly: 0, monthly: 2 });
      const dumps = remaining.filter((n) => n.endsWith(".dump") && n !== "manual-copy.dump" && !n.includes("_pre-"));
      expect(dumps).to.deep.equal([...kept, created].sort());
    });

    it("prunes only after a backup succeeded: a failed dump deletes nothing", async () => {
      const before = await listing();
      const r = await runScript("backup.sh", [], { ...env, ...nowEnv, PGDATABASE: "no_such_database" });
      expect(r.code).to.equal(4);
      expect(await listing()).to.deep.equal(before);
    });

    it("never deletes the newest backup nor the one just written, even with every window 0", async () => {
      // A backup stamped in the future (a clock that was ahead) is the newest.
      const future = nameAt(new Date(NOW + 24 * HOUR));
      await writeFile(join(backupDir, future), "from the future");
      const zero = {
        BACKUP_KEEP_ALL_DAYS: "0",
        BACKUP_KEEP_DAILY: "0",
        BACKUP_KEEP_WEEKLY: "0",
        BACKUP_KEEP_MONTHLY: "0",
      };
      const { created, remaining } = await run(zero);
      const rollback = nameAt(new Date(NOW - 100 * DAY - 60_000), "v1.0.0", "pre-v1-1-0");
      expect(remaining).to.deep.equal(
        [created, `${created}.rows`, `${created}.sha256`, future, rollback, "manual-copy.dump", "notes.txt"].sort(),
      );
    });

    it("--no-prune keeps everything", async () => {
      const before = await listing();
      const { created, remaining } = await run({ BACKUP_KEEP_DAILY: "0" }, ["--no-prune"]);
      expect(remaining).to.deep.equal([...before, created, `${created}.rows`, `${created}.sha256`].sort());
    });

    it("removes a .tmp left by a killed backup", async () => {
      await writeFile(join(backupDir, `${nameAt(fixtures[0]!, "v1.9.0")}.tmp`), "half a dump");
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

  it("off-site destinations without an age recipient: the copy is refused, nothing leaves, the local backup stands (exit 0)", async () => {
    const r = await runScript("backup.sh", [], {
      ...env,
      BACKUP_OFFSITE: "nobody@127.0.0.1:/backups",
      BACKUP_SSH: "/bin/false", // never reached
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/error: off-site copy refused: no age recipient .*nothing left the server/);
    expect(r.stderr).to.match(/warning: the off-site copy did not complete \(exit 3\); the local backup is complete/);
    expect(await listing()).to.have.length(3); // the dump, its .rows and .sha256
    const recorded = JSON.parse(await readFile(join(appDir, "recovery", "backup.json"), "utf8"));
    expect(recorded).to.deep.include({ result: "ok", backup: r.stdout.trim().split("/").pop() });
    expect(recorded.sizeBytes).to.be.greaterThan(0);
    expect(JSON.parse(await readFile(join(appDir, "recovery", "offsite.json"), "utf8"))).to.deep.include({
      result: "refused",
    });
  });

  it("a failed backup is recorded in recovery/backup.json with why", async () => {
    const r = await runScript("backup.sh", [], { ...env, PGDATABASE: "no_such_database" });
    expect(r.code).to.equal(4);
    const recorded = JSON.parse(await readFile(join(appDir, "recovery", "backup.json"), "utf8"));
    expect(recorded).to.deep.include({ result: "failed", backup: "" });
    expect(recorded.detail).to.match(/pg_dump failed/);
    expect(Date.parse(recorded.at)).to.be.closeTo(Date.now(), 60_000);
  });

  it("rejects bad input with exit 2 and one line: unknown flag, bad label, bad numbers, bad PG_EXEC", async () => {
    for (const [args, extra, message] of [
      [["--frobnicate"], {}, /unknown argument '--frobnicate'/],
      [["--label", "Bad Label"], {}, /label 'Bad Label' must be/],
      [["--label"], {}, /--label needs a value/],
      [["--keep-daily", "-1"], {}, /keep-daily must be a whole number/],
      // Would overflow bash's arithmetic: seconds of 213503982334602 days wrap to a negative age.
      [["--keep-monthly", "213503982334602"], {}, /keep-monthly must be a whole number/],
      [["--keep-weekly", "08"], {}, /keep-weekly must be a whole number/],
      [[], { BACKUP_KEEP_ALL_DAYS: "x" }, /keep-all-days must be a whole number/],
      [[], { BACKUP_NOW: "yesterday" }, /BACKUP_NOW must be epoch seconds/],
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
