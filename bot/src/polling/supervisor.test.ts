/**
 * The polling handover with two bot instances in this process (each its own DataSource, lease
 * connection, bot, health server and supervisor, as two containers would have), one PostgreSQL
 * database and the fake Bot API. Both use the same token, as two releases of one bot do, so each
 * instance records its own getUpdates calls.
 */
import { expect } from "chai";
import { PassThrough } from "node:stream";
import type { DataSource } from "typeorm";
import { message, startFakeBotApi } from "@remindbot/fake-telegram";
import type { CallRecord, FakeBotApi } from "@remindbot/fake-telegram";
import { freshDatabase, type TestDatabase } from "../../../test/support/postgres.js";
import { createBot } from "../bot.js";
import { createDataSource, pgClientConfig, runMigrations } from "../db/index.js";
import { PollTracker } from "../health/poll-tracker.js";
import { startHealthServer } from "../health/server.js";
import type { HealthServer } from "../health/server.js";
import { createLogger } from "../logging/logger.js";
import { parser } from "../parser.js";
import { PendingInputs } from "../services/pending.js";
import { createReminderService } from "../services/reminders.js";
import { createUserService } from "../services/users.js";
import { handledUpdatesStore } from "./handled-updates.js";
import { handoverStore } from "./handover-record.js";
import { InFlight } from "./in-flight.js";
import { acquireLease } from "./lease.js";
import { PollingSupervisor } from "./supervisor.js";
import type { Role } from "./supervisor.js";

const TOKEN = "123:test";

type LogLine = Record<string, unknown> & { message: string; level: string };

interface Poll {
  start: number;
  end?: number;
  offset?: number;
  timeout?: number;
  outcome?: "ok" | "409" | "failed" | "aborted";
}

/** An InFlight that says when a step-down starts waiting for it. */
class WatchedInFlight extends InFlight {
  onIdleWait: (() => void) | undefined;
  override idle(timeoutMs: number): Promise<boolean> {
    this.onIdleWait?.();
    return super.idle(timeoutMs);
  }
}

interface Instance {
  name: string;
  sup: PollingSupervisor;
  running: Promise<void>;
  ds: DataSource;
  inFlight: WatchedInFlight;
  polls: Poll[];
  log: LogLine[];
  bot: ReturnType<typeof createBot>["bot"];
  until(role: Role): Promise<void>;
  health(): Promise<{ status: number; body: Record<string, unknown> }>;
  /** main.ts's shutdown: the supervisor's step-down, then health and database. */
  close(): Promise<void>;
}

/** Every event of every instance, in order: role changes, scheduler start/stop, log messages. */
let events: string[] = [];

interface InstanceOptions {
  concurrency?: number;
  rejoinAfterConflictMs?: number;
}

