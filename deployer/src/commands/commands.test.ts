import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quoteArgv } from "../ssh/quote.js";
import { LOCK_HELD } from "../stack/contract.js";
import * as compose from "./compose.js";
import * as release from "./release.js";
import * as lock from "./lock.js";
import * as history from "./history.js";
import * as checks from "./checks.js";
import * as backup from "./backup.js";
import * as migrate from "./migrate.js";
import * as docker from "./docker.js";
import * as systemd from "./systemd.js";
import * as provision from "./provision.js";
import { layout } from "./layout.js";
import { assertTag, tagProblem, imageName, assertAppDir } from "./names.js";
import { scriptCall, scriptText, type ScriptCall } from "./script.js";
import { backupNameProblem } from "../stack/contract.js";

const l = layout("/opt/remindbot");
const R = "/opt/remindbot/releases/v1";

/** Runs a call as the server would: its argv quoted through a real shell, the script on stdin. */
const runCall = (call: ScriptCall) =>
  spawnSync("sh", ["-c", quoteArgv(call.argv)], { input: scriptText(call), encoding: "utf8", timeout: 10_000 });

describe("commands: names", () => {
  const hostile = [
    "v1;touch /tmp/x",
    "$(id)",
    "../..",
    "..",
    ".",
    "-rf",
    "a b",
    "v1\nrm",
    "`id`",
    "x".repeat(129),
    "",
    "v1.tmp",
    "a/b",
    "v1'",
  ];
  for (const tag of hostile)
    it(`refuses the tag ${JSON.stringify(tag.slice(0, 20))}`, () => {
      expect(tagProblem(tag)).to.be.a("string");
      expect(() => imageName(tag)).to.throw();
      expect(() => l.release(tag)).to.throw();
    });
  it("accepts ordinary tags up to 128 characters", () => {
    for (const t of ["v1", "v1.2.3", "release_2024-01-01", "x".repeat(128)]) expect(assertTag(t)).to.equal(t);
  });
  it("refuses backup names that leave the backups dir", () => {
    expect(backupNameProblem("../../etc/passwd.dump")).to.be.a("string");
    expect(backupNameProblem("a/b.dump")).to.be.a("string");
    expect(backupNameProblem("20240101T000000Z_v1_pre-v2.dump")).to.equal(undefined);
  });
  it("refuses odd app dirs", () => {
    expect(() => assertAppDir("/opt/../etc")).to.throw();
    expect(() => assertAppDir("relative")).to.throw();
    expect(() => assertAppDir("/opt/x y")).to.throw();
    expect(assertAppDir("/srv/app/")).to.equal("/srv/app");
  });
});

