/**
 * Capacity of one VDS at the morning rush (issue 19). Prints figures, asserts nothing.
 *
 * Seeds 100,000 users (time zones spread as a Russian-speaking audience's are) and 1,000,000
 * active reminders over the next 30 days, then lets 10,000 fall due at once, 09:00 local in one
 * zone, and delivers them the bot's way (createSend: grammY's Api, the author's language read
 * with the claim) through the fake Bot API in a process of its own, with Telegram's limits emulated (30/s
 * overall, 1/s per chat, 429 with retry_after beyond that). Twice: 10,000 chats with one each;
 * then 9,000 chats and one group holding 1,000 (ten members with 100 each, the most the limit
 * allows). The second run ends when every ordinary chat has its reminder: the group, at one a
 * second, needs 1,000 s by itself whatever the scheduler does.
 *
 * Then C, the bot as shipped: the production image (bot/Dockerfile, built here when its content
 * changed) run as a container with the compose file's limits for the bot (512M, 0.5 CPU) on the
 * host's network, against the same database and fake, BENCH_SHIPPED_DUE due at once; its memory
 * and CPU are measured from the host (/proc of its node process, its cgroup). Without Docker, C is
 * skipped with one line.
 *
 * Reports: time to drain, achieved rate against the allowed 30/s, lateness per chat p50/p99 and the
 * worst, the slots the abusive chat took before the last ordinary chat was served, 429s,
 * duplicates and losses, scheduler queries a second (and idle, a minute), the claim and next-wake
 * statements' execution time at this size, PostgreSQL's size, the bot's RSS and CPU (A and B: this
 * process, the bot's scheduler and sends under tsx; C: the container's node process) and the
 * database server's CPU.
 *
 * Env: BENCH_USERS (100000), BENCH_ACTIVE (1000000), BENCH_DUE (10000), BENCH_ABUSE (1000),
 * BENCH_SHIPPED_DUE (3000; 0 skips C), BENCH_IDLE_MS (30000), BENCH_RATE (29.5: the scheduler's
 * ceiling, as in main.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { createInterface } from "node:readline";
import type { CallRecord } from "@remindbot/fake-telegram";
import { FakeBotApiClient } from "@remindbot/fake-telegram/client";
import { freeLoopbackPort, stopTestPostgres } from "../../../test/support/postgres.js";
import { requireEngine } from "../../../tools/sandbox/src/docker.js";
import { createI18n } from "../bot.js";
import { createSend, deliveryApi } from "../delivery.js";
import { parser } from "../parser.js";
import { createScheduler, type Scheduler } from "./scheduler.js";
import type { Send } from "./types.js";
import * as sql from "./sql.js";
import { count, migratedDatabase, type MigratedDatabase } from "./testing/fixtures.js";
import { procStat } from "./testing/proc-stat.js";
import { startShippedBot, type ShippedBot } from "./testing/shipped-bot.js";

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const ACTIVE = Number(process.env.BENCH_ACTIVE ?? 1_000_000);
const DUE = Number(process.env.BENCH_DUE ?? 10_000);
const ABUSE = Number(process.env.BENCH_ABUSE ?? 1_000);
const SHIPPED_DUE = Number(process.env.BENCH_SHIPPED_DUE ?? 3_000);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 30_000);
const RATE = Number(process.env.BENCH_RATE ?? 29.5);
const ALLOWED = 30;
const TOKEN = "123:capacity";
const ABUSIVE_CHAT = -777;
const SPIKE_ZONE = "Europe/Moscow";

/** Shares of users per zone, in percent (Russian-speaking audience, with some abroad). */
const ZONES: Array<[string, number]> = [
  ["Europe/Moscow", 38],
  ["Europe/Kyiv", 7],
  ["Europe/Minsk", 4],
  ["Asia/Yekaterinburg", 7],
  ["Asia/Novosibirsk", 5],
  ["Asia/Krasnoyarsk", 3],
  ["Asia/Vladivostok", 2],
  ["Asia/Almaty", 5],
  ["Asia/Tashkent", 3],
  ["Asia/Tbilisi", 2],
  ["Europe/Berlin", 8],
  ["Europe/London", 4],
  ["America/New_York", 6],
  ["America/Los_Angeles", 3],
  ["Asia/Jerusalem", 3],
];

