import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fillTemplate, renderUnits, unitTemplates, unitValueProblem, type UnitFile } from "./units.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const DEFAULTS = { app: "remindbot", appDir: "/opt/remindbot", deployUser: "deploy" };

/** The `Key=value` lines of one section of a unit file, in order. */
function section(unit: UnitFile, name: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let current = "";
  for (const line of unit.content.split("\n")) {
    if (/^\[.+\]$/.test(line)) current = line.slice(1, -1);
    else if (current === name && /^[A-Za-z]+=/.test(line)) {
      const i = line.indexOf("=");
      out.push([line.slice(0, i), line.slice(i + 1)]);
    }
  }
  return out;
}

function values(unit: UnitFile, sectionName: string, key: string): string[] {
  return section(unit, sectionName)
    .filter(([k]) => k === key)
    .map(([, v]) => v);
}

function unit(units: UnitFile[], name: string): UnitFile {
  const found = units.find((u) => u.name === name);
  if (!found) throw new Error(`no unit ${name} among ${units.map((u) => u.name).join(", ")}`);
  return found;
}

describe("stack: systemd units", () => {
  const units = renderUnits(DEFAULTS);

  it("renders the seven units, named after the app, with no placeholder left", () => {
    expect(units.map((u) => u.name)).to.deep.equal([
      "remindbot-backup.service",
      "remindbot-backup.timer",
      "remindbot-drill.service",
      "remindbot-drill.timer",
      "remindbot-watch.service",
      "remindbot-watch.timer",
      "remindbot.service",
    ]);
    for (const u of units) expect(u.content, u.name).to.not.match(/\{\{|\}\}/);
    const other = renderUnits({ app: "notes", appDir: "/srv/notes", deployUser: "ops" });
    expect(other.map((u) => u.name)).to.deep.equal([
      "notes-backup.service",
      "notes-backup.timer",
      "notes-drill.service",
      "notes-drill.timer",
      "notes-watch.service",
      "notes-watch.timer",
      "notes.service",
    ]);
    expect(unit(other, "notes-watch.timer").content).to.include("Unit=notes-watch.service");
    expect(unit(other, "notes-backup.timer").content).to.include("Unit=notes-backup.service");
    expect(unit(other, "notes.service").content).to.include("WorkingDirectory=/srv/notes/current");
  });

  it("<app>.service: a oneshot that runs the contract's compose invocation: up -d --wait, down without -v", () => {
    const s = unit(units, "remindbot.service");
    const compose =
      "/usr/bin/docker compose -f /opt/remindbot/current/docker-compose.prod.yml --env-file /opt/remindbot/current/release.env";
    expect(values(s, "Service", "Type")).to.deep.equal(["oneshot"]);
    expect(values(s, "Service", "RemainAfterExit")).to.deep.equal(["yes"]);
    expect(values(s, "Unit", "Requires")).to.deep.equal(["docker.service"]);
    expect(values(s, "Unit", "After")[0]!.split(" ")).to.include.members(["docker.service", "network-online.target"]);
    expect(values(s, "Unit", "Wants")).to.deep.equal(["network-online.target"]);
    expect(values(s, "Service", "ExecStart")).to.deep.equal([`${compose} up -d --wait`]);
    expect(values(s, "Service", "ExecStop")).to.deep.equal([`${compose} down`]);
    for (const u of units) expect(u.content, u.name).to.not.match(/^Exec.*\bdown\b.*(\s-v\b|--volumes)/m);
    expect(values(s, "Service", "WorkingDirectory")).to.deep.equal(["/opt/remindbot/current"]);
    expect(Number(values(s, "Service", "TimeoutStartSec")[0])).to.be.at.least(300);
    expect(values(s, "Install", "WantedBy")).to.deep.equal(["multi-user.target"]);
  });

  it("<app>-backup.timer: every 6 h, persistent, a small random delay, installed into timers.target", () => {
    const t = unit(units, "remindbot-backup.timer");
    expect(values(t, "Timer", "OnCalendar")).to.deep.equal(["*-*-* 00/6:00:00"]);
    expect(values(t, "Timer", "Persistent")).to.deep.equal(["true"]);
    expect(values(t, "Timer", "RandomizedDelaySec")).to.deep.equal(["5min"]);
    expect(values(t, "Timer", "Unit")).to.deep.equal(["remindbot-backup.service"]);
    expect(values(t, "Install", "WantedBy")).to.deep.equal(["timers.target"]);
  });

  it("<app>-backup.service: backup.sh of the current release, as the deploy user, with APP_DIR", () => {
    const b = unit(units, "remindbot-backup.service");
    expect(values(b, "Service", "Type")).to.deep.equal(["oneshot"]);
    expect(values(b, "Service", "User")).to.deep.equal(["deploy"]);
    expect(values(b, "Service", "Environment")).to.deep.equal([
      "APP_DIR=/opt/remindbot",
      "BACKUP_KEEP_ALL_DAYS=2 BACKUP_KEEP_DAILY=7 BACKUP_KEEP_WEEKLY=4 BACKUP_KEEP_MONTHLY=6",
    ]);
    expect(values(b, "Service", "ExecStart")).to.deep.equal(["/opt/remindbot/current/remote/bin/backup.sh"]);
    expect(values(b, "Unit", "Requires")).to.deep.equal(["docker.service"]);
  });

  it("<app>-watch: watchdog.sh of the current release every minute, as the deploy user, with the env file", () => {
    const t = unit(units, "remindbot-watch.timer");
    expect(values(t, "Timer", "OnUnitActiveSec")).to.deep.equal(["1min"]);
    expect(values(t, "Timer", "Unit")).to.deep.equal(["remindbot-watch.service"]);
    expect(values(t, "Install", "WantedBy")).to.deep.equal(["timers.target"]);
    const w = unit(units, "remindbot-watch.service");
    expect(values(w, "Service", "Type")).to.deep.equal(["oneshot"]);
    expect(values(w, "Service", "User")).to.deep.equal(["deploy"]);
    expect(values(w, "Service", "Environment")).to.deep.equal(["APP=remindbot APP_DIR=/opt/remindbot"]);
    expect(values(w, "Service", "EnvironmentFile")).to.deep.equal([
      "/opt/remindbot/shared/.env",
      "-/opt/remindbot/shared/watch.env",
    ]);
    expect(values(w, "Service", "ExecStart")).to.deep.equal(["/opt/remindbot/current/remote/bin/watchdog.sh"]);
    // the token is in the environment systemd reads from the file, never in the unit itself
    expect(w.content).to.not.match(/BOT_TOKEN=/);
  });

  it("backup frequency and retention from the targets file: every 12 h / daily; keep windows in the service", () => {
    const keep = { allDays: 1, daily: 14, weekly: 8, monthly: 12 };
    const twelve = renderUnits({ ...DEFAULTS, backupEveryHours: 12, backupKeep: keep });
    expect(values(unit(twelve, "remindbot-backup.timer"), "Timer", "OnCalendar")).to.deep.equal(["*-*-* 00/12:00:00"]);
    expect(values(unit(twelve, "remindbot-backup.timer"), "Unit", "Description")).to.deep.equal([
      "remindbot database backup every 12 hours",
    ]);
    expect(values(unit(twelve, "remindbot-backup.service"), "Service", "Environment")[1]).to.equal(
      "BACKUP_KEEP_ALL_DAYS=1 BACKUP_KEEP_DAILY=14 BACKUP_KEEP_WEEKLY=8 BACKUP_KEEP_MONTHLY=12",
    );
    const offsite = {
      recipient: "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
      destinations: ["b@far:2222:/srv/c", "far2:/c"],
    };
    const withCopies = renderUnits({ ...DEFAULTS, backupOffsite: offsite });
    expect(values(unit(withCopies, "remindbot-backup.service"), "Service", "Environment")[1]).to.equal(
      `BACKUP_KEEP_ALL_DAYS=2 BACKUP_KEEP_DAILY=7 BACKUP_KEEP_WEEKLY=4 BACKUP_KEEP_MONTHLY=6 BACKUP_OFFSITE=b@far:2222:/srv/c,far2:/c BACKUP_AGE_RECIPIENT=age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq`,
    );
    expect(() => renderUnits({ ...DEFAULTS, backupOffsite: { ...offsite, recipient: "" } })).to.throw(
      /not an age public key/,
    );
    expect(() => renderUnits({ ...DEFAULTS, backupOffsite: { ...offsite, destinations: ["h:/$HOME"] } })).to.throw(
      /is not \[user@\]host/,
    );
    const daily = renderUnits({ ...DEFAULTS, backupEveryHours: 24 });
    expect(values(unit(daily, "remindbot-backup.timer"), "Timer", "OnCalendar")).to.deep.equal(["*-*-* 00:00:00"]);
    expect(() => renderUnits({ ...DEFAULTS, backupEveryHours: 5 })).to.throw(/^backupEveryHours must be one of/);
    expect(() => renderUnits({ ...DEFAULTS, backupKeep: { ...keep, daily: 1.5 } })).to.throw(
      /BACKUP_KEEP_DAILY: not a whole number/,
    );
  });

  it("<app>-drill.timer: weekly, persistent; its service runs drill.sh of the current release as the deploy user", () => {
    const t = unit(units, "remindbot-drill.timer");
    expect(values(t, "Timer", "OnCalendar")).to.deep.equal(["Sun *-*-* 04:30:00"]);
    expect(values(t, "Timer", "Persistent")).to.deep.equal(["true"]);
    expect(values(t, "Timer", "Unit")).to.deep.equal(["remindbot-drill.service"]);
    const s = unit(units, "remindbot-drill.service");
    expect(values(s, "Service", "User")).to.deep.equal(["deploy"]);
    expect(values(s, "Service", "ExecStart")).to.deep.equal(["/opt/remindbot/current/remote/bin/drill.sh"]);
  });

  it("the timer's OnCalendar elapses at 00, 06, 12 and 18 h, the next one within 6 h (systemd-analyze calendar)", function () {
    const onCalendar = values(unit(units, "remindbot-backup.timer"), "Timer", "OnCalendar")[0]!;
    const r = spawnSync("systemd-analyze", ["calendar", "--iterations=5", onCalendar], {
      encoding: "utf8",
      env: { ...process.env, TZ: "UTC" },
    });
    if (r.error) {
      console.log("      skipped: systemd-analyze is not installed (.ci/run installs the systemd package)");
      return this.skip();
    }
    const stamps = [...r.stdout.matchAll(/(?:Next elapse|Iter\. #\d+): \w+ (\S+) (\S+) UTC/g)].map(
      (m) => new Date(`${m[1]}T${m[2]}Z`),
    );
    expect(stamps).to.have.length(5);
    for (const t of stamps) expect([0, 6, 12, 18]).to.include(t.getUTCHours());
    for (const t of stamps) expect(t.getUTCMinutes() + t.getUTCSeconds()).to.equal(0);
    const untilNext = stamps[0]!.getTime() - Date.now();
    expect(untilNext)
      .to.be.greaterThan(0)
      .and.at.most(6 * 3600_000);
  });

  it("refuses values that would break a unit file, with a one-line message naming the field", () => {
    const bad: Array<[keyof typeof DEFAULTS, string]> = [
      ["app", "Remind Bot"],
      ["app", "bot%n"],
      ["app", ""],
      ["appDir", "opt/remindbot"],
      ["appDir", "/opt/remind bot"],
      ["appDir", "/opt/remindbot/"],
      ["appDir", "/opt/../etc"],
      ["appDir", "/opt/$HOME"],
      ["appDir", "/opt/a\nExecStartPre=/bin/rm"],
      ["appDir", "/opt/%h"],
      ["deployUser", "root;rm"],
      ["deployUser", "Deploy User"],
    ];
    for (const [field, value] of bad) {
      expect(() => renderUnits({ ...DEFAULTS, [field]: value }), `${field}=${JSON.stringify(value)}`).to.throw(
        new RegExp(`^${field} must `),
      );
      expect(unitValueProblem(field, value)).to.not.include("\n");
    }
    expect(unitValueProblem("appDir", "/home/deploy/apps/remind-bot_2")).to.equal(undefined);
  });

  it("fillTemplate refuses an unknown placeholder instead of leaving it in a unit", () => {
    expect(() => fillTemplate("X={{NOPE}}", DEFAULTS)).to.throw("unknown placeholder {{NOPE}}");
    expect(fillTemplate("a={{APP}} b={{APP_DIR}} c={{DEPLOY_USER}}", DEFAULTS)).to.equal(
      "a=remindbot b=/opt/remindbot c=deploy",
    );
  });

  it("every template is in remote/systemd and uses only the known placeholders", () => {
    expect(unitTemplates().map((t) => t.name)).to.deep.equal([
      "remindbot-backup.service",
      "remindbot-backup.timer",
      "remindbot-drill.service",
      "remindbot-drill.timer",
      "remindbot-watch.service",
      "remindbot-watch.timer",
      "remindbot.service",
    ]);
  });

  describe("systemd-analyze verify", () => {
    let dir: string;
    before(async function () {
      if (spawnSync("systemd-analyze", ["--version"]).error) {
        console.log("      skipped: systemd-analyze is not installed (.ci/run installs the systemd package)");
        this.skip();
      }
      dir = await mkdtemp(join(tmpdir(), "remindbot-units-"));
    });
    after(async () => dir && rm(dir, { recursive: true, force: true }));

    it("accepts the rendered units (ExecStart paths resolved against a real release tree)", async () => {
      // The app dir is a temp dir whose `current` is this repository (a release is `git archive` of
      // it), so verify checks that backup.sh exists and is executable. The only message allowed is
      // about a program or unit this machine lacks (/usr/bin/docker, docker.service), each allowed
      // only when it is really absent here.
      const appDir = join(dir, "app");
      await symlink(REPO, appDir + "-release");
      await mkdir(appDir);
      await symlink(appDir + "-release", join(appDir, "current"));
      const rendered = renderUnits({ app: "remindbot", appDir, deployUser: "root" });
      const paths: string[] = [];
      for (const u of rendered) {
        const path = join(dir, u.name);
        await writeFile(path, u.content);
        paths.push(path);
      }
      const r = spawnSync("systemd-analyze", ["verify", ...paths], { encoding: "utf8", timeout: 30_000 });
      const allowed: RegExp[] = [];
      if (!existsSync("/usr/bin/docker")) allowed.push(/Command \/usr\/bin\/docker is not executable/);
      if (!["/lib/systemd/system/docker.service", "/etc/systemd/system/docker.service"].some(existsSync)) {
        allowed.push(/Unit docker\.service not found/);
      }
      const messages = `${r.stdout}${r.stderr}`
        .split("\n")
        .filter(Boolean)
        .filter((line) => !allowed.some((re) => re.test(line)));
      expect(messages, messages.join("\n")).to.deep.equal([]);
      if (allowed.length === 0) expect(r.status).to.equal(0);
    });

    it("reports a broken unit (so the check above can fail)", async () => {
      const broken = join(dir, "broken.service");
      await writeFile(broken, "[Service]\nType=oneshot\nExecStart=relative/path\n");
      const r = spawnSync("systemd-analyze", ["verify", broken], { encoding: "utf8", timeout: 30_000 });
      expect(`${r.stdout}${r.stderr}`).to.match(/ExecStart|absolute|not executable|Neither/i);
    });
  });
});
