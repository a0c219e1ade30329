import { expect } from "chai";
import type { DataSource } from "typeorm";
import { nextOccurrence } from "../parse/recurrence.js";
import { createScheduler, type Scheduler, type SchedulerOptions } from "./scheduler.js";
import { count, insertReminders, migratedDatabase, until, type MigratedDatabase } from "./testing/fixtures.js";
import { ManualClock, pass, passUntil } from "./testing/manual-clock.js";
import type { DueReminder, Send, SendOutcome } from "./types.js";

/*
 * Every scheduler runs on a manual clock: its timers, leases, holds and pauses move only when a
 * test lets clock time pass (`pass`, `passUntil`), and only while none of its queries or sends is
 * in flight, so nothing here sleeps for the durations under test and times measured by the clock
 * are exact; only database round trips take real time (`until` polls for those).
 */

interface Call {
  reminder: DueReminder;
  late: boolean;
  lang: string | undefined;
  at: number;
  by: string;
}

describe("scheduler", function () {
  this.timeout(30_000);
  let m: MigratedDatabase;
  let running: Scheduler[] = [];
  let calls: Call[] = [];
  let clock: ManualClock;
  /** The schedulers' queries and sends in flight. */
  let busy = 0;
  const quiet = () => busy === 0;
  const ago = (ms: number) => new Date(clock.now() - ms);
  const fromNow = (ms: number) => new Date(clock.now() + ms);
  const letPass = (ms: number) => pass(clock, ms, { quiet });
  const passUntilTrue = (pred: () => boolean | Promise<boolean>, maxMs: number) =>
    passUntil(clock, pred, maxMs, { quiet });

  async function tracked<T>(work: () => Promise<T>): Promise<T> {
    busy++;
    try {
      return await work();
    } finally {
      busy--;
    }
  }

  /** The DataSource for a scheduler (like a process of its own), its queries counted in `busy`. */
  async function connect(): Promise<DataSource> {
    const ds = await m.connect();
    const query = ds.query.bind(ds);
    ds.query = ((...args: Parameters<DataSource["query"]>) => tracked(() => query(...args))) as DataSource["query"];
    return ds;
  }

  /** A send that records every call and answers with `answer` (ok by default). */
  function recordingSend(by: string, answer?: (r: DueReminder, n: number) => SendOutcome | Promise<SendOutcome>): Send {
    return (reminder, { late, lang }) =>
      tracked(async () => {
        calls.push({ reminder, late, lang, at: clock.now(), by });
        await new Promise((r) => setImmediate(r)); // a send is never synchronous
        return answer
          ? answer(reminder, calls.filter((c) => c.reminder.id === reminder.id).length)
          : { ok: true, messageId: calls.length };
      });
  }

  async function start(ds: DataSource, o: Partial<SchedulerOptions> & { send: Send }): Promise<Scheduler> {
    const s = createScheduler({
      dataSource: ds,
      instanceId: `test-${running.length}`,
      leaseMs: 10_000,
      batchSize: 50,
      concurrency: 8,
      safetyPollMs: 60_000,
      clock,
      ...o,
    });
    running.push(s);
    await s.start();
    return s;
  }

  const delivered = (reminderId?: number) =>
    count(
      m.ds,
      `SELECT 1 FROM deliveries${reminderId === undefined ? "" : " WHERE reminder_id = $1"}`,
      reminderId === undefined ? [] : [reminderId],
    );
  const reminder = async (id: number) =>
    (
      (await m.ds.query(`SELECT status, due_at, attempts, last_error, claimed_by FROM reminders WHERE id = $1`, [
        id,
      ])) as {
        status: string;
        due_at: Date;
        attempts: number;
        last_error: string | null;
        claimed_by: string | null;
      }[]
    )[0]!;

  beforeEach(async () => {
    m = await migratedDatabase("scheduler");
    calls = [];
    busy = 0;
    clock = new ManualClock();
  });
  afterEach(async () => {
    let stopped = false;
    const stopping = Promise.all(running.map((s) => s.stop({ graceMs: 2_000 }))).then(() => (stopped = true));
    await passUntil(clock, () => stopped, 3_000); // the grace period runs on the clock too
    await stopping;
    running = [];
    await m.close();
  });

  it("two instances deliver 1,000 due reminders, none twice", async () => {
    const ids = await insertReminders(
      m.ds,
      Array.from({ length: 1000 }, (_, i) => ({ chatId: 1000 + (i % 100), dueAt: ago(1_000 + i) })),
    );
    const [a, b] = await Promise.all([connect(), connect()]);
    await Promise.all([start(a, { send: recordingSend("a") }), start(b, { send: recordingSend("b") })]);

    expect(await passUntilTrue(async () => (await delivered()) === 1000, 20_000)).to.equal(true);
    const sentIds = calls.map((c) => c.reminder.id);
    expect(sentIds).to.have.length(1000);
    expect(new Set(sentIds).size).to.equal(1000);
    expect([...new Set(sentIds)].sort((x, y) => x - y)).to.deep.equal(ids);
    expect(calls.filter((c) => c.by === "a").length, "instance a took a share").to.be.greaterThan(0);
    expect(calls.filter((c) => c.by === "b").length, "instance b took a share").to.be.greaterThan(0);
    expect(await count(m.ds, `SELECT 1 FROM reminders WHERE status = 'done' AND claimed_by IS NULL`)).to.equal(1000);
  });

  it("takes over a dead sender's rows once their lease has ended, not before", async () => {
    const [dead, free] = await insertReminders(m.ds, [
      { chatId: 1, dueAt: ago(5_000) },
      { chatId: 2, dueAt: ago(5_000) },
    ]);
    // A sender claimed this row, then died before sending or marking it.
    const leaseEnd = clock.now() + 1_500;
    await m.ds.query(`UPDATE reminders SET claimed_by = 'dead', claimed_until = $2 WHERE id = $1`, [
      dead,
      new Date(leaseEnd),
    ]);
    const s = await start(await connect(), { send: recordingSend("live"), safetyPollMs: 60_000 });

    expect(await until(async () => (await delivered(free)) === 1, 5_000)).to.equal(true);
    // Claims made while the lease holds (woken by hand, as the bot does after creating a row) skip it.
    for (const at of [leaseEnd - 500, leaseEnd - 1]) {
      await letPass(at - clock.now());
      const queries = s.stats().queries;
      s.wake();
      // The claim came back and the next wake was asked for.
      expect(await until(() => s.stats().queries >= queries + 2 && quiet(), 5_000)).to.equal(true);
    }
    expect(
      calls.map((c) => c.reminder.id),
      "the leased row is left alone while its lease holds",
    ).to.deep.equal([free]);
    expect(
      await passUntilTrue(async () => (await delivered(dead)) === 1, 10_000),
      "taken over after the lease",
    ).to.equal(true);
    expect(calls.map((c) => c.reminder.id)).to.deep.equal([free, dead]);
    expect(calls[1]!.at, "not before the lease ended").to.be.above(leaseEnd);
    expect(calls[1]!.at - leaseEnd, "soon after it").to.be.below(100);
    expect(s.stats().notifications, "woken by its timer at the lease's end, not by a notification").to.equal(0);
  });

  it("catches up after downtime: a one-shot once and late, a recurring one once and then in the future", async () => {
    const daily = { kind: "daily", time: { hour: 9, minute: 0 } } as const;
    const missedSince = ago(3 * 86_400_000 + 3_600_000);
    const [oneShot, recurring, onTime] = await insertReminders(m.ds, [
      { chatId: 1, dueAt: ago(2 * 3_600_000) },
      {
        chatId: 2,
        dueAt: nextOccurrence(daily, missedSince, "Europe/Berlin"),
        recurrence: daily,
        zone: "Europe/Berlin",
      },
      { chatId: 3, dueAt: ago(2_000) },
    ]);
    const before = clock.now();
    await start(await connect(), { send: recordingSend("s") });

    expect(await until(async () => (await delivered()) === 3, 10_000)).to.equal(true);
    await letPass(5_000); // would a second delivery follow? (it must not)
    expect(calls.map((c) => c.reminder.id).sort()).to.deep.equal([oneShot, recurring, onTime].sort());
    expect(calls.find((c) => c.reminder.id === oneShot)?.late).to.equal(true);
    expect(calls.find((c) => c.reminder.id === onTime)?.late).to.equal(false);

    const lateness = (await m.ds.query(`SELECT reminder_id, late FROM deliveries ORDER BY reminder_id`)) as {
      reminder_id: string;
      late: boolean;
    }[];
    expect(lateness.map((d) => [Number(d.reminder_id), d.late])).to.deep.equal([
      [oneShot, true],
      [recurring, true],
      [onTime, false],
    ]);
    expect((await reminder(oneShot!)).status).to.equal("done");
    const moved = await reminder(recurring!);
    expect(moved.status).to.equal("active");
    expect(moved.due_at.getTime(), "next occurrence is in the future").to.be.greaterThan(before);
    expect(moved.due_at.getTime()).to.equal(nextOccurrence(daily, new Date(before), "Europe/Berlin").getTime());
    expect(moved.claimed_by).to.equal(null);
  });

  it("hands send the author's language read with the claim (none when their row is gone)", async () => {
    await m.ds.query(`INSERT INTO users (id, lang, zone) VALUES (11, 'ru', 'UTC'), (12, 'en', 'UTC')`);
    const [ru, en, gone] = await insertReminders(m.ds, [
      { chatId: 11, dueAt: ago(1_000) },
      { chatId: 12, dueAt: ago(1_000) },
      { chatId: 13, dueAt: ago(1_000) },
    ]);
    await start(await connect(), { send: recordingSend("s") });
    expect(await until(async () => (await delivered()) === 3, 10_000)).to.equal(true);
    const langOf = (id: number | undefined) => calls.find((c) => c.reminder.id === id)?.lang;
    expect([langOf(ru), langOf(en), langOf(gone)]).to.deep.equal(["ru", "en", undefined]);
  });

  it("wakes on NOTIFY for a reminder due before its timer (safety poll 60 s)", async () => {
    await insertReminders(m.ds, [{ chatId: 1, dueAt: fromNow(3_600_000) }]);
    const s = await start(await connect(), { send: recordingSend("s"), safetyPollMs: 60_000 });
    const hourAhead = clock.now() + 3_600_000;
    const armedForTheHour = () => clock.pending().some((at) => Math.abs(at - hourAhead) < 10);
    // Settled: the claims on start and on LISTEN's connect, each followed by its next-wake query.
    expect(await until(() => s.stats().queries === 4 && quiet(), 5_000)).to.equal(true);
    expect(armedForTheHour(), "the timer is armed for an hour ahead").to.equal(true);
    const queriesBefore = s.stats().queries;
    const [soon] = await insertReminders(m.ds, [{ chatId: 2, dueAt: fromNow(300) }]);
    expect(await until(() => s.stats().notifications > 0, 5_000)).to.equal(true);

    expect(await passUntilTrue(async () => (await delivered(soon)) === 1, 5_000)).to.equal(true);
    expect(calls.map((c) => c.reminder.id)).to.deep.equal([soon]);
    expect(s.stats().queries - queriesBefore, "a few queries, not a polling loop").to.be.below(10);
  });

  it("403 deactivates everything for that chat and marks the user blocked; other chats go on", async () => {
    await m.ds.query(`INSERT INTO users (id, lang) VALUES (42, 'en'), (43, 'en')`);
    const [first, second, later, other] = await insertReminders(m.ds, [
      { chatId: 42, dueAt: ago(1_000) },
      { chatId: 42, dueAt: ago(500) },
      { chatId: 42, dueAt: fromNow(86_400_000) },
      { chatId: 43, dueAt: ago(1_000) },
    ]);
    await start(await connect(), {
      concurrency: 1,
      send: recordingSend("s", (r) =>
        r.chatId === 42
          ? { ok: false, kind: "blocked", message: "Forbidden: bot was blocked by the user" }
          : { ok: true, messageId: 1 },
      ),
    });

    expect(await until(async () => (await reminder(later!)).status === "inactive", 5_000)).to.equal(true);
    expect(await until(async () => (await delivered(other)) === 1, 5_000)).to.equal(true);
    for (const id of [first!, second!, later!])
      expect((await reminder(id)).status, `reminder ${id}`).to.equal("inactive");
    expect((await reminder(other!)).status).to.equal("done");
    const users = (await m.ds.query(`SELECT id, blocked FROM users ORDER BY id`)) as { id: string; blocked: boolean }[];
    expect(users.map((u) => [Number(u.id), u.blocked])).to.deep.equal([
      [42, true],
      [43, false],
    ]);
    expect(
      await count(m.ds, `SELECT 1 FROM deliveries WHERE reminder_id IN ($1, $2, $3)`, [first, second, later]),
    ).to.equal(0);
  });

  it("chat not found marks the reminder failed with the error, records no delivery", async () => {
    const [gone] = await insertReminders(m.ds, [{ chatId: -100, chatType: "group", dueAt: ago(1_000) }]);
    await start(await connect(), {
      send: recordingSend("s", () => ({ ok: false, kind: "chat-not-found", message: "Bad Request: chat not found" })),
    });
    expect(await until(async () => (await reminder(gone!)).status === "failed", 5_000)).to.equal(true);
    expect((await reminder(gone!)).last_error).to.equal("Bad Request: chat not found");
    expect(await delivered(gone)).to.equal(0);
    expect(calls).to.have.length(1);
  });

  it("429: keeps the due time, sends again no sooner than retry_after, then delivers", async () => {
    const [id, other] = await insertReminders(m.ds, [
      { chatId: 5, dueAt: ago(1_000) },
      { chatId: 6, dueAt: fromNow(500) },
    ]);
    const dueBefore = (await reminder(id!)).due_at.getTime();
    await start(await connect(), {
      send: recordingSend("s", (r, n) =>
        r.id === id && n === 1
          ? { ok: false, kind: "retry-later", retryAfterMs: 1_500, message: "Too Many Requests: retry after 2" }
          : { ok: true, messageId: 9 },
      ),
    });
    expect(await until(() => calls.length === 1, 5_000)).to.equal(true);
    await letPass(1_499);
    expect(calls, "nothing sent before retry_after: not the retry, not another chat's reminder").to.have.length(1);
    expect(await passUntilTrue(async () => (await delivered()) === 2, 10_000)).to.equal(true);
    expect(calls.map((c) => c.reminder.id).sort()).to.deep.equal([id, id, other].sort());
    for (const c of calls.slice(1)) {
      expect(c.at - calls[0]!.at, "not sent before retry_after").to.be.at.least(1_500);
      expect(c.at - calls[0]!.at, "sent soon after it").to.be.below(1_600);
    }
    const [d] = (await m.ds.query(`SELECT due_at FROM deliveries WHERE reminder_id = $1`, [id])) as { due_at: Date }[];
    expect(d!.due_at.getTime(), "the same occurrence was delivered").to.equal(dueBefore);
  });

  describe("fair delivery under Telegram's limits (30/s overall, 1/s per chat)", () => {
    const limits = { perSecond: 30, perChatPerSecond: 1 };
    const slot = 1000 / 30;
    const sendsTo = (chatId: number) => calls.filter((c) => c.reminder.chatId === chatId);

    it("a chat with 100 due reminders, the oldest, delays 50 other chats by about one slot each, not 90 s", async () => {
      await insertReminders(m.ds, [
        ...Array.from({ length: 100 }, (_, i) => ({ chatId: 7, dueAt: ago(60_000 - i), text: `abuse ${i}` })),
        ...Array.from({ length: 50 }, (_, i) => ({ chatId: 1_000 + i, dueAt: ago(1_000) })),
      ]);
      await start(await connect(), { rateLimit: limits, send: recordingSend("s") });
      const others = () => calls.filter((c) => c.reminder.chatId !== 7);
      expect(await passUntilTrue(() => others().length === 50, 20_000)).to.equal(true);
      const t0 = calls[0]!.at;
      // 51 chats share the slots: the last ordinary one goes within 51 slots (and a claim's round trip)
      expect(others().at(-1)!.at - t0).to.be.at.most(53 * slot);
      expect(sendsTo(7).length, "the abusive chat took one turn, not the batch").to.be.at.most(3);
      // and it keeps its own pace, oldest first
      expect(await passUntilTrue(() => sendsTo(7).length === 5, 10_000)).to.equal(true);
      const abuse = sendsTo(7);
      for (let i = 1; i < abuse.length; i++) expect(abuse[i]!.at - abuse[i - 1]!.at).to.be.at.least(1000);
      expect(abuse.map((c) => c.reminder.text)).to.deep.equal(["abuse 0", "abuse 1", "abuse 2", "abuse 3", "abuse 4"]);
      // no second is over the global limit
      const times = calls.map((c) => c.at);
      for (let i = 30; i < times.length; i++) expect(times[i]! - times[i - 30]!).to.be.at.least(1000);
    });

    it("a 429 on a chat it just sent to holds that chat for retry_after; the other chats go on", async () => {
      await insertReminders(m.ds, [
        ...Array.from({ length: 3 }, (_, i) => ({ chatId: 7, dueAt: ago(10_000 - i) })),
        ...Array.from({ length: 300 }, (_, i) => ({ chatId: 2_000 + i, dueAt: ago(5_000) })),
      ]);
      let refusedAt = 0;
      await start(await connect(), {
        rateLimit: limits,
        send: recordingSend("s", (r) => {
          if (r.chatId === 7 && sendsTo(7).length === 2) {
            refusedAt = clock.now();
            return { ok: false, kind: "retry-later", retryAfterMs: 5_000, message: "Too Many Requests: retry after 5" };
          }
          return { ok: true, messageId: calls.length };
        }),
      });
      expect(await passUntilTrue(() => refusedAt > 0, 10_000)).to.equal(true);
      expect(await passUntilTrue(() => sendsTo(7).length === 4, 20_000)).to.equal(true);
      const after = sendsTo(7).slice(2);
      for (const c of after) expect(c.at - refusedAt, "chat 7 waited out retry_after").to.be.at.least(5_000);
      const othersMeanwhile = calls.filter(
        (c) => c.reminder.chatId !== 7 && c.at > refusedAt && c.at < refusedAt + 5_000,
      );
      // the pace was not lowered for one chat's own limit: the others used those 5 s
      expect(othersMeanwhile.length, "others were not held").to.be.at.least(140);
    });

    it("a 429 that looks global (a chat not sent to before) holds every chat for retry_after", async () => {
      await insertReminders(
        m.ds,
        Array.from({ length: 20 }, (_, i) => ({ chatId: 3_000 + i, dueAt: ago(5_000 - i) })),
      );
      await start(await connect(), {
        rateLimit: limits,
        send: recordingSend("s", (_r, n) =>
          calls.length === 3 && n === 1
            ? { ok: false, kind: "retry-later", retryAfterMs: 4_000, message: "Too Many Requests: retry after 4" }
            : { ok: true, messageId: calls.length },
        ),
      });
      expect(await passUntilTrue(() => calls.length >= 3, 10_000)).to.equal(true);
      const refusedAt = calls[2]!.at;
      expect(await passUntilTrue(async () => (await delivered()) === 20, 20_000)).to.equal(true);
      const inPause = calls.filter((c) => c.at > refusedAt + 1 && c.at < refusedAt + 4_000);
      expect(inPause, "nothing sent by anyone before retry_after").to.have.length(0);
    });
  });

  it("other errors: retried with backoff, failed after maxAttempts", async () => {
    const [id] = await insertReminders(m.ds, [{ chatId: 6, dueAt: ago(1_000) }]);
    await start(await connect(), {
      maxAttempts: 3,
      retryBaseMs: 100,
      send: recordingSend("s", () => ({ ok: false, kind: "error", message: "Internal Server Error" })),
    });
    expect(await passUntilTrue(async () => (await reminder(id!)).status === "failed", 10_000)).to.equal(true);
    expect(calls).to.have.length(3);
    expect(calls.map((c) => c.reminder.attempts)).to.deep.equal([0, 1, 2]);
    // Backoff 100 ms then 200 ms, each with up to 20 % spread below.
    expect(calls[1]!.at - calls[0]!.at).to.be.within(80, 150);
    expect(calls[2]!.at - calls[1]!.at).to.be.within(160, 250);
    expect((await reminder(id!)).last_error).to.equal("Internal Server Error");
  });

  it("a send that throws counts as an error, and the loop goes on", async () => {
    const [bad, good] = await insertReminders(m.ds, [
      { chatId: 7, dueAt: ago(2_000) },
      { chatId: 8, dueAt: ago(1_000) },
    ]);
    await start(await connect(), {
      maxAttempts: 1,
      send: recordingSend("s", (r) => {
        if (r.id === bad) throw new Error("socket hang up");
        return { ok: true, messageId: 1 };
      }),
    });
    expect(await until(async () => (await reminder(bad!)).status === "failed", 5_000)).to.equal(true);
    expect(await until(async () => (await delivered(good)) === 1, 5_000)).to.equal(true);
    expect((await reminder(bad!)).last_error).to.equal("socket hang up");
  });

  it("does not move a reminder the user edited while it was being sent", async () => {
    const [id] = await insertReminders(m.ds, [{ chatId: 9, dueAt: ago(1_000) }]);
    const newDue = fromNow(86_400_000);
    await start(await connect(), {
      send: recordingSend("s", async (r) => {
        await m.ds.query(`UPDATE reminders SET due_at = $2 WHERE id = $1`, [r.id, newDue]);
        return { ok: true, messageId: 1 };
      }),
    });
    expect(await until(async () => (await delivered(id)) === 1, 5_000)).to.equal(true);
    const row = await reminder(id!);
    expect(row.status).to.equal("active");
    expect(row.due_at.getTime()).to.equal(newDue.getTime());
  });

  it("survives losing every database connection: reconnects LISTEN and keeps delivering", async () => {
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on("unhandledRejection", onRejection);
    try {
      const s = await start(await connect(), { send: recordingSend("s") });
      expect(await until(() => clock.pending().length === 1, 5_000), "idle: only the safety poll is armed").to.equal(
        true,
      );
      const claimsBefore = s.stats().claims;
      // What a PostgreSQL restart looks like to the client: every connection of ours is cut.
      await m.ds.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      // Back on the listener's reconnect timer: each (re)connect looks for due rows (the poll is a minute away).
      expect(await passUntilTrue(() => s.stats().claims > claimsBefore, 10_000), "LISTEN reconnected").to.equal(true);
      const notificationsBefore = s.stats().notifications;
      const [id] = await insertReminders(m.ds, [{ chatId: 10, dueAt: fromNow(200) }]);
      expect(await passUntilTrue(async () => (await delivered(id)) === 1, 10_000)).to.equal(true);
      expect(s.stats().notifications, "woken by NOTIFY on the new connection").to.be.greaterThan(notificationsBefore);
      expect(rejections).to.deep.equal([]);
    } finally {
      process.off("unhandledRejection", onRejection);
    }
  });

  it("stop gives back claimed rows it has not sent, at once", async () => {
    const ids = await insertReminders(
      m.ds,
      Array.from({ length: 20 }, (_, i) => ({ chatId: 200 + i, dueAt: ago(1_000) })),
    );
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = await start(await connect(), {
      concurrency: 2,
      batchSize: 20,
      send: recordingSend("s", async () => {
        await gate;
        return { ok: true, messageId: 1 };
      }),
    });
    expect(await until(() => calls.length === 2, 5_000)).to.equal(true);
    const stopping = s.stop({ graceMs: 5_000 });
    release();
    await stopping;
    expect(await delivered(), "the two in flight were recorded").to.equal(2);
    expect(
      await count(
        m.ds,
        `SELECT 1 FROM reminders WHERE status = 'active' AND claimed_by IS NULL AND claimed_until IS NULL`,
      ),
    ).to.equal(ids.length - 2);
  });
});
