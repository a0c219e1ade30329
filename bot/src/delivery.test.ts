import { expect } from "chai";
import { Reminder, User } from "./db/index.js";
import { createSend, deliveryApi, outcomeOfError } from "./delivery.js";
import { startHarness, TOKEN } from "./bot-harness.test.js";
import type { Harness } from "./bot-harness.test.js";
import { createScheduler } from "./scheduler/index.js";
import type { DueReminder } from "./scheduler/index.js";

function due(over: Partial<DueReminder> = {}): DueReminder {
  return {
    id: 1,
    userId: 2001,
    chatId: 2001,
    chatType: "private",
    authorName: "A",
    text: "water <b>plants</b>",
    zone: "UTC",
    recurrence: null,
    urgent: false,
    dueAt: new Date(Date.now() - 5 * 60_000),
    attempts: 0,
    ...over,
  };
}

describe("delivery: message and Telegram errors", function () {
  this.timeout(30_000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });
  const send = () =>
    createSend(deliveryApi(TOKEN, h.api.url), {
      i18n: h.i18n,
      formatDue: h.deps.parser.formatDue,
    });

  it("sends the escaped text with a late mark and done/snooze buttons", async () => {
    const since = h.api.cursor();
    const out = await send()(due(), { late: true });
    expect(out.ok).to.equal(true);
    const call = h.api.calls({ since, method: "sendMessage" })[0]!;
    expect(call.params.parse_mode).to.equal("HTML");
    expect(String(call.params.text)).to.contain("water &lt;b&gt;plants&lt;/b&gt;").and.to.contain("late");
    const onTime = await send()(due({ id: 2 }), { late: false });
    expect(onTime.ok).to.equal(true);
    const last = h.api.calls({ method: "sendMessage" }).at(-1)!;
    expect(String(last.params.text)).to.not.contain("late");
  });

  it("writes in the language the claim read for the author, English without one", async () => {
    const since = h.api.cursor();
    expect((await send()(due(), { late: true, lang: "ru" })).ok).to.equal(true);
    expect((await send()(due({ id: 2 }), { late: true })).ok).to.equal(true);
    const [ru, en] = h.api.calls({ since, method: "sendMessage" });
    expect(String(ru!.params.text)).to.contain("с опозданием");
    expect(String(en!.params.text)).to.contain("(late:");
  });

  it("maps 403, 400 chat not found, 429 retry_after and 5xx", async () => {
    h.api.injectFault({ method: "sendMessage", status: 403, count: 1 });
    expect(await send()(due(), { late: false })).to.include({ ok: false, kind: "blocked" });
    h.api.setChatMissing(2001);
    expect(await send()(due(), { late: false })).to.include({ ok: false, kind: "chat-not-found" });
    h.api.setChatMissing(2001, false);
    h.api.injectFault({ method: "sendMessage", status: 429, retryAfter: 7, count: 1 });
    expect(await send()(due(), { late: false })).to.deep.include({
      ok: false,
      kind: "retry-later",
      retryAfterMs: 7000,
    });
    h.api.injectFault({ method: "sendMessage", status: 502, count: 1 });
    expect(await send()(due(), { late: false })).to.include({ ok: false, kind: "retry-later" });
    expect(outcomeOfError(new Error("boom"))).to.include({ ok: false, kind: "error" });
  });

  it("403 on delivery through the scheduler deactivates that user's reminders", async () => {
    await h.deps.users.ensure(2002, "en");
    const repo = h.ds.getRepository(Reminder);
    const base = {
      userId: 2002,
      chatId: 2002,
      chatType: "private",
      authorName: "B",
      zone: "UTC",
      recurrence: null,
      urgent: false,
    };
    const now = await repo.save(
      repo.create({ ...base, text: "due now", status: "active", dueAt: new Date(Date.now() - 1000) }),
    );
    const later = await repo.save(
      repo.create({ ...base, text: "later", status: "active", dueAt: new Date(Date.now() + 86_400_000) }),
    );
    h.api.injectFault({ method: "sendMessage", status: 403, chatId: 2002 });
    const scheduler = createScheduler({ dataSource: h.ds, send: send(), instanceId: "test:1", safetyPollMs: 200 });
    await scheduler.start();
    try {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (await repo.findOneByOrFail({ id: now.id })).status === "active") {
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await scheduler.stop({ graceMs: 2000 });
      h.api.clearFaults();
    }
    expect((await repo.findOneByOrFail({ id: now.id })).status).to.equal("inactive");
    expect((await repo.findOneByOrFail({ id: later.id })).status).to.equal("inactive");
    expect((await h.ds.getRepository(User).findOneByOrFail({ id: 2002 })).blocked).to.equal(true);
  });
});
