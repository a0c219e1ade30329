/**
 * Scheduler benchmark (issue 3, "Benchmark"). Prints figures, asserts nothing.
 *
 * 1. Lateness: 200 reminders spread over BENCH_SPREAD_MS (default 60 s); due -> the fake Bot API
 *    receiving the message, p50/p99. Then idle load: queries per minute with nothing due.
 * 2. Burst: 10,000 reminders due at one instant, through our scheduler and, in the same run, through
 *    pg-boss 10 at its best; drain throughput (first to last message) and the ratio.
 * 3. Telegram's limits emulated by the fake (429 above 30 msg/s overall, 1/s per chat): all
 *    delivered, none twice, achieved rate against the allowed one.
 * 4. RSS after start and after 10,000 deliveries.
 *
 * Env: BENCH_SPREAD_MS, BENCH_IDLE_MS (default 30 s), BENCH_BURST (default 10000), BENCH_LIMITED (default 600).
 */
import { Agent, request } from "node:http";
import PgBoss from "pg-boss";
import { stopTestPostgres } from "../../../test/support/postgres.js";
import { startFakeBotApi, type FakeBotApi } from "@remindbot/fake-telegram";
import { createScheduler, type SchedulerOptions } from "./scheduler.js";
import { count, insertReminders, migratedDatabase, until, type MigratedDatabase } from "./testing/fixtures.js";
import type { SendOutcome } from "./types.js";

const SPREAD_MS = Number(process.env.BENCH_SPREAD_MS ?? 60_000);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 30_000);
const BURST = Number(process.env.BENCH_BURST ?? 10_000);
const LIMITED = Number(process.env.BENCH_LIMITED ?? 600);
const TOKEN = "123:bench";
const CONCURRENCY = 32;
const BATCH = 500;

const agent = new Agent({ keepAlive: true, maxSockets: 128 });

/** sendMessage over real HTTP to the fake Bot API, its answer mapped as the bot maps Telegram's. */
function sendMessage(api: FakeBotApi, chatId: number, text: string): Promise<SendOutcome> {
  const url = new URL(`${api.url}/bot${TOKEN}/sendMessage`);
  const body = JSON.stringify({ chat_id: chatId, text });
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let data = "";
        res.on("data", (c: Buffer) => (data += c.toString()));
        res.on("end", () => {
          const r = JSON.parse(data) as {
            ok: boolean;
            result?: { message_id: number };
            error_code?: number;
            description?: string;
            parameters?: { retry_after?: number };
          };
          if (r.ok) return resolve({ ok: true, messageId: r.result!.message_id });
          const message = r.description ?? "error";
          if (r.error_code === 429) {
            return resolve({
              ok: false,
              kind: "retry-later",
              retryAfterMs: (r.parameters?.retry_after ?? 1) * 1000,
              message,
            });
          }
          if (r.error_code === 403) return resolve({ ok: false, kind: "blocked", message });
          if (/chat not found/i.test(message)) return resolve({ ok: false, kind: "chat-not-found", message });
          resolve({ ok: false, kind: "error", message });
        });
      },
    );
    req.on("error", (err) => resolve({ ok: false, kind: "error", message: err.message }));
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const ms = (n: number) => `${n.toFixed(1)} ms`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Lateness of every sendMessage the fake received, by the reminder id carried in its text. */
function lateness(api: FakeBotApi, dueById: Map<number, number>): number[] {
  return api
    .calls({ method: "sendMessage" })
    .filter((c) => c.response?.ok !== false)
    .map((c) => (c.at as number) - (dueById.get(Number(String(c.params.text).split(" ")[1])) ?? NaN))
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
}

function schedulerFor(
  m: MigratedDatabase,
  api: FakeBotApi,
  ds: Awaited<ReturnType<MigratedDatabase["connect"]>>,
  extra: Partial<SchedulerOptions> = {},
) {
  return createScheduler({
    dataSource: ds,
    instanceId: "bench",
    leaseMs: 60_000,
    batchSize: BATCH,
    concurrency: CONCURRENCY,
    safetyPollMs: 30_000,
    send: (r) => sendMessage(api, r.chatId, r.text),
    ...extra,
  });
}

