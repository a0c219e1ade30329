/**
 * The limits hold on every path that makes a reminder active (real PostgreSQL): confirm, resume,
 * snooze of a one-shot and the snooze copy of a recurring one, under concurrent storms; paused
 * reminders count; drafts expire and are capped; a delivered message snoozes once.
 */
import { expect } from "chai";
import type { DataSource } from "typeorm";
import { migratedDatabase, type MigratedDatabase } from "../scheduler/testing/fixtures.js";
import { DRAFT_TTL_MS, MAX_ACTIVE_REMINDERS, MAX_DRAFTS } from "./limits.js";
import { createReminderService, type ReminderService } from "./reminders.js";

const DAY = 86_400_000;

describe("services/reminders: limits that hold (real PostgreSQL)", function () {
  this.timeout(30_000);
  let m: MigratedDatabase;
  let ds: DataSource;
  let svc: ReminderService;
  let nextUser = 5_000;
  let nextMessage = 1;

  before(async () => {
    m = await migratedDatabase("reminders_limits");
    ds = await m.connect(12);
    svc = createReminderService(ds);
  });
  after(async () => {
    await m?.close();
  });

  async function newUser(): Promise<number> {
    const id = nextUser++;
    await ds.query(`INSERT INTO users (id, lang, zone) VALUES ($1, 'en', 'UTC')`, [id]);
    return id;
  }

  /** `n` rows of one user in `status`, due tomorrow; returns their ids. */
  async function rows(userId: number, n: number, status: string, recurring = false): Promise<number[]> {
    const got = (await ds.query(
      `INSERT INTO reminders (user_id, chat_id, chat_type, text, zone, recurrence, status, due_at)
       SELECT $1, $1, 'private', 'r' || g, 'UTC', $4::jsonb, $2, now() + interval '1 day'
       FROM generate_series(1, $3) g RETURNING id`,
      [userId, status, n, recurring ? JSON.stringify({ kind: "daily", time: { hour: 9, minute: 0 } }) : null],
    )) as { id: string }[];
    return got.map((r) => Number(r.id));
  }

  /** A recorded delivery of `reminderId` as message `messageId` (what the snooze buttons sit under). */
  async function delivered(reminderId: number): Promise<number> {
    const messageId = nextMessage++;
    await ds.query(
      `INSERT INTO deliveries (reminder_id, due_at, sent_at, late, message_id)
       VALUES ($1, now() - interval '1 minute' * $2, now(), false, $2)`,
      [reminderId, messageId],
    );
    return messageId;
  }

  const counted = async (userId: number) =>
    Number(
      (
        (await ds.query(`SELECT count(*) AS n FROM reminders WHERE user_id = $1 AND status IN ('active', 'paused')`, [
          userId,
        ])) as { n: string }[]
      )[0]!.n,
    );

  const soon = () => new Date(Date.now() + 3600_000);

  it("a storm of snoozes of recurring reminders (each its own delivered message) stops at the limit", async () => {
    const u = await newUser();
    const series = await rows(u, MAX_ACTIVE_REMINDERS - 5, "active", true);
    const presses = await Promise.all(series.slice(0, 40).map(async (id) => ({ id, message: await delivered(id) })));
    const results = await Promise.all(presses.map((p) => svc.snooze(p.id, u, soon(), p.message)));
    expect(results.filter((r) => r.ok)).to.have.length(5);
    expect(results.filter((r) => !r.ok && r.reason === "limit")).to.have.length(35);
    expect(await counted(u)).to.equal(MAX_ACTIVE_REMINDERS);
  });

  it("the same snooze pressed 20 times at once makes one copy; later presses change nothing", async () => {
    const u = await newUser();
    const [id] = await rows(u, 1, "active", true);
    const message = await delivered(id!);
    const results = await Promise.all(Array.from({ length: 20 }, () => svc.snooze(id!, u, soon(), message)));
    expect(results.filter((r) => r.ok)).to.have.length(1);
    expect(await counted(u)).to.equal(2);
    const again = await svc.snooze(id!, u, soon(), message);
    expect(again).to.deep.equal({ ok: false, reason: "gone" });
    expect(await counted(u)).to.equal(2);
  });

  it("a snooze needs a delivery of that reminder in that message (a forged id or message does nothing)", async () => {
    const u = await newUser();
    const [a, b] = await rows(u, 2, "done");
    const messageOfA = await delivered(a!);
    expect(await svc.snooze(b!, u, soon(), messageOfA)).to.deep.equal({ ok: false, reason: "gone" });
    expect(await svc.snooze(a!, u, soon(), 999_999)).to.deep.equal({ ok: false, reason: "gone" });
    expect(await counted(u)).to.equal(0);
    const ok = await svc.snooze(a!, u, soon(), messageOfA);
    expect(ok.ok && ok.reminder.status).to.equal("active");
  });

  it("snoozing done one-shots back to active is refused at the limit; paused reminders count", async () => {
    const u = await newUser();
    await rows(u, MAX_ACTIVE_REMINDERS - 10, "active");
    await rows(u, 10, "paused");
    const done = await rows(u, 5, "done");
    const results = await Promise.all(done.map(async (id) => svc.snooze(id, u, soon(), await delivered(id))));
    expect(results.every((r) => !r.ok && r.reason === "limit")).to.equal(true);
    expect(await counted(u)).to.equal(MAX_ACTIVE_REMINDERS);
    // a paused reminder counts, so resuming it stays within the limit and is allowed
    const [paused] = (await ds.query(`SELECT id FROM reminders WHERE user_id = $1 AND status = 'paused' LIMIT 1`, [
      u,
    ])) as { id: string }[];
    const resumed = await svc.resume(Number(paused!.id), u, new Date(), (r) => r.dueAt);
    expect(resumed.ok).to.equal(true);
    expect(await counted(u)).to.equal(MAX_ACTIVE_REMINDERS);
  });

  it("confirms racing with snoozes and resumes never pass the limit", async () => {
    const u = await newUser();
    await rows(u, MAX_ACTIVE_REMINDERS - 3, "active");
    const drafts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const d = await svc.createDraft(
        {
          userId: u,
          chatId: u,
          chatType: "private",
          authorName: null,
          text: `d${i}`,
          zone: "UTC",
          recurrence: null,
          urgent: false,
          dueAt: soon(),
        },
        new Date(),
      );
      if (d.ok) drafts.push(d.reminder.id);
    }
    expect(drafts).to.have.length(6);
    const done = await rows(u, 6, "done");
    const results = await Promise.all([
      ...drafts.map((id) => svc.confirm(id, u, new Date())),
      ...done.map(async (id) => svc.snooze(id, u, soon(), await delivered(id))),
    ]);
    expect(results.filter((r) => r.ok)).to.have.length(3);
    expect(await counted(u)).to.equal(MAX_ACTIVE_REMINDERS);
  });

  it("a new draft is refused at the limit, counting paused ones", async () => {
    const u = await newUser();
    await rows(u, MAX_ACTIVE_REMINDERS, "paused");
    const d = await svc.createDraft(
      {
        userId: u,
        chatId: u,
        chatType: "private",
        authorName: null,
        text: "x",
        zone: "UTC",
        recurrence: null,
        urgent: false,
        dueAt: soon(),
      },
      new Date(),
    );
    expect(d).to.deep.equal({ ok: false, reason: "limit" });
  });

  it("drafts are capped (the oldest goes) and expire after a day", async () => {
    const u = await newUser();
    const t0 = new Date();
    const input = (i: number) => ({
      userId: u,
      chatId: u,
      chatType: "private",
      authorName: null,
      text: `draft ${i}`,
      zone: "UTC",
      recurrence: null,
      urgent: false,
      dueAt: new Date(t0.getTime() + 3 * DAY),
    });
    const ids: number[] = [];
    for (let i = 0; i < MAX_DRAFTS + 5; i++) {
      const d = await svc.createDraft(input(i), new Date(t0.getTime() + i * 1000));
      if (d.ok) ids.push(d.reminder.id);
    }
    const left = (await ds.query(`SELECT text FROM reminders WHERE user_id = $1 AND status = 'draft' ORDER BY id`, [
      u,
    ])) as { text: string }[];
    expect(left.map((r) => r.text)).to.deep.equal(Array.from({ length: MAX_DRAFTS }, (_, i) => `draft ${i + 5}`));
    // the oldest one kept still confirms within the day, but not a day after it was made
    const last = ids.at(-1)!;
    const afterTtl = new Date(t0.getTime() + (MAX_DRAFTS + 4) * 1000 + DRAFT_TTL_MS);
    expect(await svc.confirm(last, u, afterTtl)).to.deep.equal({ ok: false, reason: "gone" });
    expect(await svc.pickTime(last, u, new Date(afterTtl.getTime() + DAY), null, afterTtl)).to.deep.equal({
      ok: false,
      reason: "gone",
    });
    // the next draft after a day clears every expired one
    await svc.createDraft(input(99), afterTtl);
    const after = (await ds.query(`SELECT text FROM reminders WHERE user_id = $1 AND status = 'draft'`, [u])) as {
      text: string;
    }[];
    expect(after.map((r) => r.text)).to.deep.equal(["draft 99"]);
    expect((await svc.confirm(ids[6]!, u, new Date(t0.getTime() + 60_000))).ok).to.equal(false);
  });
});