const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The fake Bot API in its own process, so this process's CPU and memory are the bot's. */
async function startFake(): Promise<{ client: FakeBotApiClient; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "tools/fake-telegram/src/cli.ts",
      "--port",
      "0",
      "--rate-limit",
      `${ALLOWED},1`,
      "--max-calls",
      String((DUE + ABUSE + SHIPPED_DUE) * 3),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`fake Bot API exited (${String(code)})`)));
  });
  return { client: new FakeBotApiClient((JSON.parse(line) as { url: string }).url), child };
}

/**
 * CPU seconds (user + system) of the PostgreSQL server: the postmaster with its reaped children
 * (cutime, cstime: backends that exited) and its live children.
 */
function makePgCpu(dataDir: string | undefined): () => number {
  if (!dataDir) return () => NaN;
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(`${dataDir}/postmaster.pid`, "utf8").split("\n")[0]);
  } catch {
    return () => NaN;
  }
  return () => {
    let total = 0;
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      const s = Number(pid) === postmaster ? procStat(pid) : undefined;
      if (s) total += s.cpu + s.reaped;
      else {
        const c = procStat(pid);
        if (c?.ppid === postmaster) total += c.cpu;
      }
    }
    return total;
  };
}

async function seed(m: MigratedDatabase, t0: Date): Promise<void> {
  const zones = ZONES.flatMap(([z, w]) => Array.from({ length: w }, () => z));
  await m.ds.query(
    `INSERT INTO users (id, lang, zone)
     SELECT g, CASE WHEN g % 5 = 0 THEN 'en' ELSE 'ru' END, ($2::text[])[1 + floor(random() * $3)::int]
     FROM generate_series(1, $1::int) g`,
    [USERS, zones, zones.length],
  );
  // Seeding only: the wake-up trigger would NOTIFY a million times for rows due days from now.
  await m.ds.query(`ALTER TABLE reminders DISABLE TRIGGER USER`);
  for (let done = 0; done < ACTIVE; done += 250_000) {
    // Private chats mostly, some in groups; due on the hour or half hour over the next 30 days.
    await m.ds.query(
      `INSERT INTO reminders (user_id, chat_id, chat_type, text, zone, status, due_at, recurrence)
       SELECT u.id, CASE WHEN s.g % 20 = 0 THEN -(1 + u.id % 5000) ELSE u.id END,
              CASE WHEN s.g % 20 = 0 THEN 'group' ELSE 'private' END,
              'background ' || s.g, u.zone, 'active',
              date_trunc('hour', $1::timestamptz + interval '2 hours' + random() * interval '30 days')
                + (s.g % 2) * interval '30 minutes',
              CASE WHEN s.g % 4 = 0 THEN '{"kind":"daily","time":{"hour":9,"minute":0}}'::jsonb END
       FROM (SELECT g, 1 + floor(random() * $2)::int AS uid FROM generate_series(1, $3::int) g) s
       JOIN users u ON u.id = s.uid`,
      [t0, USERS, Math.min(250_000, ACTIVE - done)],
    );
  }
  await m.ds.query(`ALTER TABLE reminders ENABLE TRIGGER USER`);
  await m.ds.query(`VACUUM ANALYZE`);
}

/** Users of the spike zone, in id order, `skip` of them passed over. */
async function zoneUsers(m: MigratedDatabase, n: number, skip: number): Promise<number[]> {
  const rows = (await m.ds.query(`SELECT id FROM users WHERE zone = $1 ORDER BY id OFFSET $2 LIMIT $3`, [
    SPIKE_ZONE,
    skip,
    n,
  ])) as { id: string }[];
  return rows.map((r) => Number(r.id));
}

interface Spike {
  tag: string;
  due: Date;
  /** Ordinary chats (one reminder each) and the abusive chat's count. */
  ordinary: number;
  abusive: number;
  /** Ids of the ordinary rows (one statement, so contiguous). */
  ids?: { lo: number; hi: number };
}