async function benchLateness(api: FakeBotApi): Promise<void> {
  const m = await migratedDatabase("bench_late");
  try {
    const s = schedulerFor(m, api, await m.connect(10), { batchSize: 100, concurrency: 10 });
    await s.start();
    const start = Date.now() + 2_000;
    const rows = Array.from({ length: 200 }, (_, i) => ({
      chatId: 10_000 + i,
      dueAt: new Date(start + Math.random() * SPREAD_MS),
    }));
    await insertReminders(
      m.ds,
      rows.map((r, i) => ({ ...r, text: `r ${i}` })),
    );
    const dueById = new Map(rows.map((r, i) => [i, r.dueAt.getTime()] as const));
    await until(async () => (await count(m.ds, "SELECT 1 FROM deliveries")) === 200, SPREAD_MS + 30_000, 250);
    const late = lateness(api, dueById);
    console.log(`lateness, 200 reminders over ${SPREAD_MS / 1000} s (due -> fake Bot API received):`);
    console.log(
      `  delivered ${late.length}/200   p50 ${ms(percentile(late, 50))}   p99 ${ms(percentile(late, 99))}   max ${ms(late.at(-1) ?? NaN)}   (target p99 < 100 ms; pg-boss polling: p50 ~900 ms)`,
    );

    const before = s.stats().queries;
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idleQueries = s.stats().queries - before;
    console.log(
      `idle load: ${idleQueries} queries in ${IDLE_MS / 1000} s = ${((idleQueries * 60_000) / IDLE_MS).toFixed(1)} per minute (safety poll 30 s; pg-boss at 0.5 s polls ~120/min per worker)`,
    );
    await s.stop({ graceMs: 5_000 });
  } finally {
    await m.close();
  }
}

interface BurstResult {
  drainMs: number;
  rate: number;
  p50: number;
  p99: number;
  sent: number;
}

function burstFigures(api: FakeBotApi, dueById: Map<number, number>): BurstResult {
  const calls = api.calls({ method: "sendMessage" });
  const times = calls.map((c) => c.at as number).sort((a, b) => a - b);
  const drainMs = (times.at(-1) ?? 0) - (times[0] ?? 0);
  const late = lateness(api, dueById);
  return {
    drainMs,
    rate: (calls.length / drainMs) * 1000,
    p50: percentile(late, 50),
    p99: percentile(late, 99),
    sent: calls.length,
  };
}

async function benchBurstOurs(api: FakeBotApi): Promise<BurstResult & { rssStart: number; rssEnd: number }> {
  const m = await migratedDatabase("bench_burst");
  try {
    const s = schedulerFor(m, api, await m.connect(10));
    await s.start();
    global.gc?.();
    const rssStart = process.memoryUsage().rss;
    const due = Date.now() + 4_000;
    await insertReminders(
      m.ds,
      Array.from({ length: BURST }, (_, i) => ({ chatId: 100_000 + i, dueAt: new Date(due), text: `r ${i}` })),
    );
    const dueById = new Map(Array.from({ length: BURST }, (_, i) => [i, due] as const));
    await until(async () => (await count(m.ds, "SELECT 1 FROM deliveries")) === BURST, 180_000, 250);
    global.gc?.();
    const rssEnd = process.memoryUsage().rss;
    heapEnd = process.memoryUsage().heapUsed;
    await s.stop({ graceMs: 5_000 });
    const distinct = await count(m.ds, "SELECT DISTINCT reminder_id FROM deliveries");
    if (distinct !== BURST) console.log(`  !! ours: ${distinct} distinct deliveries of ${BURST}`);
    return { ...burstFigures(api, dueById), rssStart, rssEnd };
  } finally {
    await m.close();
  }
}

let heapEnd = 0;
const PGBOSS_WORKERS = 4;
async function benchBurstPgBoss(api: FakeBotApi): Promise<BurstResult> {
  const m = await migratedDatabase("bench_pgboss");
  const boss = new PgBoss({ connectionString: m.db.url, max: 10, supervise: false, schedule: false });
  boss.on("error", (err) => console.log(`  pg-boss error: ${err.message}`));
  try {
    await boss.start();
    await boss.createQueue("remind");
    const due = Date.now() + 6_000;
    for (let i = 0; i < BURST; i += 2_000) {
      await boss.insert(
        Array.from({ length: Math.min(2_000, BURST - i) }, (_, j) => ({
          name: "remind",
          data: { chatId: 100_000 + i + j, text: `r ${i + j}` },
          startAfter: new Date(due),
        })),
      );
    }
    const dueById = new Map(Array.from({ length: BURST }, (_, i) => [i, due] as const));
    let done = 0;
    const perWorker = CONCURRENCY / PGBOSS_WORKERS;
    for (let w = 0; w < PGBOSS_WORKERS; w++) {
      await boss.work<{ chatId: number; text: string }>(
        "remind",
        { batchSize: BATCH, pollingIntervalSeconds: 0.5 },
        async (jobs) => {
          // Same send concurrency as ours in total: CONCURRENCY split across the workers.
          let next = 0;
          await Promise.all(
            Array.from({ length: perWorker }, async () => {
              while (next < jobs.length) {
                const job = jobs[next++]!;
                await sendMessage(api, job.data.chatId, job.data.text);
              }
            }),
          );
          done += jobs.length;
        },
      );
    }
    await until(() => done >= BURST, 180_000, 250);
    await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    return burstFigures(api, dueById);
  } finally {
    await m.close();
  }
}

