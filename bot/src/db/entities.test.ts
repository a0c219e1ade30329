import { expect } from "chai";
import type { DataSource } from "typeorm";
import { freshDatabase, type TestDatabase } from "../../../test/support/postgres.js";
import { int8ToNumber } from "./bigint.js";
import { createDataSource } from "./data-source.js";
import { Delivery, Reminder, User } from "./entities.js";
import { runMigrations } from "./migrator.js";

describe("db/entities", () => {
  let db: TestDatabase;
  let ds: DataSource;

  before(async () => {
    db = await freshDatabase("entities");
    ds = await createDataSource({ url: db.url, poolSize: 2 }).initialize();
    await runMigrations(ds);
  });
  after(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it("round-trips a Telegram id above 2^31 as a number", async () => {
    const bigId = 2 ** 31 + 12345; // ids above 2^31 are real: Telegram user ids passed it years ago
    const groupChat = -1_001_234_567_890;
    await ds.getRepository(User).insert({ id: bigId, lang: "ru", zone: "Europe/Moscow" });
    const user = await ds.getRepository(User).findOneByOrFail({ id: bigId });
    expect(user.id).to.equal(bigId).and.to.be.a("number");
    expect(user.blocked).to.equal(false);
    expect(user.createdAt).to.be.instanceOf(Date);

    const saved = await ds.getRepository(Reminder).save({
      userId: bigId,
      chatId: groupChat,
      chatType: "supergroup",
      authorName: "Ann",
      text: "standup",
      zone: "Europe/Moscow",
      recurrence: { kind: "daily", time: { hour: 9, minute: 0 } },
      urgent: false,
      status: "active",
      dueAt: new Date("2030-01-01T06:00:00Z"),
    });
    const reminder = await ds.getRepository(Reminder).findOneByOrFail({ id: saved.id });
    expect(reminder.id).to.be.a("number");
    expect(reminder.userId).to.equal(bigId).and.to.be.a("number");
    expect(reminder.chatId).to.equal(groupChat).and.to.be.a("number");
    expect(reminder.recurrence).to.deep.equal({ kind: "daily", time: { hour: 9, minute: 0 } });
    expect(reminder.dueAt.toISOString()).to.equal("2030-01-01T06:00:00.000Z");
    expect(reminder.attempts).to.equal(0);

    await ds.getRepository(Delivery).insert({
      reminderId: reminder.id,
      dueAt: reminder.dueAt,
      sentAt: new Date(),
      late: false,
      messageId: 2 ** 40,
    });
    const delivery = await ds.getRepository(Delivery).findOneByOrFail({ reminderId: reminder.id });
    expect(delivery.messageId).to.equal(2 ** 40);
    expect(delivery.reminderId).to.equal(reminder.id);
  });

  it("records an occurrence once (unique reminder_id, due_at)", async () => {
    const r = await ds.getRepository(Reminder).save({
      userId: 1,
      chatId: 1,
      chatType: "private",
      authorName: null,
      text: "x",
      zone: "UTC",
      recurrence: null,
      urgent: false,
      status: "done",
      dueAt: new Date("2030-01-01T00:00:00Z"),
    });
    const row = { reminderId: r.id, dueAt: r.dueAt, sentAt: new Date(), late: false, messageId: 1 };
    await ds.getRepository(Delivery).insert(row);
    let error: unknown;
    try {
      await ds.getRepository(Delivery).insert(row);
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.match(/deliveries_occurrence_uq/);
  });

  it("refuses an int8 that a JS number cannot hold exactly", () => {
    expect(int8ToNumber("9007199254740991")).to.equal(Number.MAX_SAFE_INTEGER);
    expect(() => int8ToNumber("9007199254740993")).to.throw(/does not fit/);
  });
});