/** Inserts the spike: one reminder for each of `users` in their private chat, plus `abusive` in one group. */
async function insertSpike(m: MigratedDatabase, spike: Spike, users: number[], members: number[]): Promise<void> {
  // The abusive group's rows first: as old as the others, and first in the index, the worst case.
  if (spike.abusive > 0) {
    await m.ds.query(
      `INSERT INTO reminders (user_id, chat_id, chat_type, author_name, text, zone, status, due_at)
       SELECT ($1::bigint[])[1 + (g - 1) / 100], $2, 'group', 'member', $3 || g, $4, 'active', $5
       FROM generate_series(1, $6::int) g`,
      [members, ABUSIVE_CHAT, `spike${spike.tag}abuse-`, SPIKE_ZONE, spike.due, spike.abusive],
    );
  }
  const ids = (await m.ds.query(
    `INSERT INTO reminders (user_id, chat_id, chat_type, text, zone, status, due_at)
     SELECT u, u, 'private', $2 || '-' || u, $3, 'active', $4 FROM unnest($1::bigint[]) u RETURNING id`,
    [users, `spike${spike.tag}`, SPIKE_ZONE, spike.due],
  )) as { id: string }[];
  spike.ids = { lo: Math.min(...ids.map((r) => Number(r.id))), hi: Math.max(...ids.map((r) => Number(r.id))) };
}

/**
 * Execution time of a statement at this size, in ms (median of 5; the server's own figure, without
 * per-node timing overhead), inside a transaction rolled back.
 */
async function statementMs(m: MigratedDatabase, text: string, params: unknown[]): Promise<number> {
  const runner = m.ds.createQueryRunner();
  await runner.connect();
  const times: number[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      await runner.startTransaction();
      const [row] = (await runner.query(`EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${text}`, params)) as {
        "QUERY PLAN": { "Execution Time": number }[];
      }[];
      times.push(row!["QUERY PLAN"][0]!["Execution Time"]);
      await runner.rollbackTransaction();
    }
  } finally {
    await runner.release();
  }
  return times.sort((a, b) => a - b)[2]!;
}

interface Run {
  drainMs: number;
  rate: number;
  perChat: number[];
  worstOrdinary: number;
  abusiveSent: number;
  abusiveBeforeLast: number;
  refused: number;
  /** Of them, on the abusive chat (its own 1/s limit, or the global one). */
  refusedAbusive: number;
  duplicates: number;
  lost: number;
  /** NaN where the bot's insides are not visible (C: the container). */
  queriesPerS: number;
  cpuBot: number;
  cpuDb: number;
  rssPeak: number;
  heapPeak: number;
  /** The fair queue's pace at the end: its hard-cap window and rate. */
  windowMs: number;
  rateNow: number;
  /** Where the time went (A, B): due to the first send accepted, ms. */
  firstMs: number;
  /** Send calls of the accepted messages here: 30 in a row took at least / on average, ms. */
  span30: { min: number; mean: number };
  /** From the send call here to the fake's clock on arrival, ms: p50, p99, max. */
  transit: { p50: number; p99: number; max: number };
}

/** What the bench can see of the bot it drives: this process's scheduler (A, B) or the container (C). */
interface BotProbe {
  cpuSeconds(): number;
  memory(): { rss: number; heap: number };
  queries(): number;
  pace(): { rate: number; windowMs: number };
  /** When each send was called, by the reminder's text (in process only). */
  leftAt?: Map<string, number>;
}

function inProcess(sched: Scheduler, leftAt: Map<string, number>): BotProbe {
  return {
    leftAt,
    cpuSeconds: () => {
      const c = process.cpuUsage();
      return (c.user + c.system) / 1e6;
    },
    memory: () => {
      const mem = process.memoryUsage();
      return { rss: mem.rss, heap: mem.heapUsed };
    },
    queries: () => sched.stats().queries,
    pace: () => sched.pace(),
  };
}

function shippedProbe(bot: ShippedBot): BotProbe {
  return {
    cpuSeconds: () => bot.cpuSeconds(),
    memory: () => ({ rss: bot.rss().now, heap: NaN }),
    queries: () => NaN,
    pace: () => ({ rate: NaN, windowMs: NaN }),
  };
}