async function startInstance(name: string, db: TestDatabase, api: FakeBotApi, o: InstanceOptions = {}) {
  const ds = await createDataSource({ url: db.url, poolSize: 4, applicationName: name }).initialize();
  const log: LogLine[] = [];
  const stream = new PassThrough();
  let buffer = "";
  stream.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let i: number;
    while ((i = buffer.indexOf("\n")) >= 0) {
      const line = JSON.parse(buffer.slice(0, i)) as LogLine;
      buffer = buffer.slice(i + 1);
      log.push(line);
      if (line.message !== "update handled") events.push(`${name}: ${line.message}`);
    }
  });
  const logger = createLogger({ level: "debug", production: true, secrets: [TOKEN], stream });
  const polls = new PollTracker();
  const inFlight = new WatchedInFlight();
  const handled = handledUpdatesStore(ds);
  const deps = {
    users: createUserService(ds),
    reminders: createReminderService(ds),
    parser,
    pending: new PendingInputs(),
    logger,
    now: () => new Date(),
  };
  const { bot } = createBot(TOKEN, deps, { apiRoot: api.url, polls, inFlight, handled });
  const record: Poll[] = [];
  bot.api.config.use(async (prev, method, payload, signal) => {
    if (method !== "getUpdates") return prev(method, payload, signal);
    const p = payload as { offset?: number; timeout?: number };
    const poll: Poll = { start: Date.now(), offset: p.offset, timeout: p.timeout };
    record.push(poll);
    try {
      const res = await prev(method, payload, signal);
      poll.outcome = res.ok ? "ok" : res.error_code === 409 ? "409" : "failed";
      return res;
    } catch (err) {
      poll.outcome = signal?.aborted ? "aborted" : "failed";
      throw err;
    } finally {
      poll.end = Date.now();
    }
  });
  await bot.init();

  const waiters: Array<{ role: Role; resolve: () => void }> = [];
  const sup: PollingSupervisor = new PollingSupervisor({
    bot,
    acquire: (signal) => acquireLease({ client: pgClientConfig(ds), signal }),
    handover: handoverStore(ds),
    handled,
    inFlight,
    startScheduler: async () => {
      events.push(`${name}: scheduler started`);
      return { stop: async () => void events.push(`${name}: scheduler stopped`) };
    },
    logger,
    instance: `${name}@test`,
    runOptions: { runner: { fetch: { timeout: 30 } }, sink: { concurrency: o.concurrency ?? 8 } },
    drainMs: 5000,
    polls,
    rejoinAfterConflictMs: o.rejoinAfterConflictMs ?? 0,
    onRole: (role) => {
      events.push(`${name}: role ${role}`);
      for (const w of waiters.filter((x) => x.role === role)) w.resolve();
    },
  });
  const health: HealthServer = await startHealthServer({
    port: 0,
    host: "127.0.0.1",
    pingDb: async () => void (await ds.query("SELECT 1")),
    lastPollAt: () => polls.lastAliveAt(),
    role: () => sup.role(),
    handover: () => sup.handover(),
    release: name,
  });
  const running = sup.run();
  running.catch(() => undefined);
  let closed = false;
  const instance: Instance = {
    name,
    sup,
    running,
    ds,
    inFlight,
    polls: record,
    log,
    bot,
    until: (role) =>
      sup.role() === role ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ role, resolve })),
    async health() {
      const res = await fetch(`http://127.0.0.1:${health.port}/health`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async close() {
      if (closed) return;
      closed = true;
      await sup.stop();
      await health.close();
      await ds.destroy();
    },
  };
  return instance;
}

/** Until the server shows `n` sessions queued for an advisory lock: standbys waiting for the lease. */
async function untilWaiting(ds: DataSource, n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const [row] = (await ds.query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    )) as { n: number }[];
    if (row!.n >= n) return;
    await ds.query("SELECT pg_sleep(0.01)");
  }
  throw new Error(`no ${n} waiter(s) for the lease`);
}

/** Pushes a /help from a new private chat every `everyMs` until stopped: each must be answered once. */
function pump(api: FakeBotApi, firstChat: number, everyMs = 3) {
  const chats: number[] = [];
  const push = () => {
    const chat = firstChat + chats.length;
    chats.push(chat);
    api.pushUpdate(message(chat, "/help"));
  };
  const timer = setInterval(push, everyMs);
  return {
    chats,
    /** Until at least `n` more have been pushed. */
    async after(n: number) {
      const target = chats.length + n;
      while (chats.length < target) await new Promise((r) => setImmediate(r));
    },
    stop: () => clearInterval(timer),
  };
}

const isSend = (c: CallRecord) => c.method.toLowerCase() === "sendmessage";

/** Every chat answered, then (after a last update proves the queue drained) answered exactly once. */
async function expectEachAnsweredOnce(api: FakeBotApi, chats: number[], active: Instance) {
  for (const chat of chats) await api.waitForMessage(chat, 20_000);
  const sentinel = 9_000_000 + chats.length;
  api.pushUpdate(message(sentinel, "/help"));
  await api.waitForMessage(sentinel, 20_000);
  expect(await active.inFlight.idle(5000)).to.equal(true);
  const perChat = new Map<number, number>();
  for (const c of api.calls().filter(isSend)) {
    const chat = Number(c.params.chat_id);
    perChat.set(chat, (perChat.get(chat) ?? 0) + 1);
  }
  const wrong = chats.filter((c) => perChat.get(c) !== 1).map((c) => `${c}: ${perChat.get(c) ?? 0}`);
  expect(wrong, "chats not answered exactly once").to.deep.equal([]);
}

function lines(i: Instance, text: string): LogLine[] {
  return i.log.filter((l) => l.message === text);
}

