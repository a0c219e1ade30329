import { expect } from "chai";
import { layout } from "./layout.js";
import { describeWatch, parseReport, readReport } from "./watch.js";

// As remote/bin/watchdog.sh writes it (watchdog.test.ts reads the same file).
const REPORT = JSON.stringify({
  at: "2027-03-01T12:00:00Z",
  alerts: true,
  incidents: [
    {
      key: "bot_down",
      level: "critical",
      since: "2027-03-01T11:58:00Z",
      alerted: true,
      text: "the bot is not running: its container is exited (exit code 137)",
      look: "docker logs --tail 100 remindbot-bot-1",
    },
  ],
  lastAlert: {
    at: "2027-03-01T11:59:00Z",
    kind: "open",
    key: "bot_down",
    text: "🔴 Critical, remindbot vds: the bot is not running\nSince ...",
  },
  lastDeploy: null,
  disk: [],
  backup: { newest: null, newestAt: null, lastRun: null, drill: null },
});

describe("commands: the watchdog's report", () => {
  it("reads watch/status.json of the app dir", () => {
    expect(readReport(layout("/opt/remindbot"))).to.deep.equal(["cat", "--", "/opt/remindbot/watch/status.json"]);
  });

  it("shows the open incidents and the last alert's first line", () => {
    const w = parseReport(REPORT);
    expect(describeWatch(w)).to.deep.equal([
      "watchdog: last ran 2027-03-01T12:00:00Z; alerts on",
      "open incidents: 1",
      "  critical since 2027-03-01T11:58:00Z: the bot is not running: its container is exited (exit code 137)",
      "last alert: 2027-03-01T11:59:00Z (open) 🔴 Critical, remindbot vds: the bot is not running",
    ]);
  });

  it("says when alerts are off, when nothing is open, and when there is no report", () => {
    const quiet = parseReport(JSON.stringify({ at: "t", alerts: false, incidents: [], lastAlert: null }));
    expect(describeWatch(quiet)).to.deep.equal([
      "watchdog: last ran t; alerts off (no ADMIN_CHAT_IDS in the env)",
      "open incidents: none",
      "last alert: none",
    ]);
    expect(parseReport("")).to.equal(undefined);
    expect(parseReport('{"at":"t"}')).to.equal(undefined);
    expect(describeWatch(undefined)[0]).to.match(/^watchdog: no report/);
  });
});