async function drain(
  m: MigratedDatabase,
  fake: FakeBotApiClient,
  bot: BotProbe,
  spike: Spike,
  pgCpu: () => number,
): Promise<Run> {
  const since = await fake.cursor();
  const q0 = bot.queries();
  const cpu0 = bot.cpuSeconds();
  const db0 = pgCpu();
  let rssPeak = 0;
  let heapPeak = 0;
  const sampler = setInterval(() => {
    const mem = bot.memory();
    rssPeak = Math.max(rssPeak, mem.rss);
    heapPeak = Math.max(heapPeak, mem.heap);
  }, 500);
  const ordinaryDone = () =>
    count(m.ds, `SELECT 1 FROM deliveries WHERE reminder_id BETWEEN $1 AND $2`, [spike.ids!.lo, spike.ids!.hi]);
  const wall0 = Date.now();
  while ((await ordinaryDone()) < spike.ordinary) {
    if (Date.now() - wall0 > 3_600_000) throw new Error("not drained within an hour");
    await new Promise((r) => setTimeout(r, 1_000));
  }
  clearInterval(sampler);
  const wall = Date.now() - wall0;
  const cpu = bot.cpuSeconds() - cpu0;
  const db = pgCpu() - db0;
  const queries = bot.queries() - q0;

  const calls: CallRecord[] = await fake.calls({ since, method: "sendMessage" });
  const ok = calls.filter((c) => c.response.ok);
  // The reminder's own text ("spikea-123"), wherever it is in the message (a late one has a note after it).
  const marker = (c: CallRecord) => /spike\w+-\d+/.exec(String(c.params.text))?.[0] ?? "";
  const seen = new Map<string, number>();
  for (const c of ok) seen.set(marker(c), (seen.get(marker(c)) ?? 0) + 1);
  const duplicates = [...seen.values()].reduce((n, k) => n + k - 1, 0);
  const isAbuse = (c: CallRecord) => c.params.chat_id === ABUSIVE_CHAT;
  const ordinary = ok.filter((c) => !isAbuse(c));
  const abusive = ok.filter(isAbuse);
  const due = spike.due.getTime();
  const perChat = ordinary.map((c) => c.at - due).sort((a, b) => a - b);
  const lastOrdinary = Math.max(...ordinary.map((c) => c.at));
  const times = ok
    .map((c) => c.at)
    .filter((t) => t <= lastOrdinary)
    .sort((a, b) => a - b);
  const drainMs = lastOrdinary - due;
  const lost = spike.ordinary - new Set(ordinary.map(marker)).size;
  const served = ok.filter((c) => c.at <= lastOrdinary);
  const left = served.map((c) => bot.leftAt?.get(marker(c)) ?? NaN);
  const transit = served.map((c, i) => c.at - left[i]!).sort((a, b) => a - b);
  const leftSorted = [...left].sort((a, b) => a - b);
  const spans = leftSorted.slice(30).map((t, i) => t - leftSorted[i]!);
  return {
    drainMs,
    rate: ((times.length - 1) / (times.at(-1)! - times[0]!)) * 1000,
    firstMs: times[0]! - due,
    span30: { min: Math.min(...spans), mean: spans.reduce((a, b) => a + b, 0) / spans.length },
    transit: { p50: percentile(transit, 50), p99: percentile(transit, 99), max: transit.at(-1) ?? NaN },
    perChat,
    worstOrdinary: perChat.at(-1) ?? NaN,
    abusiveSent: abusive.length,
    abusiveBeforeLast: abusive.filter((c) => c.at < lastOrdinary).length,
    refused: calls.length - ok.length,
    refusedAbusive: calls.filter((c) => !c.response.ok && isAbuse(c)).length,
    duplicates,
    lost,
    queriesPerS: (queries / wall) * 1000,
    cpuBot: (cpu * 1000) / wall,
    cpuDb: (db * 1000) / wall,
    rssPeak,
    heapPeak,
    windowMs: bot.pace().windowMs,
    rateNow: bot.pace().rate,
  };
}

