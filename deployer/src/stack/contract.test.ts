// The stack contract against what it describes: the remote scripts' --help and exit codes, their
// backup names and compose invocation, the unit templates. compose.test.ts checks the compose file.
import { expect } from "chai";
import { runFed, runScript, runSourced } from "../../../remote/bin/script-harness.js";
import { unitTemplates } from "./units.js";
import {
  APP,
  BACKUP_EXIT,
  BACKUP_LABEL_RE,
  LOCK_EXIT,
  RESTORE_EXIT,
  DRILL_EXIT,
  UNITS,
  backupNameProblem,
  botImage,
  composeArgv,
  composeFilters,
  parseBackupName,
  type ExitTable,
} from "./contract.js";

/** The codes an "Exit codes: 0 done; 1 ...; 2 usage; ..." paragraph of a --help lists. */
function helpCodes(help: string): number[] {
  const paragraph = help.slice(help.indexOf("Exit codes:")).replace(/\s+/g, " ");
  return [...paragraph.matchAll(/(?:: |; )(\d+) /g)].map((m) => Number(m[1]));
}

describe("stack: contract", () => {
  it("derives every name from the app name", () => {
    expect(APP).to.equal("remindbot");
    expect(botImage("v1.2.3")).to.equal("remindbot-bot:v1.2.3");
    expect(UNITS).to.deep.equal({
      stack: "remindbot.service",
      backup: "remindbot-backup.service",
      backupTimer: "remindbot-backup.timer",
      watch: "remindbot-watch.service",
      watchTimer: "remindbot-watch.timer",
      drill: "remindbot-drill.service",
      drillTimer: "remindbot-drill.timer",
    });
    expect(composeFilters("postgres")).to.deep.equal([
      "--filter",
      "label=com.docker.compose.project=remindbot",
      "--filter",
      "label=com.docker.compose.service=postgres",
    ]);
    expect(composeFilters()).to.have.length(2);
  });

  it("names the units the templates in remote/systemd are", () => {
    expect(unitTemplates().map((t) => t.name)).to.have.members(Object.values(UNITS));
  });

  it("builds the compose invocation the scripts build (lib.sh compose_cmd)", async () => {
    expect(composeArgv("/opt/remindbot/current", "up", "-d", "--wait")).to.deep.equal([
      "docker",
      "compose",
      "-f",
      "/opt/remindbot/current/docker-compose.prod.yml",
      "--env-file",
      "/opt/remindbot/current/release.env",
      "up",
      "-d",
      "--wait",
    ]);
    const fromLib = await runSourced("backup.sh", 'compose_cmd; printf "%s\\n" "${COMPOSE[@]}"', {
      APP_DIR: "/srv/app",
    });
    expect(fromLib.trim().split("\n")).to.deep.equal([...composeArgv("/srv/app/current")]);
  });

  for (const [script, table, run] of [
    ["backup.sh", BACKUP_EXIT, runScript],
    ["restore.sh", RESTORE_EXIT, runScript],
    ["drill.sh", DRILL_EXIT, runScript],
    ["lock.sh", LOCK_EXIT, runFed],
  ] as const) {
    it(`has a message for every failure code ${script} --help lists, and no other`, async () => {
      const r = await run(script, ["--help"], {});
      expect(r.code, r.stderr).to.equal(0);
      const listed = helpCodes(r.stdout);
      expect(listed.slice(0, 3), r.stdout).to.deep.equal([0, 1, 2]);
      const codes = Object.keys(table as ExitTable).map(Number);
      expect(
        codes.every((c) => listed.includes(c)),
        `${codes} within ${listed}`,
      ).to.equal(true);
      expect(listed.filter((c) => c >= 2 && !codes.includes(c))).to.deep.equal([]);
    });
  }

  describe("backup names", () => {
    const written = ["20260126T060102Z_v1.2.3_pre-deploy.dump", "20260126T000000Z_unknown.dump"];
    const foreign = [
      "notes.txt",
      "20260126T060102Z_v1.dump.tmp",
      "manual.dump",
      "2026-01-26_v1.dump",
      "20260126T060102Z_v1_Bad Label.dump",
      "20260126T060102Z_v1_pre.x.dump",
    ];

    it("reads names as backup.sh writes them, with and without a label", () => {
      expect(parseBackupName(written[0]!)).to.deep.equal({
        createdAt: new Date("2026-01-26T06:01:02Z"),
        release: "v1.2.3",
        label: "pre-deploy",
      });
      expect(parseBackupName(written[1]!)).to.deep.equal({
        createdAt: new Date("2026-01-26T00:00:00Z"),
        release: "unknown",
      });
    });

    it("ignores files that are not backups, or whose stamp is not a date", () => {
      for (const name of [...foreign, "20261340T000000Z_v1.dump", "20260231T000000Z_v1.dump"])
        expect(parseBackupName(name), name).to.equal(undefined);
    });

    it("agrees with backup.sh's is_backup_name on which names are backups", async () => {
      const answers = await runSourced(
        "backup.sh",
        'for n in "$@"; do if is_backup_name "$n"; then echo yes; else echo no; fi; done',
        {},
        [...written, ...foreign],
      );
      expect(answers.trim().split("\n")).to.deep.equal(
        [...written, ...foreign].map((n) => (parseBackupName(n) ? "yes" : "no")),
      );
    });

    it("addresses any one-segment *.dump in backups/, nothing that leaves it", () => {
      for (const name of [...written, "manual.dump"]) expect(backupNameProblem(name), name).to.equal(undefined);
      for (const name of ["../../etc/passwd.dump", "a/b.dump", "..dump", "-x.dump", "notes.txt"])
        expect(backupNameProblem(name), name).to.be.a("string");
    });

    it("accepts the labels backup.sh accepts", () => {
      for (const label of ["pre-deploy", "pre-v1-2-x", "x", "a".repeat(60)])
        expect(BACKUP_LABEL_RE.test(label)).to.equal(true);
      for (const label of ["-x", "", "Bad", "a b", "a".repeat(61), "v1.2"])
        expect(BACKUP_LABEL_RE.test(label)).to.equal(false);
    });
  });
});
