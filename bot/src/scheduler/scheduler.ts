/**
 * The delivery scheduler: claims due reminders, sends them outside any transaction with bounded
 * concurrency, records each delivery and moves its reminder on. Safe with several processes on one
 * database (claims use FOR UPDATE SKIP LOCKED and a lease; a sender that dies mid-batch loses its
 * rows to the lease, not forever).
 *
 * It wakes at the next due time (a timer), on NOTIFY when a row becomes due earlier than that, and on
 * a slow safety poll; there is no polling loop, so idle it makes a handful of queries a minute.
 * Database errors (PostgreSQL restarting) are logged and retried with backoff, never thrown.
 *
 * Claimed rows wait in a fair queue (./fair-queue.ts): round-robin across chats, paced below
 * Telegram's limits, so a chat waiting for its own slot holds no send slot and one chat with many
 * due rows cannot hold back the others. Claims take at most a few rows per chat and none of a chat
 * that still has rows waiting here, so the batch fills with many chats, not one.
 *
 * Time comes from one clock (`options.clock`): the statements get its time as a parameter rather
 * than asking the database for now(), so due rows, leases and holds are judged by the same clock as
 * the timers, the 429 pause and the pacing. Several processes share leases through it, so they need
 * clocks that agree (one host, or NTP).
 */
import type { DataSource } from "typeorm";
import { pgClientConfig } from "../db/data-source.js";
import { int8ToNumber } from "../db/bigint.js";
import { nextOccurrence as parseNextOccurrence } from "../parse/recurrence.js";
import type { Lang, Recurrence } from "../parse/types.js";
import { backoffMs } from "./backoff.js";
import { sleepFor, systemClock, type Clock, type Timer } from "./clock.js";
import { createListener } from "./listener.js";
import { isLate, parserQuietHours, planOutcome, type Plan, type PlanContext, type QuietHoursRule } from "./outcome.js";
import { FairQueue, type RateLimit } from "./fair-queue.js";
import * as sql from "./sql.js";
import type { DueReminder, QuietMinutes, Send, SchedulerLogger, SchedulerStats, SendOutcome } from "./types.js";

export interface SchedulerOptions {
  dataSource: DataSource;
  send: Send;
  /** Written to claimed_by; unique per process (e.g. hostname:pid). */
  instanceId: string;
  /** How long a claim holds before another instance may take the row (default 60 s). Keep it well above a send's timeout. */
  leaseMs?: number;
  /** Most rows claimed at once and not yet marked (default 100). */
  batchSize?: number;
  /** Sends in flight at once (default 10). */
  concurrency?: number;
  /** The slow poll for whatever a notification missed (default 30 s). */
  safetyPollMs?: number;
  /** An occurrence fails after this many errors of kind "error" (default 5). */
  maxAttempts?: number;
  /** Backoff between such attempts (defaults 5 s doubling to 10 min). */
  retryBaseMs?: number;
  retryCapMs?: number;
  /**
   * Pace sends below Telegram's limits (default: not paced; 429s are still honoured). perSecond is
   * the ceiling: a 429 lowers the pace, which creeps back while sends succeed.
   */
  rateLimit?: RateLimit;
  /** Next occurrence of a rule (default: the parser's). */
  nextOccurrence?: PlanContext["nextOccurrence"];
  /** Moves a recurring reminder's next occurrence out of the user's quiet hours (default: the parser's rule). */
  applyQuietHours?: QuietHoursRule;
  logger?: SchedulerLogger;
  /** Time and timers for every decision (default: the real clock). */
  clock?: Clock;
  /**
   * The time, when only that is replaced (timers stay real): shorthand for a clock with this `now`.
   * Give `clock` or `now`, not both.
   */
  now?: () => Date;
}