describe("commands: exact strings", () => {
  it("compose uses the release's file and release.env", () => {
    expect(quoteArgv(compose.build(R))).to.equal(
      "'docker' 'compose' '-f' '/opt/remindbot/releases/v1/docker-compose.prod.yml' '--env-file' '/opt/remindbot/releases/v1/release.env' 'build' 'bot'",
    );
    expect(compose.upBot(R).slice(-4)).to.deep.equal(["up", "-d", "--remove-orphans", "bot"]);
    expect(compose.upAll(R, 90).slice(-5)).to.deep.equal(["up", "-d", "--wait", "--wait-timeout", "90"]);
  });
  it("log lines lose the terminal control sequences compose writes without a terminal", () => {
    expect(compose.cleanLogLine('\x1b[2Kbot-1  | 2026-11-26T09:17:28Z {"level":"info"}')).to.equal(
      'bot-1  | 2026-11-26T09:17:28Z {"level":"info"}',
    );
    expect(compose.cleanLogLine("plain [2K text")).to.equal("plain [2K text");
  });
  it("logs --follow with tail and since", () => {
    expect(compose.logs(R, { service: "bot", follow: true, tail: 50, since: "10m" }).slice(6)).to.deep.equal([
      "logs",
      "--timestamps",
      "--no-color",
      "--follow",
      "--tail",
      "50",
      "--since",
      "10m",
      "bot",
    ]);
  });
  it("switches current atomically", () => {
    expect(release.switchCurrent(l, "v2").map(quoteArgv)).to.deep.equal([
      "'ln' '-sfn' 'releases/v2' '/opt/remindbot/current.tmp'",
      "'mv' '-T' '/opt/remindbot/current.tmp' '/opt/remindbot/current'",
    ]);
  });
  it("uploads into <tag>.tmp and renames", () => {
    expect(release.prepareTmp(l, "v2")).to.deep.equal({
      script: "remote/bin/release.sh",
      argv: ["bash", "-s", "--", "prepare", "/opt/remindbot/releases", "/opt/remindbot/releases/v2.tmp"],
    });
    expect(release.install(l, "v2", "ab".repeat(32))).to.deep.equal({
      script: "remote/bin/release.sh",
      argv: [
        "bash",
        "-s",
        "--",
        "install",
        "/opt/remindbot/releases/v2.tmp/release.tar.gz",
        "/opt/remindbot/releases/v2",
        "ab".repeat(32),
      ],
    });
  });
  it("a new upload removes every half-uploaded <tag>.tmp (run by bash), and works before releases/ exists", () => {
    const dir = mkdtempSync(join(tmpdir(), "prepare-tmp-"));
    try {
      const tl = layout(dir);
      const runAll = () => {
        const r = runCall(release.prepareTmp(tl, "v3"));
        expect(r.status, r.stderr).to.equal(0);
      };
      runAll(); // no releases/ yet
      expect(readdirSync(tl.releases)).to.deep.equal(["v3.tmp"]);
      mkdirSync(join(tl.releases, "v1"));
      mkdirSync(join(tl.releases, "v2.tmp"));
      writeFileSync(join(tl.releases, "v2.tmp", "release.tar.gz.tmp-0123456789abcdef"), "half");
      writeFileSync(join(tl.releases, "v3.tmp", "left"), "x");
      runAll();
      expect(readdirSync(tl.releases).sort()).to.deep.equal(["v1", "v3.tmp"]);
      expect(readdirSync(join(tl.releases, "v3.tmp"))).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("shared/ and backups/ are made (or fixed to) 0700 before the env file is uploaded", () => {
    expect(quoteArgv(release.ensureShared(l))).to.equal(
      "'install' '-d' '-m' '0700' '--' '/opt/remindbot/shared' '/opt/remindbot/backups'",
    );
  });
  it("the lock is lock.sh with the info passed as an argument", () => {
    const call = lock.acquire(l, { by: "me@host", at: "2024-01-01T00:00:00Z", action: "deploy", tag: "v1", pid: 7 });
    expect(call).to.deep.equal({
      script: "remote/bin/lock.sh",
      argv: [
        "bash",
        "-s",
        "--",
        "acquire",
        "/opt/remindbot/lock",
        '{"by":"me@host","at":"2024-01-01T00:00:00Z","action":"deploy","tag":"v1","pid":7}',
      ],
    });
    expect(quoteArgv(lock.release(l).argv)).to.equal("'bash' '-s' '--' 'release' '/opt/remindbot/lock'");
    expect(quoteArgv(lock.read(l).argv)).to.equal("'bash' '-s' '--' 'read' '/opt/remindbot/lock'");
  });
  it("the lock taken, held (LOCK_HELD with the holder's info), read and released through a real shell", () => {
    const dir = mkdtempSync(join(tmpdir(), "lock-"));
    try {
      const tl = layout(dir);
      const info = (by: string) => ({ by, at: "2024-01-01T00:00:00Z", action: "deploy", pid: 1 });
      expect(runCall(lock.acquire(tl, info("ann"))).status).to.equal(0);
      const held = runCall(lock.acquire(tl, info("bob")));
      expect(held.status).to.equal(LOCK_HELD);
      expect(lock.parseLockInfo(held.stdout)?.by).to.equal("ann");
      expect(lock.parseLockInfo(runCall(lock.read(tl)).stdout)?.by).to.equal("ann");
      expect(runCall(lock.release(tl)).status).to.equal(0);
      expect(runCall(lock.read(tl)).status).to.equal(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("migrations run in a one-off container of the release", () => {
    expect(quoteArgv(migrate.down(R, 2))).to.match(
      /'run' '--rm' '--no-deps' '-T' 'bot' 'node' 'bot\/dist\/migrate.js' 'down' '2'$/,
    );
    expect(() => migrate.down(R, 0)).to.throw();
  });
  it("backups go through the release's scripts with a checked name", () => {
    expect(backup.create(R, l, { label: "pre-v2", minFreeMb: 100 })).to.deep.equal([
      "env",
      "APP_DIR=/opt/remindbot",
      "bash",
      `${R}/remote/bin/backup.sh`,
      "--label",
      "pre-v2",
      "--min-free-mb",
      "100",
    ]);
    // Retention windows as environment: an older release's backup.sh ignores them, flags it would refuse.
    expect(backup.create(R, l, { keep: { allDays: 2, daily: 7, weekly: 4, monthly: 6 } })).to.deep.equal([
      "env",
      "APP_DIR=/opt/remindbot",
      "BACKUP_KEEP_ALL_DAYS=2",
      "BACKUP_KEEP_DAILY=7",
      "BACKUP_KEEP_WEEKLY=4",
      "BACKUP_KEEP_MONTHLY=6",
      "bash",
      `${R}/remote/bin/backup.sh`,
    ]);
    expect(backup.listWithRules(R, l).slice(-2)).to.deep.equal([`${R}/remote/bin/backup.sh`, "--list"]);
    expect(backup.readChecksum(l, "20240101T000000Z_v1.dump")).to.deep.equal([
      "cat",
      "--",
      "/opt/remindbot/backups/20240101T000000Z_v1.dump.sha256",
    ]);
    expect(backup.backupLabel("pre-V1.2_x")).to.equal("pre-v1-2-x");
    expect(backup.restore(R, l, "20240101T000000Z_v1.dump", 60)).to.deep.equal([
      "env",
      "APP_DIR=/opt/remindbot",
      "RESTORE_HEALTH_TIMEOUT=60",
      "bash",
      `${R}/remote/bin/restore.sh`,
      "/opt/remindbot/backups/20240101T000000Z_v1.dump",
    ]);
    expect(() => backup.restore(R, l, "../x.dump")).to.throw();
    expect(() => backup.create(R, l, { label: "$(id)" })).to.throw();
  });
  it("docker images are named remindbot-bot:<tag>", () => {
    expect(quoteArgv(docker.removeImage("v1"))).to.equal("'docker' 'image' 'rm' 'remindbot-bot:v1'");
  });
  it("units are installed by name only", () => {
    expect(systemd.installFrom("/tmp/u", "remindbot.service")).to.deep.equal([
      "install",
      "-m",
      "0644",
      "-o",
      "root",
      "-g",
      "root",
      "-T",
      "--",
      "/tmp/u",
      "/etc/systemd/system/remindbot.service",
    ]);
    expect(() => systemd.unitPath("../../etc/passwd")).to.throw();
  });
  it("provision refuses hostile users and keys", () => {
    expect(() => provision.ensureUser("deploy; id")).to.throw();
    expect(() => provision.authorizeKey("deploy", "ssh-ed25519 AAAA x\nrm -rf /")).to.throw();
    expect(provision.authorizeKey("deploy", "ssh-ed25519 AAAAC3Nz me@laptop").argv.slice(-2)).to.deep.equal([
      "deploy",
      "ssh-ed25519 AAAAC3Nz me@laptop",
    ]);
  });
  it("the docker install follows Docker's apt repository for the distribution, sudo in front of bash", () => {
    const call = provision.installDocker("ubuntu", "noble", ["sudo", "-n"]);
    expect(call).to.deep.equal({
      script: "remote/bin/provision.sh",
      argv: ["sudo", "-n", "bash", "-s", "--", "install-docker", "ubuntu", "noble"],
    });
    expect(scriptText(call)).to.contain("https://download.docker.com/linux/$dist/gpg");
    expect(scriptText(call)).to.contain("docker-compose-plugin");
  });
  it("provision steps are provision.sh subcommands with checked arguments", () => {
    const d = provision.layoutDirs(l)[2]!;
    expect(provision.ensureDir(d, "deploy").argv).to.deep.equal([
      "bash",
      "-s",
      "--",
      "ensure-dir",
      "/opt/remindbot/shared",
      "700",
      "deploy",
    ]);
    expect(provision.ensureUser("deploy", ["sudo", "-n"]).argv).to.deep.equal([
      "sudo",
      "-n",
      "bash",
      "-s",
      "--",
      "ensure-user",
      "deploy",
    ]);
    expect(provision.hasDocker().argv).to.deep.equal(["bash", "-s", "--", "has-docker"]);
    expect(provision.ensureSwap(1536, ["sudo", "-n"]).argv).to.deep.equal([
      "sudo",
      "-n",
      "bash",
      "-s",
      "--",
      "ensure-swap",
      "/swapfile",
      "1536",
    ]);
    expect(() => provision.ensureSwap(0)).to.throw(/not a swap size/);
    expect(() => provision.ensureSwap(1.5)).to.throw(/not a swap size/);
  });
  it("unit checksums, history and the release list are their scripts' subcommands", () => {
    expect(systemd.checksums(["remindbot.service"])).to.deep.equal({
      script: "remote/bin/units.sh",
      argv: ["bash", "-s", "--", "checksums", "/etc/systemd/system/remindbot.service"],
    });
    expect(release.listReleases(l)).to.deep.equal({
      script: "remote/bin/release.sh",
      argv: ["bash", "-s", "--", "list", "/opt/remindbot/releases"],
    });
    const e = { at: "t", action: "deploy", tag: "v1", commit: "c", by: "me", result: "ok", durationMs: 1 };
    expect(history.append(l, e).argv.slice(3)).to.deep.equal([
      "append",
      "/opt/remindbot/history.jsonl",
      history.historyLine(e),
    ]);
  });
});

describe("commands: parsing", () => {
  it("the /health publisher: none, running (one of them is), or stopped; its builders name the service", () => {
    expect(compose.parseHealthStates("")).to.equal(undefined);
    expect(compose.parseHealthStates("exited\nrunning\n")).to.equal("running");
    expect(compose.parseHealthStates("exited\n")).to.equal("stopped");
    expect(compose.upHealth(R).slice(-4)).to.deep.equal(["up", "-d", "--no-deps", "health"]);
    expect(compose.removeHealth(R).slice(-4)).to.deep.equal(["rm", "--stop", "--force", "health"]);
    expect(quoteArgv(compose.healthStates())).to.equal(
      "'docker' 'ps' '-a' '--filter' 'label=com.docker.compose.project=remindbot' '--filter' 'label=com.docker.compose.service=health' '--format' '{{.State}}'",
    );
  });
  it("parses lock info and describes a held lock with its age", () => {
    const info = lock.parseLockInfo(
      '{"by":"ann@box","at":"2024-01-01T00:00:00.000Z","action":"deploy","tag":"v2","pid":1}',
    );
    expect(info?.by).to.equal("ann@box");
    const msg = lock.describeLock(info, Date.parse("2024-01-01T02:00:00Z"));
    expect(msg).to.contain("ann@box").and.contain("deploy v2").and.contain("2 h ago").and.contain("stale");
    expect(lock.parseLockInfo("not json")).to.equal(undefined);
    expect(lock.describeLock(undefined, 0)).to.contain("unlock");
  });
  it("parses history lines and skips broken ones", () => {
    const e = {
      at: "2024-01-01T00:00:00Z",
      action: "deploy",
      tag: "v1",
      commit: "abc",
      by: "me",
      result: "ok",
      durationMs: 12.4,
    };
    const text =
      history.historyLine(e) + "\n{broken\n" + history.historyLine({ ...e, tag: "v2", detail: "a\nb" }) + "\n";
    const parsed = history.parseHistory(text);
    expect(parsed.map((p) => p.tag)).to.deep.equal(["v1", "v2"]);
    expect(parsed[0]?.durationMs).to.equal(12);
    expect(parsed[1]?.detail).to.equal("a b");
  });
  it("parses releases newest first, marking incomplete ones", () => {
    const out =
      'v1\t{"tag":"v1","commit":"a","deployedAt":"2024-01-01T00:00:00Z","by":"me"}\nv2\t{"tag":"v2","commit":"b","deployedAt":"2024-02-01T00:00:00Z","by":"me"}\nbroken\t\n';
    const r = release.parseReleaseList(out);
    expect(r.map((x) => x.dir)).to.deep.equal(["v2", "v1", "broken"]);
    expect(r[2]?.complete).to.equal(false);
    expect(release.currentTagFrom("releases/v2\n")).to.equal("v2");
    expect(release.currentTagFrom("")).to.equal(undefined);
  });
  it("parses migrate status and finds what a target does not know", () => {
    const s = migrate.parseStatus('ran something\n{"known":["a","b"],"applied":["a","b","c"]}\n');
    expect(s.applied).to.deep.equal(["a", "b", "c"]);
    expect(migrate.unknownToTarget(["a", "b", "c", "d"], ["a", "b"])).to.deep.equal(["d", "c"]);
    expect(migrate.unknownToTarget(["a", "b"], ["a", "b", "c"])).to.deep.equal([]);
    expect(() => migrate.unknownToTarget(["a", "x", "b"], ["a", "b"])).to.throw(/restore a backup/);
    expect(() => migrate.parseStatus("nothing")).to.throw();
  });
  it("reads the recorded backup/off-site/drill outcomes, skipping what is not one", () => {
    const out =
      'offsite.json\t{"at":"2026-12-03T10:00:00Z","result":"failed","backup":"a.dump","detail":"x to y: Connection refused","destinations":"y"}\n' +
      'backup.json\t{"at":"2026-12-03T09:00:00Z","result":"ok","backup":"a.dump","detail":"","sizeBytes":5}\n' +
      "drill.json\tnot json\n" +
      'x.txt\t{"at":"t","result":"ok"}\n';
    const m = backup.parseRecoveryState(out);
    expect([...m.keys()].sort()).to.deep.equal(["backup", "offsite"]);
    expect(backup.describeRecord(m.get("offsite")!)).to.equal(
      "FAILED at 2026-12-03T10:00:00Z (a.dump): x to y: Connection refused",
    );
    expect(backup.describeRecord(m.get("backup")!)).to.equal("ok at 2026-12-03T09:00:00Z (a.dump)");
    expect(backup.readRecoveryState(l)[1]).to.equal("/opt/remindbot/recovery");
  });
  it("parses backups, checksums and timers", () => {
    const list = backup.parseList("a_v1.dump\t100\t1700000000.5\nb_v2.dump\t200\t1700000100.0\n");
    expect(list.map((b) => b.name)).to.deep.equal(["b_v2.dump", "a_v1.dump"]);
    // backup.sh --list: the checksum state and the rule that keeps each file.
    const rich = backup.parseList(
      "a_v1.dump\t100\t1700000000.5\tsha256\tweekly 2023-W46\nm.dump\t1\t1\tnone\tnot managed\n",
    );
    expect(rich[0]).to.deep.include({ name: "a_v1.dump", checksum: "sha256", rule: "weekly 2023-W46" });
    expect(rich[1]).to.deep.include({ name: "m.dump", checksum: "none", rule: "not managed" });
    expect(
      release.parseChecksum("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  /x"),
    ).to.have.length(64);
    const sums = systemd.parseChecksums(
      "abc  /etc/systemd/system/remindbot.service\n-  /etc/systemd/system/remindbot-backup.timer\n",
    );
    expect(sums.get("remindbot-backup.timer")).to.equal("-");
    expect(systemd.parseNextTimer('[{"next":1700000000000000,"unit":"remindbot-backup.timer"}]')).to.equal(
      "2023-11-14T22:13:20.000Z",
    );
    expect(backup.parseCreated("wrote /opt/remindbot/backups/20240101T000000Z_v1_pre-v2.dump\n")).to.equal(
      "20240101T000000Z_v1_pre-v2.dump",
    );
  });
});

describe("checks: free disk", () => {
  const df = (...rows: [string, number][]) =>
    ["Filesystem 1024-blocks Used Available Capacity Mounted on"]
      .concat(rows.map(([mnt, kb]) => `/dev/x 100000000 1 ${kb} 1% ${mnt}`))
      .join("\n");

  it("judges the fullest of the app dir's and Docker's filesystems", () => {
    const out = df(["/", 50 * 1024 * 1024], ["/var/lib/docker", 100 * 1024]);
    expect(checks.parseDfKb(out)).to.equal(100 * 1024);
    expect(checks.lowDisk(out, 256)).to.equal(
      'only 100 MiB free on /var/lib/docker on the server (need 256 MiB): see docs/DEPLOYMENT.md, "Low disk"',
    );
    expect(checks.lowDisk(df(["/", 300 * 1024], ["/var/lib/docker", 257 * 1024]), 256)).to.equal(undefined);
  });

  it("refuses when df printed nothing it can read", () => {
    expect(checks.lowDisk("df: /opt/x: No such file or directory", 256)).to.match(/^only 0 MiB free on the server/);
  });

  it("asks df for both filesystems through a real shell (one line each)", () => {
    const r = runCall(checks.diskFree(tmpdir()));
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim().split("\n")).to.have.length(3);
    expect(checks.parseDfKb(r.stdout)).to.be.a("number").and.above(0);
  });
});

describe("commands: remote scripts on stdin", () => {
  it("every builder's script is in remote/bin and is read once", () => {
    const calls = [
      lock.acquire(l, { by: "a", at: "b", action: "deploy", pid: 1 }),
      checks.diskFree("/opt"),
      release.prepareTmp(l, "v1"),
      release.listReleases(l),
      history.append(l, { at: "", action: "", tag: "v1", commit: "", by: "", result: "", durationMs: 0 }),
      provision.hasDocker(),
      provision.installDocker("debian", "bookworm"),
      provision.facts(),
      provision.ensureClock(),
      provision.ensureSwap(512),
      provision.ensureUpgrades(),
      provision.hardenSsh(),
      checks.clockState(),
      provision.ensureUser("deploy"),
      provision.authorizeKey("deploy", "ssh-ed25519 AAAA"),
      provision.ensureDir({ path: "/opt/x", mode: "755" }, "deploy"),
      systemd.checksums(["remindbot.service"]),
    ];
    for (const call of calls) {
      const text = scriptText(call);
      expect(text, call.script).to.match(/^#!\/usr\/bin\/env bash\n/);
      expect(scriptText(call), call.script).to.equal(text);
    }
  });
  it("refuses a script outside remote/bin, and names a missing one in one line", () => {
    expect(() => scriptCall("../etc/passwd")).to.throw(/not a remote\/bin script/);
    expect(() => scriptText(scriptCall("remote/bin/no-such.sh"))).to.throw(
      /^cannot read remote\/bin\/no-such\.sh \(.*\): ENOENT$/,
    );
  });
});
