import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { message } from "@remindbot/fake-telegram";
import { Reminder } from "../db/index.js";
import { startHarness, texts } from "../bot-harness.test.js";
import type { Harness } from "../bot-harness.test.js";

const ADMIN = 9001;
const NOW = new Date("2027-03-01T12:00:00Z");

describe("bot: /status for the owner's chats only", function () {
  this.timeout(30_000);
  let h: Harness;
  const dir = mkdtempSync(join(tmpdir(), "status-feature-"));
  const reportFile = join(dir, "status.json");

  before(async () => {
    h = await startHarness({
      status: {
        adminChatIds: [ADMIN],
        release: "v7",
        startedAt: NOW.getTime() - 3 * 3600_000 - 5 * 60_000,
        now: () => NOW,
        dueBetween: (from, to) => h.deps.reminders.dueBetween(from, to),
        reportFile,
      },
    });
    const repo = h.ds.getRepository(Reminder);
    const due = (min: number) =>
      repo.create({
        userId: 1,
        chatId: 1,
        chatType: "private",
        authorName: null,
        text: `r${min}`,
        zone: "UTC",
        recurrence: null,
        urgent: false,
        status: "active",
        dueAt: new Date(NOW.getTime() + min * 60_000),
      });
    await h.ds.query("INSERT INTO users (id, lang) VALUES (1, 'en') ON CONFLICT DO NOTHING");
    await repo.save([due(5), due(59), due(61), due(-5)]);
  });
  after(async () => {
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers the admin chat with release, uptime, deploy, backups, disk, reminders due and incidents", async () => {
    writeFileSync(
      reportFile,
      JSON.stringify({
        at: "2027-03-01T11:59:30Z",
        alerts: true,
        incidents: [
          {
            key: "disk:/",
            level: "warning",
            since: "2027-03-01T11:30:00Z",
            alerted: true,
            text: "disk / has 900 MiB free",
          },
        ],
        lastAlert: null,
        lastDeploy: { at: "2027-03-01T09:00:00.000Z", action: "deploy", tag: "v7", result: "ok" },
        disk: [{ path: "/opt/remindbot", mount: "/", freeMb: 900, totalMb: 20000 }],
        backup: {
          newest: "20270301T060000Z_v7.dump",
          newestAt: "2027-03-01T06:00:00Z",
          lastRun: { result: "success", exitStatus: 0, at: "2027-03-01T06:00:05Z" },
          drill: null,
        },
      }),
    );
    const [answer] = texts(await h.send(message(ADMIN, "/status", { languageCode: "en" })));
    expect(answer!.split("\n")).to.deep.equal([
      "Status",
      "Release v7, up 3 h 5 min",
      "Reminders due within the hour: 2",
      "Last deploy: deploy v7 ok, 2027-03-01 09:00:00 UTC (3 h 0 min)",
      "Newest backup: 20270301T060000Z_v7.dump, 2027-03-01 06:00:00 UTC (6 h 0 min); last scheduled run: success, 2027-03-01 06:00:05 UTC (5 h 59 min)",
      "Last restore drill: —",
      "Disk free: / 900 MiB / 20000 MiB",
      "Open incidents: 1",
      "• warning: disk / has 900 MiB free (2027-03-01 11:30:00 UTC (30 min))",
    ]);
  });

  it("says so when the watchdog left no report, in the owner's language", async () => {
    rmSync(reportFile, { force: true });
    await h.ds.query("UPDATE users SET lang = 'ru' WHERE id = $1", [ADMIN]);
    const [answer] = texts(await h.send(message(ADMIN, "/status", { languageCode: "ru" })));
    expect(answer).to.contain("Версия v7");
    expect(answer).to.contain("Нет отчёта сторожа сервера");
  });

  it("any other chat gets what an unknown command gets: nothing that tells /status exists", async () => {
    const other = 9002;
    const status = texts(await h.send(message(other, "/status", { languageCode: "en" })));
    const unknown = texts(await h.send(message(other, "/nosuchcommand", { languageCode: "en" })));
    expect(status).to.deep.equal(unknown);
    expect(status.join("\n")).to.not.match(/Status|Release|incident/);
  });
});