async function benchLimited(): Promise<void> {
  const api = await startFakeBotApi({ rateLimit: { global: 30, perChat: 1 } });
  const m = await migratedDatabase("bench_limited");
  try {
    const paced = { perSecond: 28, perChatPerSecond: 1 };
    const s = schedulerFor(m, api, await m.connect(10), { rateLimit: paced, batchSize: 100 });
    const chats = Math.ceil(LIMITED / 2);
    // Two reminders per chat, all due now: both limits bite.
    await insertReminders(
      m.ds,
      Array.from({ length: LIMITED }, (_, i) => ({
        chatId: 200_000 + (i % chats),
        dueAt: new Date(Date.now() - 1_000),
        text: `r ${i}`,
      })),
    );
    await s.start();
    await until(async () => (await count(m.ds, "SELECT 1 FROM deliveries")) === LIMITED, LIMITED * 100 + 30_000, 250);
    await s.stop({ graceMs: 5_000 });
    const calls = api.calls({ method: "sendMessage" });
    const ok = calls.filter((c) => c.response?.ok !== false);
    const refused = calls.length - ok.length;
    const texts = new Set(ok.map((c) => String(c.params.text)));
    const times = ok.map((c) => c.at as number).sort((a, b) => a - b);
    const rate = ((ok.length - 1) / ((times.at(-1) ?? 0) - (times[0] ?? 0))) * 1000;
    const recorded = await count(m.ds, "SELECT 1 FROM deliveries");
    console.log(
      `Telegram limits emulated (30 msg/s overall, 1/s per chat), ${LIMITED} reminders in ${chats} chats, paced at ${paced.perSecond}/s:`,
    );
    console.log(
      `  delivered ${texts.size}/${LIMITED} (recorded ${recorded}), sent twice: ${ok.length - texts.size}, 429s: ${refused}   achieved ${rate.toFixed(1)} msg/s = ${((rate / 30) * 100).toFixed(1)} % of the allowed 30`,
    );
  } finally {
    await m.close();
    await api.stop();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  let api = await startFakeBotApi({ maxCalls: BURST * 2 });
  try {
    await benchLateness(api);
    await api.stop();

    api = await startFakeBotApi({ maxCalls: BURST * 2 });
    const ours = await benchBurstOurs(api);
    await api.stop();
    api = await startFakeBotApi({ maxCalls: BURST * 2 });
    const boss = await benchBurstPgBoss(api);

    console.log(`burst: ${BURST} reminders due at one instant, the fake Bot API answering at once`);
    console.log(
      `  ours:    batchSize ${BATCH}, concurrency ${CONCURRENCY}, one instance, group-committed marks (records deliveries too)`,
    );
    console.log(
      `  pg-boss: ${PGBOSS_WORKERS} workers x batchSize ${BATCH}, pollingIntervalSeconds 0.5 (its minimum), ${CONCURRENCY / PGBOSS_WORKERS} sends each = ${CONCURRENCY} in flight`,
    );
    for (const [name, r] of [
      ["ours   ", ours],
      ["pg-boss", boss],
    ] as const) {
      console.log(
        `  ${name}  sent ${r.sent}  drain ${(r.drainMs / 1000).toFixed(2)} s = ${r.rate.toFixed(0)} msg/s   lateness p50 ${ms(r.p50)} p99 ${ms(r.p99)}`,
      );
    }
    console.log(`  ratio ours/pg-boss drain throughput: ${(ours.rate / boss.rate).toFixed(2)} (target >= 1.5)`);
    console.log(
      `RSS of this process (scheduler + fake Bot API + harness, so an upper bound): after start ${mb(ours.rssStart)}, after ${BURST} deliveries ${mb(ours.rssEnd)} (target < 150 MB); JS heap after ${mb(heapEnd)}`,
    );
  } finally {
    await api.stop();
  }
  await benchLimited();
  agent.destroy();
  await stopTestPostgres();
  console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

await main();