describe("polling/supervisor: handover between two instances", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let api: FakeBotApi;
  let instances: Instance[] = [];
  const start = async (name: string, o?: InstanceOptions) => {
    const i = await startInstance(name, db, api, o);
    instances.push(i);
    return i;
  };

  beforeEach(async () => {
    events = [];
    db = await freshDatabase("handover");
    const ds = await createDataSource({ url: db.url, poolSize: 2 }).initialize();
    await runMigrations(ds);
    await ds.destroy();
    api = await startFakeBotApi({ host: "127.0.0.1", tokens: [TOKEN] });
  });
  afterEach(async () => {
    await Promise.all(instances.map((i) => i.close().catch(() => undefined)));
    instances = [];
    await api.stop();
    await db.drop();
  });

  it("a standby waits healthy without polling; the active one's step-down hands over, each update answered once", async () => {
    const a = await start("A");
    await a.until("active");
    const b = await start("B");
    await untilWaiting(b.ds, 1);

    expect(await b.health()).to.deep.equal({ status: 200, body: { ok: true, role: "standby", release: "B" } });
    expect(b.polls, "a standby does not poll").to.deep.equal([]);
    expect(events).to.not.include("B: scheduler started");
    const aHealth = await a.health();
    expect(aHealth.status).to.equal(200);
    expect(aHealth.body).to.include({ ok: true, role: "active", release: "A" });

    const updates = pump(api, 100_000);
    await updates.after(30);
    await a.close(); // SIGTERM: the step-down, then health and database
    await b.until("active");
    await updates.after(30);
    updates.stop();
    await expectEachAnsweredOnce(api, updates.chats, b);

    const lastOfA = Math.max(...a.polls.map((p) => p.end!));
    const firstOfB = Math.min(...b.polls.map((p) => p.start));
    console.log(`      handover gap (A's last getUpdates ended -> B's first started): ${firstOfB - lastOfA} ms`);
    expect(firstOfB, "B polls only after A's last getUpdates ended").to.be.at.least(lastOfA);
    expect(
      api.calls().filter((c) => c.response.error_code === 409),
      "no 409 in a planned handover",
    ).to.deep.equal([]);
    // The lease goes before the scheduler's grace; B's scheduler starts only with the lease.
    const order = (who: string) =>
      events.filter((e) => e.startsWith(who) && /polling lease released|scheduler|role/.test(e));
    expect(order("A:")).to.deep.equal([
      "A: scheduler started",
      "A: role active",
      "A: role standby",
      "A: polling lease released",
      "A: scheduler stopped",
    ]);
    expect(order("B:")).to.deep.equal(["B: scheduler started", "B: role active"]);

    const health = await b.health();
    expect(health.body).to.include({ ok: true, role: "active", release: "B" });
    const handover = health.body.handover as { gapMs: number; at: string };
    expect(handover.gapMs).to.be.a("number").and.at.least(0);
    expect(new Date(handover.at).getTime()).to.equal(firstOfB);
    expect(lines(b, "took over polling")).to.have.length(1);
  });

  it("the step-down confirms the offset of what it handled when no getUpdates did, so the successor gets nothing again", async () => {
    const a = await start("A", { concurrency: 1 });
    await a.until("active");
    // A's reply waits at this gate: with one update at a time the runner asks for no more meanwhile.
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let atGate: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => (atGate = resolve));
    a.bot.api.config.use(async (prev, method, payload, signal) => {
      if (method === "sendMessage") {
        atGate();
        await gate;
      }
      return prev(method, payload, signal);
    });
    const b = await start("B");
    await untilWaiting(b.ds, 1);

    const [update] = api.pushUpdate(message(4242, "/help"));
    await reached;
    a.inFlight.onIdleWait = open; // the update is still being handled when the step-down waits for it
    await a.close();
    await b.until("active");
    await expectEachAnsweredOnce(api, [4242], b);

    const confirm = a.polls.at(-1)!;
    expect(confirm).to.deep.include({ offset: update!.update_id + 1, timeout: 0, outcome: "ok" });
    expect(lines(a, "polling lease released")[0]).to.include({ confirmed: true, drained: true });
    const [row] = (await b.ds.query(`SELECT next_offset, released_by FROM polling_handover`)) as {
      next_offset: string;
      released_by: string;
    }[];
    expect(row).to.deep.equal({ next_offset: String(update!.update_id + 1), released_by: "A@test" });
    const toB = api
      .calls({ method: "getUpdates" })
      .filter((c) => c.at >= Math.min(...b.polls.map((p) => p.start)))
      .flatMap((c) => c.response.updateIds ?? []);
    expect(toB, "B is not given the update A handled").to.not.include(update!.update_id);
    expect(lines(b, "update already handled, skipped")).to.deep.equal([]);
  });

  it("a holder whose lease connection dies (a kill) is replaced and goes back to standby; each update answered once", async () => {
    const a = await start("A", { concurrency: 2 });
    await a.until("active");
    const b = await start("B");
    await untilWaiting(b.ds, 1);

    const updates = pump(api, 200_000);
    await updates.after(30);
    const leasePid = lines(a, "active: polling lease held, polling")[0]!.leasePid as number;
    await b.ds.query("SELECT pg_terminate_backend($1)", [leasePid]);
    await b.until("active");
    await a.until("standby");
    await updates.after(30);
    updates.stop();
    await expectEachAnsweredOnce(api, updates.chats, b);

    expect(lines(a, "polling lease lost, back to standby")).to.have.length(1);
    expect(lines(a, "polling lease released"), "no planned step-down").to.deep.equal([]);
    await untilWaiting(b.ds, 1); // A waits for the lease again
    expect(await a.health()).to.deep.include({ status: 200 });
    expect((await a.health()).body).to.include({ role: "standby" });
    expect(events.indexOf("A: scheduler stopped")).to.be.greaterThan(events.indexOf("A: role standby"));
  });

  it("a 409 sends the active one back to standby, quietly and without exiting; the standby takes over", async () => {
    const printed: unknown[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => void printed.push(args);
    try {
      const a = await start("A");
      await a.until("active");
      const b = await start("B");
      await untilWaiting(b.ds, 1);
      // Until A's long poll is waiting in the fake, then another poller of the same bot.
      while (!a.polls.some((p) => p.end === undefined)) await new Promise((r) => setImmediate(r));
      const foreign = await fetch(`${api.url}/bot${TOKEN}/getUpdates?timeout=0`);
      expect(foreign.status).to.equal(200);

      await b.until("active");
      await a.until("standby");
      await untilWaiting(b.ds, 1); // A waits for the lease again
      expect(a.polls.filter((p) => p.outcome === "409")).to.have.length(1);
      const warned = a.log.filter((l) => l.level === "warn" || l.level === "error");
      expect(warned.map((l) => l.message)).to.deep.equal([
        "replaced: getUpdates answered 409 Conflict, back to standby",
      ]);
      expect(warned[0]).to.not.have.property("stack");
      expect(printed, "the runner printed nothing").to.deep.equal([]);
      let settled = false;
      void a.running.finally(() => (settled = true));
      await new Promise((r) => setImmediate(r));
      expect(settled, "A is still running").to.equal(false);
      expect((await a.health()).body).to.include({ ok: true, role: "standby" });

      const updates = pump(api, 300_000);
      await updates.after(20);
      updates.stop();
      await expectEachAnsweredOnce(api, updates.chats, b);
    } finally {
      console.error = consoleError;
    }
  });

  it("a standby told to stop just stops waiting", async () => {
    const a = await start("A");
    await a.until("active");
    const b = await start("B");
    await untilWaiting(b.ds, 1);
    await b.close();
    await b.running;
    const [row] = (await a.ds.query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
    )) as { n: number }[];
    expect(row!.n).to.equal(0);
    expect(b.polls).to.deep.equal([]);
    expect(events.filter((e) => e.startsWith("B:"))).to.deep.equal(["B: standby: waiting for the polling lease"]);
    expect(a.sup.role()).to.equal("active");
  });

  it("an update delivered twice is handled once", async () => {
    const a = await start("A");
    await a.until("active");
    const [update] = api.pushUpdate(message(777, "/help"));
    await api.waitForMessage(777, 10_000);
    await a.bot.handleUpdate(structuredClone(update!) as Parameters<typeof a.bot.handleUpdate>[0]);
    expect(api.calls().filter((c) => isSend(c) && Number(c.params.chat_id) === 777)).to.have.length(1);
    expect(lines(a, "update already handled, skipped")).to.have.length(1);
  });
});
