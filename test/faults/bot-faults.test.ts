/**
 * Issue 8's fault matrix, the rows that need no Docker: the bot as a real process (tsx main.ts)
 * against a real PostgreSQL database and the fake Bot API over real HTTP. One bot lifecycle runs
 * through the rows in order (each process start costs ~20 s on a loaded machine): Telegram's 429s,
 * PostgreSQL dropping every connection, a stop with SIGTERM while a reminder falls due, SIGKILL
 * while reminders are being sent. Reminders are written through the bot's db layer, as its
 * services would write them. Waits are bounded; lateness and re-sends are printed, not timed.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import type { IncomingMessage } from "node:http";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { DataSource } from "typeorm";
import { freeLoopbackPort, freshDatabase } from "../support/postgres.js";
import type { TestDatabase } from "../support/postgres.js";
import { startFakeBotApi } from "@remindbot/fake-telegram";
import type { CallRecord, FakeBotApi } from "@remindbot/fake-telegram";
import { createDataSource, Delivery, Reminder, User } from "../../bot/src/db/index.js";
import type { Recurrence } from "../../bot/src/parse/types.js";

const MAIN = fileURLToPath(new URL("../../bot/src/main.ts", import.meta.url));
const TOKEN = "123:faults";
/** The scheduler's defaults in main.ts: claims at most this many rows not yet recorded. */
const SCHEDULER_BATCH = 100;
/** The scheduler's lease (default 60 s): a killed process's claims come back after it. */
const LEASE_MS = 60_000;
const LATE_AFTER_MS = 60_000;
/** This application name is spared when the bot's connections are terminated. */
const TEST_APP = "faults-test";

interface BotProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

function spawnBot(env: NodeJS.ProcessEnv): BotProcess {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => out };
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>(
    (_, rej) => (timer = setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms)),
  );
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Polls until `pred` holds; throws after `ms` with `what`. */
async function until(pred: () => Promise<boolean> | boolean, ms: number, what: string, everyMs = 100): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await pred()) return;
    if (Date.now() >= deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function healthStatus(port: number): Promise<number> {
  return fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5_000) }).then(
    (r) => r.status,
    () => 0,
  );
}