function report(name: string, spike: Spike, r: Run): void {
  console.log(
    `${name}: ${spike.ordinary} ordinary chats${spike.abusive ? ` + one group holding ${spike.abusive}` : ""}, due at once`,
  );
  console.log(
    `  drained (every ordinary chat served) ${s1(r.drainMs)} after the due time; ${r.rate.toFixed(2)} msg/s = ${pct(r.rate / ALLOWED)} of the allowed ${ALLOWED} (target >= 97 %)`,
  );
  console.log(
    `  lateness per ordinary chat: p50 ${s1(percentile(r.perChat, 50))}  p99 ${s1(percentile(r.perChat, 99))}  worst ${s1(r.worstOrdinary)} (the last of ${spike.ordinary} at ${ALLOWED}/s cannot be before ${s1((spike.ordinary / ALLOWED) * 1000)})`,
  );
  if (spike.abusive) {
    console.log(
      `  abusive chat: ${r.abusiveSent} of ${spike.abusive} sent by then (1/s), ${r.abusiveBeforeLast} of them before the last ordinary chat = ${s1((r.abusiveBeforeLast / r.rate) * 1000)} of slots taken from the others (target < 10 s)`,
    );
  }
  const pace = Number.isNaN(r.rateNow)
    ? ""
    : `   pace at the end ${r.rateNow.toFixed(1)}/s, ${Math.ceil(r.rateNow)} per ${r.windowMs.toFixed(0)} ms`;
  const onAbusive = spike.abusive ? ` (${r.refusedAbusive} on the abusive chat)` : "";
  console.log(`  429s received ${r.refused}${onAbusive}   duplicates ${r.duplicates}   lost ${r.lost}${pace}`);
  if (!Number.isNaN(r.transit.p50)) {
    console.log(
      `  where the time goes: first send accepted ${s1(r.firstMs)} after the due time; 30 sends in a row left here within ${r.span30.min.toFixed(0)} ms at the least, ${r.span30.mean.toFixed(0)} ms on average (30 at the ceiling: ${((30 * 1000) / RATE).toFixed(0)} ms); send call to the fake's clock p50 ${r.transit.p50.toFixed(1)} ms, p99 ${r.transit.p99.toFixed(1)} ms, max ${r.transit.max.toFixed(0)} ms`,
    );
  }
  const queries = Number.isNaN(r.queriesPerS) ? "" : `scheduler queries ${r.queriesPerS.toFixed(1)}/s   `;
  const heap = Number.isNaN(r.heapPeak) ? "" : `, JS heap peak ${mb(r.heapPeak)}`;
  console.log(
    `  ${queries}CPU: bot ${r.cpuBot.toFixed(2)} cores (limit 0.5), PostgreSQL ${Number.isNaN(r.cpuDb) ? "n/a" : `${r.cpuDb.toFixed(2)} cores`}   bot RSS peak ${mb(r.rssPeak)} sampled every 0.5 s (target < 150 MB, limit 512 MB)${heap}`,
  );
}

/**
 * C: the bot as shipped (the production image, the compose file's limits) drains `SHIPPED_DUE`
 * due at once, with everything else as in A. The in-process scheduler is stopped first; what is
 * left of B's abusive group is set aside, so the figures are the ordinary chats' alone.
 */
