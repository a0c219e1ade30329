import { expect } from "chai";
import { botImage, composeArgv, parseBackupName, remoteScript } from "./constants.js";

describe("stack: constants and names", () => {
  it("builds the contract's compose invocation and image name", () => {
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
    expect(botImage("v1.2.3")).to.equal("remindbot-bot:v1.2.3");
    expect(remoteScript("/opt/remindbot", "backup.sh")).to.equal("/opt/remindbot/current/remote/bin/backup.sh");
  });

  it("reads backup names written by backup.sh, with and without a label", () => {
    expect(parseBackupName("20260126T060102Z_v1.2.3_pre-deploy.dump")).to.deep.equal({
      createdAt: new Date("2026-01-26T06:01:02Z"),
      release: "v1.2.3",
      label: "pre-deploy",
    });
    expect(parseBackupName("20260126T000000Z_unknown.dump")).to.deep.equal({
      createdAt: new Date("2026-01-26T00:00:00Z"),
      release: "unknown",
    });
  });

  it("ignores files that are not backups, or whose stamp is not a date", () => {
    for (const name of [
      "notes.txt",
      "20260126T060102Z_v1.dump.tmp",
      "manual.dump",
      "2026-01-26_v1.dump",
      "20261340T000000Z_v1.dump",
      "20260126T060102Z_v1_Bad Label.dump",
    ]) {
      expect(parseBackupName(name), name).to.equal(undefined);
    }
  });
});