describe("fault matrix (issue 8): the bot process against real PostgreSQL and the fake Bot API", function () {
  this.timeout(180_000);
  let api: FakeBotApi;
  let db: TestDatabase;
  let ds: DataSource;
  let healthPort: number;
  let bot: BotProcess | undefined;
  const started: BotProcess[] = [];

  const start = async (): Promise<BotProcess> => {
    const p = spawnBot({
      BOT_TOKEN: TOKEN,
      DATABASE_URL: db.url,
      TELEGRAM_API_ROOT: api.url,
      HEALTH_PORT: String(healthPort),
      LOG_LEVEL: "info",
      NODE_ENV: "production",
    });
    started.push(p);
    bot = p;
    // Ready when healthy: the database answered, the scheduler started, getUpdates is polling.
    await until(
      async () => {
        if (p.child.exitCode !== null || p.child.signalCode !== null)
          throw new Error(`the bot exited while starting:\n${p.output().slice(-2000)}`);
        return (await healthStatus(healthPort)) === 200;
      },
      90_000,
      "the bot healthy",
      250,
    );
    return p;
  };

  /** Successful sendMessage calls whose text holds `marker`, by marker. */
  const sentCount = (markers: string[]): Map<string, number> => {
    const out = new Map(markers.map((m) => [m, 0]));
    for (const c of api.calls({ method: "sendMessage", token: TOKEN })) {
      if (!c.response.ok) continue;
      const text = String(c.params["text"]);
      for (const m of markers) if (text.includes(`${m}`)) out.set(m, (out.get(m) ?? 0) + 1);
    }
    return out;
  };

  const insert = async (
    rows: { chatId: number; text: string; dueAt: Date; recurrence?: Recurrence }[],
  ): Promise<number[]> => {
    await ds.getRepository(User).upsert(
      rows.map((r) => ({ id: r.chatId, lang: "en" as const, zone: "UTC" })),
      ["id"],
    );
    const saved = await ds.getRepository(Reminder).save(
      rows.map((r) => ({
        userId: r.chatId,
        chatId: r.chatId,
        chatType: "private",
        authorName: null,
        text: r.text,
        zone: "UTC",
        recurrence: r.recurrence ?? null,
        urgent: false,
        status: "active" as const,
        dueAt: r.dueAt,
      })),
    );
    return saved.map((r) => r.id);
  };

  const deliveriesOf = (ids: number[]) =>
    ds.getRepository(Delivery).createQueryBuilder("d").where("d.reminder_id IN (:...ids)", { ids }).getMany();

  before(async function () {
    this.timeout(120_000);
    api = await startFakeBotApi({ tokens: [TOKEN] });
    db = await freshDatabase("faults");
    healthPort = await freeLoopbackPort();
    await start(); // runs the migrations
    ds = await createDataSource({ url: db.url, poolSize: 3, applicationName: TEST_APP }).initialize();
  });

  after(async function () {
    this.timeout(60_000);
    for (const p of started) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
      await within(p.exited, 10_000, "bot exit").catch(() => undefined);
    }
    if (ds?.isInitialized) await ds.destroy();
    await api?.stop();
    await db?.drop();
  });

  it("Telegram answers 429 for a while: the user gets every one of 30 due reminders once; each has one delivery row", async () => {
    const N = 30;
    const markers = Array.from({ length: N }, (_, i) => `r429-${i}-end`);
    const faultFrom = api.cursor();
    api.injectFault({ method: "sendMessage", status: 429, retryAfter: 2, durationMs: 6_000, token: TOKEN });
    const ids = await insert(
      markers.map((text, i) => ({ chatId: 710_000 + i, text, dueAt: new Date(Date.now() + 1_000) })),
    );
    await until(async () => (await deliveriesOf(ids)).length === N, 60_000, "30 deliveries recorded", 250);

    const refused = api
      .calls({ method: "sendMessage", since: faultFrom })
      .filter((c) => c.response.error_code === 429).length;
    expect(refused, "the fake refused some sends with 429").to.be.greaterThan(0);
    const sent = sentCount(markers);
    expect(
      [...sent.values()].filter((n) => n !== 1),
      "messages per reminder other than 1",
    ).to.deep.equal([]);
    const rows = await deliveriesOf(ids);
    expect(new Set(rows.map((d) => d.reminderId)).size).to.equal(N);
    const reminders = await ds.getRepository(Reminder).findBy(ids.map((id) => ({ id })));
    expect(reminders.map((r) => r.status)).to.deep.equal(Array(N).fill("done"));
    console.log(`      429s answered: ${refused}; delivered: ${N}, each once`);
  });

  it("PostgreSQL drops every connection of the bot: the bot reconnects by itself, a reminder created after is delivered, health is 200 again", async () => {
    const pid = bot!.child.pid;
    const killed = (await ds.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> $1`,
      [TEST_APP],
    )) as { ok: boolean }[];
    // The pool's connections and the scheduler's LISTEN connection.
    expect(killed.length, "bot connections terminated").to.be.at.least(2);
    const since = api.cursor();
    const [id] = await insert([{ chatId: 720_001, text: "after-pg-restart-end", dueAt: new Date(Date.now() + 2_000) }]);
    const msg = await api.waitForMessage(720_001, 60_000, { since });
    expect(String(msg.params["text"])).to.contain("after-pg-restart-end");
    await until(async () => (await deliveriesOf([id!])).length === 1, 30_000, "delivery recorded");
    await until(async () => (await healthStatus(healthPort)) === 200, 60_000, "health 200");
    expect(bot!.child.exitCode, "the same process is still running").to.equal(null);
    expect(bot!.child.pid).to.equal(pid);
    expect(sentCount(["after-pg-restart-end"]).get("after-pg-restart-end")).to.equal(1);
  });

  it("a reminder falls due while the bot is down (SIGTERM): once back, the user gets it once, marked late; a recurring one once, then it moves to its next future time", async function () {
    this.timeout(240_000);
    const stopping = bot!;
    stopping.child.kill("SIGTERM");
    expect((await within(stopping.exited, 30_000, "exit after SIGTERM")).code).to.equal(0);
    const stoppedAt = Date.now();
    // Both fall due two seconds into the downtime.
    const due = new Date(stoppedAt + 2_000);
    const every: Recurrence = { kind: "interval", minutes: 60 };
    const [oneShot, recurring] = await insert([
      { chatId: 730_001, text: "down-once-end", dueAt: due },
      { chatId: 730_002, text: "down-every-end", dueAt: due, recurrence: every },
    ]);
    // Down for longer than the late threshold past the due time; then back.
    await sleep(Math.max(0, due.getTime() + LATE_AFTER_MS + 1_000 - Date.now()));
    const since = api.cursor();
    await start();
    const [a, b] = await Promise.all([
      api.waitForMessage(730_001, 60_000, { since }),
      api.waitForMessage(730_002, 60_000, { since }),
    ]);
    for (const m of [a, b] as CallRecord[]) expect(String(m.params["text"])).to.match(/late: was due/);
    await until(async () => (await deliveriesOf([oneShot!, recurring!])).length === 2, 30_000, "deliveries recorded");
    await sleep(3_000); // room for a second send, were there one
    const rows = await deliveriesOf([oneShot!, recurring!]);
    expect(rows).to.have.length(2);
    expect(rows.map((d) => d.late)).to.deep.equal([true, true]);
    expect([...sentCount(["down-once-end", "down-every-end"]).values()]).to.deep.equal([1, 1]);
    const [r1, r2] = await Promise.all([
      ds.getRepository(Reminder).findOneByOrFail({ id: oneShot! }),
      ds.getRepository(Reminder).findOneByOrFail({ id: recurring! }),
    ]);
    expect(r1.status).to.equal("done");
    expect(r2.status).to.equal("active");
    expect(r2.dueAt.getTime(), "the recurring one moved to a future time").to.be.greaterThan(Date.now());
    for (const d of rows)
      console.log(
        `      reminder ${d.reminderId}: delivered ${((d.sentAt.getTime() - d.dueAt.getTime()) / 1000).toFixed(1)} s after due (late)`,
      );
  });

  it("bot process killed (-9) as Telegram receives a send: started again, the user gets every one; re-sent only those sent and not yet recorded (at most one batch)", async function () {
    this.timeout(240_000);
    const N = 60;
    const markers = Array.from({ length: N }, (_, i) => `kill9-${i}-end`);
    const ids = await insert(
      markers.map((text, i) => ({ chatId: 740_000 + i, text, dueAt: new Date(Date.now() + 1_000) })),
    );
    // Killed the moment Telegram receives the 10th send (the bot paces 25 a second): Telegram
    // delivers it, the bot never hears back. That, and a mark still on its way, is the crash window.
    const doomed = bot!;
    let arrivals = 0;
    const onRequest = (req: IncomingMessage) => {
      if (req.method === "POST" && /\/sendmessage$/i.test(req.url ?? "") && ++arrivals === 10)
        doomed.child.kill("SIGKILL");
    };
    api.server.prependListener("request", onRequest);
    try {
      await until(() => arrivals >= 10, 60_000, "the first 10 sends", 20);
    } finally {
      api.server.off("request", onRequest);
    }
    expect((await within(doomed.exited, 10_000, "exit after SIGKILL")).signal).to.equal("SIGKILL");
    // Settled once PostgreSQL has closed the dead process's sessions (a mark in flight committed or not).
    await until(
      async () =>
        (
          (await ds.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'remindbot'`,
          )) as unknown[]
        ).length === 0,
      30_000,
      "the killed bot's sessions gone",
      100,
    );
    await sleep(200); // the fake has answered whatever it had received
    const sentBefore = sentCount(markers);
    const recordedBefore = new Set((await deliveriesOf(ids)).map((d) => d.reminderId));
    const sentNotRecorded = ids.filter((id, i) => sentBefore.get(markers[i]!)! > 0 && !recordedBefore.has(id));
    const sentByDoomed = [...sentBefore.values()].filter((n) => n > 0).length;
    expect(
      [...sentBefore.values()].every((n) => n <= 1),
      "nothing twice before the kill",
    ).to.equal(true);

    await start();
    // The dead process's claims come back when their lease ends.
    await until(async () => (await deliveriesOf(ids)).length === N, LEASE_MS + 60_000, `${N} deliveries recorded`, 250);
    await sleep(2_000);
    const sent = sentCount(markers);
    expect(
      [...sent.values()].filter((n) => n === 0),
      "a reminder never delivered",
    ).to.deep.equal([]);
    const resent = ids.filter((_, i) => sent.get(markers[i]!)! > 1);
    expect(
      [...sent.values()].every((n) => n <= 2),
      "none more than twice",
    ).to.equal(true);
    // Re-sent: exactly those that reached Telegram and were not recorded when the process died.
    expect(resent).to.deep.equal(sentNotRecorded);
    expect(resent.length, "within the crash window: at most one batch").to.be.at.most(SCHEDULER_BATCH);
    const rows = await deliveriesOf(ids);
    expect(new Set(rows.map((d) => d.reminderId)).size).to.equal(N);
    const reminders = await ds.getRepository(Reminder).findBy(ids.map((id) => ({ id })));
    expect(reminders.every((r) => r.status === "done")).to.equal(true);
    console.log(
      `      killed after ${sentByDoomed} of ${N} had reached Telegram (${recordedBefore.size} recorded); re-sent after restart: ${resent.length}`,
    );
  });
});