export interface Scheduler {
  /** Starts claiming; resolves once the LISTEN connection is up (or its first attempt failed and retries). */
  start(): Promise<void>;
  /**
   * Stops claiming, gives back claimed rows not yet sent, lets in-flight sends finish and be recorded
   * for at most `graceMs` (default 10 s). What is still in flight after that is left to the lease.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Looks for due rows now (e.g. right after the bot created one). */
  wake(): void;
  stats(): SchedulerStats;
  /** The send pace now: messages a second and the hard cap's window (they adapt to 429s). */
  pace(): { rate: number; windowMs: number };
}

interface Claimed {
  reminder: DueReminder;
  /** due_at as PostgreSQL printed it: exact to the microsecond, to match the row when marking. */
  dueAtExact: string;
  quiet: QuietMinutes;
  lang: Lang | null;
  leaseEndsAt: number;
}

interface ClaimRow {
  id: string;
  user_id: string;
  chat_id: string;
  chat_type: string;
  author_name: string | null;
  text: string;
  zone: string;
  recurrence: Recurrence | null;
  urgent: boolean;
  due_at: Date;
  due_at_exact: string;
  attempts: number;
  quiet_start: number | null;
  quiet_end: number | null;
  lang: Lang | null;
}

const silent: SchedulerLogger = { error() {}, warn() {}, info() {}, debug() {} };
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Marks recorded at once (each its own transaction on its own pooled connection). */
const MARK_PARALLELISM = 1;
/** With a per-chat limit, a claim takes at most this many rows of one chat (they wait a second each). */
const CLAIM_PER_CHAT = 2;

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const ds = options.dataSource;
  const send = options.send;
  const me = options.instanceId;
  const leaseMs = options.leaseMs ?? 60_000;
  const batchSize = Math.max(1, options.batchSize ?? 100);
  const concurrency = Math.max(1, options.concurrency ?? 10);
  const safetyPollMs = options.safetyPollMs ?? 30_000;
  const log = options.logger ?? silent;
  if (options.clock && options.now) throw new TypeError("createScheduler: give clock or now, not both");
  const clock: Clock = options.now
    ? { ...systemClock, now: () => options.now!().getTime() }
    : (options.clock ?? systemClock);
  const now = () => new Date(clock.now());
  const fair = new FairQueue<Claimed>(options.rateLimit);
  const perChatCap = options.rateLimit?.perChatPerSecond ? CLAIM_PER_CHAT : batchSize;
  // A row whose lease is this close to its end is given back rather than sent: another instance may take it.
  const leaseMargin = Math.min(leaseMs / 4, 5_000);
  const planBase = {
    maxAttempts: options.maxAttempts ?? 5,
    retryBaseMs: options.retryBaseMs ?? 5_000,
    retryCapMs: options.retryCapMs ?? 600_000,
    defaultRetryAfterMs: 1_000,
    nextOccurrence: options.nextOccurrence ?? parseNextOccurrence,
    applyQuietHours: options.applyQuietHours ?? parserQuietHours,
  };

  const stats: SchedulerStats = {
    queries: 0,
    claims: 0,
    claimed: 0,
    sent: 0,
    delivered: 0,
    retried: 0,
    failed: 0,
    deactivated: 0,
    released: 0,
    dbErrors: 0,
    notifications: 0,
  };

  let state: "idle" | "running" | "stopping" | "stopped" = "idle";
  /** After stop's grace: late completions are no longer recorded (the lease brings those rows back). */
  let abandoned = false;
  /**
   * Rows this process claimed and has not finished (queued, sending, or sent and awaiting their
   * mark). If a slow mark lets a lease run out, our own next claim may return such a row: it is
   * already being handled, so it is not sent again (the new claim just renews its lease).
   */
  const mine = new Set<number>();
  let inflight = 0;
  let pumping = false;
  let again = false;
  /** The last claim filled its room: more rows are probably due right now. */
  let moreDue = false;
  let dbFailures = 0;
  let emptyDueStreak = 0;
  let wakeTimer: Timer | undefined;
  let pollTimer: Timer | undefined;
  let dispatchTimer: Timer | undefined;
  const changeWaiters = new Set<() => void>();

  function changed(): void {
    for (const w of changeWaiters) w();
  }

  function waitFor(pred: () => boolean, deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (pred() || clock.now() >= deadline) {
          changeWaiters.delete(check);
          clock.clearTimeout(timer);
          resolve();
        }
      };
      const timer = clock.setTimeout(check, Math.max(0, deadline - clock.now()));
      changeWaiters.add(check);
      check();
    });
  }

  async function query<T>(text: string, params: unknown[]): Promise<T> {
    stats.queries++;
    return (await ds.query(text, params)) as T;
  }

  // ---- waking -------------------------------------------------------------------------------

  function kick(): void {
    if (state !== "running") return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    void pump()
      .catch((err: unknown) => log.error("scheduler: unexpected error", { error: errorMessage(err) }))
      .finally(() => {
        pumping = false;
        changed();
      });
  }

  function armWake(ms: number): void {
    clock.clearTimeout(wakeTimer);
    if (state !== "running") return;
    wakeTimer = clock.setTimeout(
      () => {
        wakeTimer = undefined;
        kick();
      },
      Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(ms))),
    );
  }

  function onDbError(what: string, err: unknown): void {
    stats.dbErrors++;
    dbFailures++;
    const retryInMs = backoffMs(dbFailures, 500, 30_000);
    log.error(`scheduler: ${what} failed, retrying`, { error: errorMessage(err), retryInMs, failures: dbFailures });
    armWake(retryInMs);
  }

  async function pump(): Promise<void> {
    do {
      again = false;
      await pumpOnce();
    } while (again && state === "running");
  }

  async function pumpOnce(): Promise<void> {
    const pause = fair.pausedUntil - clock.now();
    if (pause > 0) return armWake(pause);
    const room = batchSize - fair.size - inflight - marks.pending();
    if (room <= 0) return; // completions kick again
    let rows: Claimed[];
    try {
      rows = await claim(room);
      dbFailures = 0;
    } catch (err) {
      return onDbError("claim", err);
    }
    if (state !== "running") {
      await release(rows.filter((r) => !mine.has(r.reminder.id)));
      return;
    }
    let added = 0;
    for (const row of rows) {
      if (mine.has(row.reminder.id)) continue;
      mine.add(row.reminder.id);
      fair.push(row.reminder.chatId, row);
      added++;
    }
    dispatch();
    // With a per-chat cap a short claim may still leave rows due (of chats now waiting here).
    moreDue = rows.length === room || (perChatCap < batchSize && added > 0);
    if (moreDue && added < room && fair.size < concurrency) again = true;
    if (rows.length > 0) emptyDueStreak = 0;
    if (!moreDue) await armNextWake();
  }

  async function claim(limit: number): Promise<Claimed[]> {
    const at = clock.now();
    const leaseEndsAt = at + leaseMs;
    stats.claims++;
    const waiting = perChatCap < batchSize ? fair.chats() : [];
    const rows = await query<ClaimRow[]>(sql.CLAIM, [me, limit, leaseMs, new Date(at), waiting, perChatCap]);
    stats.claimed += rows.length;
    return rows.map((r) => ({
      reminder: {
        id: int8ToNumber(r.id),
        userId: int8ToNumber(r.user_id),
        chatId: int8ToNumber(r.chat_id),
        chatType: r.chat_type,
        authorName: r.author_name,
        text: r.text,
        zone: r.zone,
        recurrence: r.recurrence,
        urgent: r.urgent,
        dueAt: r.due_at,
        attempts: r.attempts,
      },
      dueAtExact: r.due_at_exact,
      quiet: { start: r.quiet_start, end: r.quiet_end },
      lang: r.lang,
      leaseEndsAt,
    }));
  }

  async function armNextWake(): Promise<void> {
    let delay: number | null;
    try {
      const [row] = await query<{ delay_ms: string | number | null }[]>(sql.NEXT_WAKE, [now()]);
      delay = row?.delay_ms == null ? null : Number(row.delay_ms);
    } catch (err) {
      return onDbError("next-wake", err);
    }
    if (state !== "running") return;
    if (delay === null) {
      clock.clearTimeout(wakeTimer); // nothing active: NOTIFY or the safety poll will wake us
      return;
    }
    if (delay <= 0) {
      // Due, yet the claim did not get it (another claimer holds its lock this instant): look again soon.
      delay = Math.min(1_000, 5 * 2 ** emptyDueStreak++);
    }
    armWake(delay + 1);
  }

  // ---- sending ------------------------------------------------------------------------------

  /** Starts every send the fair queue allows now; arms a timer for the next one it allows later. */
  function dispatch(): void {
    clock.clearTimeout(dispatchTimer);
    dispatchTimer = undefined;
    while (state === "running" && inflight < concurrency) {
      const takenAt = clock.now(); // the same time the fair queue records for this send
      const next = fair.take(takenAt);
      if (next === null) return;
      if ("waitMs" in next) {
        dispatchTimer = clock.setTimeout(dispatch, Math.max(1, Math.ceil(next.waitMs)));
        return;
      }
      const item = next.item;
      if (takenAt > item.leaseEndsAt - leaseMargin) {
        void release([item]); // waited too long: another instance may take it now
        continue;
      }
      inflight++;
      void sendOne(item, takenAt)
        .catch((err: unknown) => log.error("scheduler: send step failed", { error: errorMessage(err) }))
        .finally(() => {
          inflight--;
          dispatch();
          if (moreDue && fair.size < concurrency) kick();
          changed();
        });
    }
  }

  async function sendOne(item: Claimed, takenAt: number): Promise<void> {
    const r = item.reminder;
    const late = isLate(r.dueAt, now());
    stats.sent++;
    let outcome: SendOutcome;
    try {
      outcome = await send(r, { late, ...(item.lang ? { lang: item.lang } : {}) });
    } catch (err) {
      outcome = { ok: false, kind: "error", message: errorMessage(err) };
    }
    if (abandoned) return;
    const plan = planOutcome(r, outcome, { ...planBase, now: now(), late, quiet: item.quiet });
    if (outcome.ok) fair.delivered(clock.now(), takenAt);
    else if (outcome.kind === "retry-later" && plan.kind === "hold") {
      // A 429 names its wait (its chat, or every chat when it looks global); a 5xx pauses all.
      if (outcome.retryAfterMs !== undefined) fair.retryAfter(r.chatId, plan.delayMs, clock.now());
      else fair.pause(clock.now() + plan.delayMs);
    }
    if (!outcome.ok) {
      log.warn("scheduler: send did not deliver", { reminderId: r.id, kind: outcome.kind, error: outcome.message });
    }
    marks.push(item, plan);
  }

  async function release(items: Claimed[]): Promise<void> {
    for (const i of items) mine.delete(i.reminder.id);
    if (items.length === 0) return;
    try {
      await query(sql.RELEASE, [items.map((i) => i.reminder.id), me]);
      stats.released += items.length;
    } catch (err) {
      // Not fatal: the lease gives them back anyway.
      log.warn("scheduler: could not release claims", { error: errorMessage(err), rows: items.length });
    }
  }

  // ---- marking: group commit ----------------------------------------------------------------
  // Outcomes that arrive while the recorders are busy are recorded together by the next free one:
  // no added wait when idle, few transactions under load, and a crash window of about one round trip.

  const marks = (() => {
    let pending: { item: Claimed; plan: Plan }[] = [];
    let inProgress = 0;
    let flushers = 0;
    let failures = 0;

    async function apply(batch: { item: Claimed; plan: Plan }[]): Promise<void> {
      const delivered = batch.filter(
        (b): b is { item: Claimed; plan: Extract<Plan, { kind: "delivered" }> } => b.plan.kind === "delivered",
      );
      if (delivered.length > 0) {
        await query(sql.MARK_DELIVERED, [
          delivered.map((d) => d.item.reminder.id),
          delivered.map((d) => d.item.dueAtExact),
          delivered.map((d) => d.plan.sentAt),
          delivered.map((d) => d.plan.late),
          delivered.map((d) => d.plan.messageId),
          delivered.map((d) => d.plan.nextDue),
          delivered.map((d) => d.plan.error ?? null),
        ]);
      }
      for (const { item, plan } of batch) {
        const r = item.reminder;
        if (plan.kind === "deactivate") {
          await query(sql.MARK_BLOCKED, [r.chatId, r.userId, plan.error, r.chatType === "private"]);
        } else if (plan.kind === "fail") {
          await query(sql.MARK_FAILED, [r.id, item.dueAtExact, plan.error]);
        } else if (plan.kind === "hold") {
          await query(sql.HOLD, [r.id, item.dueAtExact, plan.delayMs, plan.attempts, plan.error, now()]);
        }
      }
      for (const { plan } of batch) {
        if (plan.kind === "delivered") stats.delivered++;
        else if (plan.kind === "hold") stats.retried++;
        else if (plan.kind === "fail") stats.failed++;
        else stats.deactivated++;
      }
    }

    /** One recorder: takes whatever is pending, records it, repeats while more is pending. */
    async function flush(): Promise<void> {
      flushers++;
      try {
        while (pending.length > 0 && !abandoned) {
          const batch = pending;
          pending = [];
          inProgress += batch.length;
          try {
            await apply(batch); // idempotent, so a retry after a partial failure is safe
            for (const b of batch) mine.delete(b.item.reminder.id);
            failures = 0;
          } catch (err) {
            pending = [...batch, ...pending];
            stats.dbErrors++;
            const retryInMs = backoffMs(++failures, 250, 10_000);
            log.error("scheduler: recording deliveries failed, retrying", {
              error: errorMessage(err),
              rows: batch.length,
              retryInMs,
            });
            await sleepFor(clock, retryInMs);
          } finally {
            inProgress -= batch.length;
          }
          // Marked rows make room for the next claim; a hold changes when its row is next claimable.
          if ((moreDue && fair.size < concurrency) || batch.some((b) => b.plan.kind === "hold")) kick();
          changed();
        }
      } finally {
        flushers--;
        changed();
      }
    }

    return {
      push(item: Claimed, plan: Plan): void {
        pending.push({ item, plan });
        if (flushers < MARK_PARALLELISM) void flush();
      },
      /** Outcomes not yet recorded. */
      pending: () => pending.length + inProgress,
      idle: () => flushers === 0 && pending.length === 0,
    };
  })();

  // ---- lifecycle ----------------------------------------------------------------------------

  const listener = createListener({
    config: pgClientConfig(ds),
    channel: sql.LISTEN_CHANNEL,
    logger: log,
    clock,
    onNotify: () => {
      stats.notifications++;
      kick();
    },
    onConnected: kick,
  });

  return {
    async start() {
      if (state !== "idle") return;
      state = "running";
      abandoned = false;
      const poll = () => {
        if (state !== "running") return;
        pollTimer = clock.setTimeout(poll, safetyPollMs);
        kick();
      };
      pollTimer = clock.setTimeout(poll, safetyPollMs);
      kick();
      await listener.start();
      log.info("scheduler: started", { instanceId: me, batchSize, concurrency, leaseMs });
    },

    async stop({ graceMs = 10_000 } = {}) {
      if (state !== "running") return;
      state = "stopping";
      const deadline = clock.now() + graceMs;
      clock.clearTimeout(wakeTimer);
      clock.clearTimeout(pollTimer);
      clock.clearTimeout(dispatchTimer);
      await listener.stop();
      await release(fair.drain());
      await waitFor(() => !pumping && inflight === 0 && marks.idle(), deadline);
      abandoned = true;
      state = "stopped";
      const unconfirmed = inflight + marks.pending();
      if (unconfirmed > 0) {
        log.warn("scheduler: stopped with sends unconfirmed; their lease brings them back", { unconfirmed });
      }
      log.info("scheduler: stopped", { instanceId: me });
    },

    wake: kick,
    stats: () => ({ ...stats }),
    pace: () => ({ rate: fair.rate, windowMs: fair.windowMs }),
  };
}
