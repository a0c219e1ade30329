import { expect } from "chai";
import { DateTime } from "luxon";
import { Reminder, User } from "./db/index.js";
import { buttons, lastSent, startHarness, texts } from "./bot-harness.test.js";
import type { Harness } from "./bot-harness.test.js";
import { callbackQuery, location, message } from "@remindbot/fake-telegram";

/** Messages and button presses of a user in a private chat (chat id = user id). */
function user(h: Harness, id: number, languageCode = "ru") {
  return {
    say: (text: string) => h.send(message(id, text, { languageCode })),
    press: (messageId: number, data: string) =>
      h.send(callbackQuery(id, messageId, data, { id, first_name: "Test", language_code: languageCode })),
    shareLocation: (lat: number, lon: number) => h.send(location(id, lat, lon, { languageCode })),
  };
}

const messageId = (c: { response: { result?: unknown } } | undefined) =>
  (c?.response.result as { message_id: number }).message_id;

describe("bot: user flows through the fake Bot API", function () {
  this.timeout(30_000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  it("registers its commands in both languages", async () => {
    const { setCommands } = await import("./bot.js");
    const since = h.api.cursor();
    await setCommands(h.bot.api, h.i18n);
    const calls = h.api.calls({ since, method: "setMyCommands" });
    expect(calls).to.have.length(2);
    expect(calls[1]!.params.language_code).to.equal("ru");
    expect(JSON.stringify(calls[1]!.params.commands)).to.contain("Мои напоминания");
    expect(JSON.stringify(calls[0]!.params.commands)).to.contain("Your reminders");
  });

  it("/start in Russian: language from the client, zone by city, stored as IANA", async () => {
    const u = user(h, 1001, "ru");
    const start = await u.say("/start");
    expect(texts(start)[0]).to.contain("Выберите язык");
    const msg = lastSent(start)!;
    expect(buttons(msg).map((b) => b.callback_data)).to.deep.equal(["lang:ru:o", "lang:en:o"]);
    const chosen = await u.press(messageId(msg), "lang:ru:o");
    expect(texts(chosen).join("\n")).to.contain("часовой пояс");
    const zone = await u.say("Москва");
    expect(texts(zone).join("\n")).to.contain("Europe/Moscow");
    const row = await h.ds.getRepository(User).findOneByOrFail({ id: 1001 });
    expect(row).to.include({ lang: "ru", zone: "Europe/Moscow" });
    expect(typeof row.id).to.equal("number");
  });

  it("/start in English, zone by shared location and by UTC offset", async () => {
    const u = user(h, 1002, "en-US");
    const start = await u.say("/start");
    expect(texts(start)[0]).to.contain("Choose your language");
    await u.press(messageId(lastSent(start)), "lang:en:o");
    const loc = await u.shareLocation(52.52, 13.405);
    expect(texts(loc).join("\n")).to.contain("Europe/Berlin");
    expect((await h.ds.getRepository(User).findOneByOrFail({ id: 1002 })).zone).to.equal("Europe/Berlin");

    const u3 = user(h, 1003, "en");
    await u3.say("/start");
    await u3.say("UTC+5");
    const row = await h.ds.getRepository(User).findOneByOrFail({ id: 1003 });
    expect(row.zone).to.equal("Etc/GMT-5");
    expect(row.lang).to.equal("en");
    const unknown = await user(h, 1004, "en").say("Atlantis-on-Mars");
    expect(texts(unknown)[0]).to.contain("do not know");
  });

  it("creates 'завтра в 9 позвонить маме' as a draft, confirmed into an active row at 09:00 Moscow", async () => {
    const u = user(h, 1001, "ru");
    const before = DateTime.now().setZone("Europe/Moscow");
    const calls = await u.say("завтра в 9 позвонить маме");
    const draft = lastSent(calls)!;
    const tomorrow9 = before.plus({ days: 1 }).set({ hour: 9, minute: 0, second: 0, millisecond: 0 }).toJSDate();
    const shown = h.deps.parser.formatDue(tomorrow9, "Europe/Moscow", "ru", new Date());
    expect(String(draft.params.text)).to.contain("позвонить маме").and.to.contain(shown);
    const data = buttons(draft).map((b) => b.callback_data);
    expect(data).to.have.length(3);
    const rows = await h.ds.getRepository(Reminder).findBy({ userId: 1001 });
    expect(rows).to.have.length(1);
    expect(rows[0]!.status).to.equal("draft");
    const confirmed = await u.press(messageId(draft), data[0]!);
    expect(texts(confirmed).join("\n")).to.contain("Сохранено");
    const row = await h.ds.getRepository(Reminder).findOneByOrFail({ id: rows[0]!.id });
    expect(row.status).to.equal("active");
    expect(row.text).to.equal("позвонить маме");
    expect(row.chatId).to.equal(1001);
    const expected = before.plus({ days: 1 }).set({ hour: 9, minute: 0, second: 0, millisecond: 0 });
    expect(row.dueAt.toISOString()).to.equal(expected.toJSDate().toISOString());
    // pressing confirm again changes nothing and says the button expired
    const again = await u.press(messageId(draft), data[0]!);
    const answer = again.find((c) => c.method === "answerCallbackQuery");
    expect(String(answer?.params.text)).to.contain("устарела");
  });

  it("asks for a time when only a day is given, with buttons; never guesses noon", async () => {
    const u = user(h, 1001, "ru");
    const calls = await u.say("завтра купить хлеб");
    const ask = lastSent(calls)!;
    expect(String(ask.params.text)).to.contain("Во сколько");
    const picks = buttons(ask).filter((b) => b.callback_data?.startsWith("at:"));
    expect(picks.length).to.be.greaterThan(0);
    const picked = await u.press(messageId(ask), picks[0]!.callback_data!);
    const row = await h.ds.getRepository(Reminder).findOneByOrFail({ userId: 1001, text: "купить хлеб" });
    const shown = h.deps.parser.formatDue(row.dueAt, "Europe/Moscow", "ru", new Date());
    expect(texts(picked).join("\n")).to.contain("купить хлеб").and.to.contain(shown);
    expect(DateTime.fromJSDate(row.dueAt, { zone: "Europe/Moscow" }).hour).to.equal(9);
  });

  it("refuses a time in the past with an explanation and stores nothing", async () => {
    const u = user(h, 1002, "en");
    const count = await h.ds.getRepository(Reminder).countBy({ userId: 1002 });
    const past = DateTime.now().setZone("Europe/Berlin").minus({ days: 3 });
    const calls = await u.say(`on ${past.toFormat("d LLLL yyyy")} at 10:00 pay rent`);
    expect(texts(calls)[0]).to.match(/already passed|could not find/);
    expect(await h.ds.getRepository(Reminder).countBy({ userId: 1002 })).to.equal(count);
  });

  it("refuses text over 1000 characters, and the 101st active reminder", async () => {
    const u = user(h, 1003, "en");
    const long = await u.say(`in 20 minutes ${"x".repeat(1001)}`);
    expect(texts(long)[0]).to.contain("at most 1000");
    expect(await h.ds.getRepository(Reminder).countBy({ userId: 1003 })).to.equal(0);

    const repo = h.ds.getRepository(Reminder);
    const due = new Date(Date.now() + 86_400_000);
    await repo.save(
      Array.from({ length: 100 }, (_, i) =>
        repo.create({
          userId: 1003,
          chatId: 1003,
          chatType: "private",
          authorName: "T",
          text: `r${i}`,
          zone: "Etc/GMT-5",
          recurrence: null,
          urgent: false,
          status: "active",
          dueAt: due,
        }),
      ),
    );
    const refused = await u.say("in 20 minutes one more");
    expect(texts(refused)[0]).to.contain("100 active reminders");
    expect(await repo.countBy({ userId: 1003 })).to.equal(100);
  });

  it("/list pages 5 at a time with delete, pause and resume", async () => {
    const u = user(h, 1003, "en");
    const first = lastSent(await u.say("/list"))!;
    expect(String(first.params.text)).to.contain("page 1 of 20");
    const data = buttons(first).map((b) => b.callback_data!);
    expect(data.filter((d) => d.startsWith("ld:"))).to.have.length(5);
    expect(data).to.include("l:1:1003");
    const page2 = await u.press(messageId(first), "l:1:1003");
    expect(texts(page2)[0]).to.contain("page 2 of 20");

    const repo = h.ds.getRepository(Reminder);
    const [victim, paused] = await repo.find({
      where: { userId: 1003, status: "active" },
      order: { id: "ASC" },
      take: 2,
    });
    await u.press(messageId(first), `ld:${victim!.id}:0`);
    expect((await repo.findOneByOrFail({ id: victim!.id })).status).to.equal("cancelled");
    await u.press(messageId(first), `lp:${paused!.id}:0`);
    expect((await repo.findOneByOrFail({ id: paused!.id })).status).to.equal("paused");
    const list = lastSent(await u.say("/list"))!;
    expect(buttons(list).map((b) => b.callback_data)).to.include(`lr:${paused!.id}:0`);
    await u.press(messageId(list), `lr:${paused!.id}:0`);
    expect((await repo.findOneByOrFail({ id: paused!.id })).status).to.equal("active");
    // someone else's reminder: not theirs, nothing changes
    const other = await user(h, 1002, "en").press(messageId(list), `ld:${paused!.id}:0`);
    expect(String(other.find((c) => c.method === "answerCallbackQuery")?.params.text)).to.match(/not your/i);
    expect((await repo.findOneByOrFail({ id: paused!.id })).status).to.equal("active");
  });

  it("answers garbage and forged callbacks with 'expired' and changes nothing", async () => {
    const before = await h.ds.query("SELECT md5(string_agg(r::text, ',' ORDER BY id)) AS h FROM reminders r");
    for (const data of ["", "garbage", "ok:99999999", "d:1:2", "s:1:99", "q:5:5", "ld:abc:0"]) {
      const calls = await user(h, 1001, "ru").press(1, data);
      expect(String(calls.find((c) => c.method === "answerCallbackQuery")?.params.text), data).to.contain("устарела");
    }
    const after = await h.ds.query("SELECT md5(string_agg(r::text, ',' ORDER BY id)) AS h FROM reminders r");
    expect(after).to.deep.equal(before);
  });

  it("delivered buttons: snooze 10 min moves due_at 10 min ahead, done acknowledges", async () => {
    const repo = h.ds.getRepository(Reminder);
    const r = await repo.save(
      repo.create({
        userId: 1001,
        chatId: 1001,
        chatType: "private",
        authorName: "T",
        text: "чай",
        zone: "Europe/Moscow",
        recurrence: null,
        urgent: false,
        status: "done",
        dueAt: new Date(Date.now() - 1000),
      }),
    );
    // the buttons sit under a delivered message: its delivery is recorded with that message id
    await h.ds.query(
      `INSERT INTO deliveries (reminder_id, due_at, sent_at, late, message_id) VALUES ($1, $2, now(), false, 500)`,
      [r.id, r.dueAt],
    );
    const u = user(h, 1001, "ru");
    const t0 = Date.now();
    await u.press(500, `s:${r.id}:10m`);
    const t1 = Date.now();
    const row = await repo.findOneByOrFail({ id: r.id });
    expect(row.status).to.equal("active");
    expect(row.dueAt.getTime()).to.be.within(t0 + 600_000 - 1000, t1 + 600_000 + 1000);
    // the second press of a snooze under the same message is a no-op
    const snapshot = () => h.ds.query("SELECT md5(string_agg(r::text, ',' ORDER BY id)) AS h FROM reminders r");
    const before = await snapshot();
    const second = await u.press(500, `s:${r.id}:1h`);
    expect(String(second.find((c) => c.method === "answerCallbackQuery")?.params.text)).to.contain("устарела");
    expect(await snapshot()).to.deep.equal(before);
    const done = await u.press(500, `d:${r.id}`);
    expect(String(done.find((c) => c.method === "answerCallbackQuery")?.params.text)).to.contain("Готово");
  });

  it("/list in a group: only the asker's reminders of that group; other members cannot turn or press it", async () => {
    const group = -5151;
    const repo = h.ds.getRepository(Reminder);
    const make = (userId: number, chatId: number, text: string) =>
      repo.create({
        userId,
        chatId,
        chatType: chatId < 0 ? "group" : "private",
        authorName: "T",
        text,
        zone: "Europe/Moscow",
        recurrence: null,
        urgent: false,
        status: "active",
        dueAt: new Date(Date.now() + 86_400_000),
      });
    await repo.save([
      make(1001, 1001, "private secret of Anya"),
      make(1001, -9999, "another group of Anya"),
      ...Array.from({ length: 7 }, (_, i) => make(1001, group, `team item ${i}`)),
      make(1002, group, "Bob's team item"),
    ]);
    const anya = { id: 1001, first_name: "Аня" };
    const listed = lastSent(await h.send(message(group, "/list", { from: anya, chatType: "group" })))!;
    const text = String(listed.params.text);
    expect(listed.params.chat_id).to.equal(group);
    expect(text).to.contain("team item 0").and.not.contain("secret").and.not.contain("another group");
    expect(text).to.not.contain("Bob");
    const data = buttons(listed).map((b) => b.callback_data!);
    const next = data.find((d) => d.startsWith("l:1"))!;
    expect(next).to.equal("l:1:1001");

    // Bob presses Anya's page and item buttons: refused, nothing of his is shown, nothing changes
    const bob = { id: 1002, first_name: "Bob" };
    const since = h.api.cursor();
    for (const d of [next, "l:1", data.find((x) => x.startsWith("ld:"))!]) {
      const calls = await h.send(callbackQuery(group, messageId(listed), d, bob));
      const answer = calls.find((c) => c.method === "answerCallbackQuery");
      expect(String(answer?.params.text), d).to.match(/not your|не ваше/i);
    }
    expect(h.api.calls({ since, method: "editMessageText" })).to.have.length(0);
    expect(h.api.calls({ since, method: "sendMessage" })).to.have.length(0);
    expect(await repo.countBy({ chatId: group, status: "active" })).to.equal(8);
    // a page button forged to name Bob shows only what Bob has in this group, as his own /list would
    const forged = await h.send(callbackQuery(group, messageId(listed), "l:0:1002", bob));
    const shown = String(forged.find((c) => c.method === "editMessageText")?.params.text);
    expect(shown).to.contain("Bob's team item").and.not.contain("team item 0").and.not.contain("secret");

    // Anya turns her own page
    const page2 = await h.send(callbackQuery(group, messageId(listed), next, anya));
    const edited = page2.find((c) => c.method === "editMessageText");
    expect(String(edited?.params.text)).to.contain("team item 5").and.not.contain("secret");
    // an item of another chat cannot be acted on from the group
    const secret = await repo.findOneByOrFail({ text: "private secret of Anya" });
    const foreign = await h.send(callbackQuery(group, messageId(listed), `lp:${secret.id}:0`, anya));
    expect(String(foreign.find((c) => c.method === "answerCallbackQuery")?.params.text)).to.match(/not your|не ваше/i);
    expect((await repo.findOneByOrFail({ id: secret.id })).status).to.equal("active");
  });

  it("a reminder made in a group is delivered there with a mention of its author", async () => {
    const group = -4242;
    const calls = await h.send(
      message(group, "/remind через 2 часа выпить воды", { from: { id: 1001, first_name: "Аня" }, chatType: "group" }),
    );
    const draft = lastSent(calls)!;
    expect(draft.params.chat_id).to.equal(group);
    const ok = buttons(draft)[0]!.callback_data!;
    // another member cannot confirm it
    const foreign = await h.send(callbackQuery(group, messageId(draft), ok, { id: 1002, first_name: "B" }));
    expect(String(foreign.find((c) => c.method === "answerCallbackQuery")?.params.text)).to.match(/not your|не ваше/i);
    await h.send(callbackQuery(group, messageId(draft), ok, { id: 1001, first_name: "Аня" }));
    const row = await h.ds.getRepository(Reminder).findOneByOrFail({ chatId: group });
    expect(row).to.include({ status: "active", userId: 1001, chatType: "group", authorName: "Аня" });

    const { createSend, deliveryApi } = await import("./delivery.js");
    const send = createSend(deliveryApi("123:test", h.api.url), {
      i18n: h.i18n,
      formatDue: h.deps.parser.formatDue,
    });
    const since = h.api.cursor();
    const outcome = await send({ ...row, attempts: 0 }, { late: false, lang: "ru" });
    expect(outcome.ok).to.equal(true);
    const sent = h.api.calls({ since, method: "sendMessage" })[0]!;
    expect(sent.params.chat_id).to.equal(group);
    expect(String(sent.params.text)).to.contain('href="tg://user?id=1001"').and.to.contain("выпить воды");
    expect(buttons(sent).map((b) => b.callback_data)).to.include(`s:${row.id}:10m`);
  });
});