async function shippedRun(
  m: MigratedDatabase,
  fake: FakeBotApiClient,
  pgCpu: () => number,
  skip: number,
): Promise<void> {
  try {
    await requireEngine();
  } catch (err) {
    console.log(`C (the bot as shipped): skipped: ${(err as Error).message}`);
    return;
  }
  await m.ds.query(`UPDATE reminders SET status = 'done' WHERE chat_id = $1 AND status = 'active'`, [ABUSIVE_CHAT]);
  const t0 = Date.now();
  const bot = await startShippedBot(
    {
      BOT_TOKEN: TOKEN,
      DATABASE_URL: m.db.url,
      TELEGRAM_API_ROOT: fake.url,
      HEALTH_PORT: String(await freeLoopbackPort()),
    },
    (line) => console.log(`  ${line}`),
  );
  try {
    const cg = () => bot.cgroup() ?? { now: NaN, peak: NaN };
    const idle = { rss: bot.rss(), cgroup: cg() };
    console.log(
      `C: the bot as shipped: ${bot.image} with the compose file's limits (--memory ${bot.limits.memory} --cpus ${bot.limits.cpus}, host network), active ${s1(Date.now() - t0)} after start (build included); node RSS ${mb(idle.rss.now)} idle (peak so far ${mb(idle.rss.peak)}), container cgroup ${mb(idle.cgroup.now)}`,
    );
    const users = await zoneUsers(m, SHIPPED_DUE, skip);
    const c: Spike = { tag: "c", due: new Date(Date.now() + 5_000), ordinary: users.length, abusive: 0 };
    await insertSpike(m, c, users, []);
    report("C", c, await drain(m, fake, shippedProbe(bot), c, pgCpu));
    const end = { rss: bot.rss(), cgroup: cg() };
    console.log(
      `  the shipped bot's node process: RSS peak ${mb(end.rss.peak)} since it started (VmHWM; target < 150 MB), ${mb(end.rss.now)} at the end (anonymous ${mb(end.rss.anon)}, files ${mb(end.rss.file)}: node's binary and libraries); container cgroup peak ${mb(end.cgroup.peak)} (what the 512M limit counts: page cache included, pages first charged elsewhere not; limit ${bot.limits.memory})`,
    );
  } finally {
    await bot.stop();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const { client: fake, child } = await startFake();
  const m = await migratedDatabase("bench_capacity");
  let sched: Scheduler | undefined;
  try {
    const seedStart = Date.now();
    await seed(m, new Date());
    const [size] = (await m.ds.query(
      `SELECT pg_database_size(current_database()) AS db, pg_total_relation_size('reminders') AS reminders,
              (SELECT count(*) FROM reminders WHERE status = 'active') AS active`,
    )) as { db: string; reminders: string; active: string }[];
    console.log(
      `seeded ${USERS} users and ${size!.active} active reminders in ${s1(Date.now() - seedStart)}; PostgreSQL: database ${mb(Number(size!.db))}, reminders with indexes ${mb(Number(size!.reminders))}`,
    );
    const dir = await m.ds
      .query(`SELECT current_setting('data_directory') AS d`)
      .then((rows: { d: string }[]) => rows[0]?.d)
      .catch(() => undefined); // not allowed to read it: the database's CPU is then n/a
    const pgCpu = makePgCpu(dir);

    const ds = await m.connect(10);
    const leftAt = new Map<string, number>();
    const bare = createSend(deliveryApi(TOKEN, fake.url), {
      i18n: createI18n(),
      formatDue: parser.formatDue,
    });
    const send: Send = (r, info) => {
      leftAt.set(r.text, Date.now());
      return bare(r, info);
    };
    sched = createScheduler({
      dataSource: ds,
      send,
      instanceId: "capacity",
      applyQuietHours: parser.applyQuietHours,
      rateLimit: { perSecond: RATE, perChatPerSecond: 1 },
    });
    global.gc?.();
    const rssStart = process.memoryUsage().rss;
    await sched.start();

    await new Promise((r) => setTimeout(r, 2_000));
    const idle0 = sched.stats().queries;
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idle = ((sched.stats().queries - idle0) * 60_000) / IDLE_MS;
    console.log(
      `idle with ${size!.active} active, none due: ${idle.toFixed(1)} scheduler queries a minute; bot RSS ${mb(rssStart)} after start`,
    );

    // A: one reminder in each of DUE chats, 09:00 in the spike zone = a few seconds from now.
    const users = await zoneUsers(m, DUE, 0);
    const a: Spike = { tag: "a", due: new Date(Date.now() + 5_000), ordinary: users.length, abusive: 0 };
    await insertSpike(m, a, users, []);
    await m.ds.query(`ANALYZE reminders`);
    const at = new Date(a.due.getTime() + 1_000);
    const claimMs = await statementMs(m, sql.CLAIM, ["probe", 100, 60_000, at, [], 2]);
    const wakeMs = await statementMs(m, sql.NEXT_WAKE, [at]);
    console.log(
      `with ${users.length} due at once among ${size!.active}: claim of 100 ${claimMs.toFixed(2)} ms, next wake ${wakeMs.toFixed(2)} ms (execution, median of 5; target < 5 ms)`,
    );
    report("A", a, await drain(m, fake, inProcess(sched, leftAt), a, pgCpu));

    // B: DUE - ABUSE ordinary chats, and one group where ten members keep 100 each.
    const others = await zoneUsers(m, DUE - ABUSE, DUE);
    const members = await zoneUsers(m, Math.ceil(ABUSE / 100), DUE * 2);
    global.gc?.(); // what run A's figures left behind (its call records) should not count against B
    const b: Spike = { tag: "b", due: new Date(Date.now() + 5_000), ordinary: others.length, abusive: ABUSE };
    await insertSpike(m, b, others, members);
    report("B", b, await drain(m, fake, inProcess(sched, leftAt), b, pgCpu));
    await sched.stop({ graceMs: 5_000 });
    if (SHIPPED_DUE > 0) await shippedRun(m, fake, pgCpu, DUE * 2 + members.length);
    const [after] = (await m.ds.query(`SELECT pg_database_size(current_database()) AS db`)) as { db: string }[];
    console.log(`PostgreSQL database after the runs: ${mb(Number(after!.db))}`);
  } finally {
    await sched?.stop({ graceMs: 5_000 });
    await m.close();
    child.kill("SIGTERM");
    await stopTestPostgres();
  }
  console.log(`total ${s1(Date.now() - started)}`);
}

await main();
