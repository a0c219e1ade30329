/**
 * The polling role of a bot process. Standby until it holds the polling lease; then active: the
 * scheduler runs and the runner polls. Active ends three ways:
 * - stop() (SIGTERM, the deployer's `docker stop`): the planned handover, ordered so the successor
 *   can poll as soon as possible: stop polling, let in-flight updates finish (bounded), confirm the
 *   offset when the last getUpdates did not, write the handover record, release the lease; only
 *   then does the scheduler get its grace period.
 * - getUpdates answers 409 (a newer poller terminated ours: this process was replaced): one warning,
 *   the lease is released and the process waits for it again, without exiting (no crash loop).
 * - the lease connection ends: the lock went with it, so polling stops and the process waits again.
 * Any other polling failure the runner gives up on (a revoked token) rejects run().
 */
import { GrammyError } from "grammy";
import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import { run } from "@grammyjs/runner";
import type { RunnerHandle, RunOptions } from "@grammyjs/runner";
import type { BotContext } from "../context.js";
import type { Logger } from "../logging/logger.js";
import type { HandledUpdates } from "./handled-updates.js";
import type { HandoverRecord, HandoverStore } from "./handover-record.js";
import type { InFlight } from "./in-flight.js";
import type { HeldLease } from "./lease.js";
import { PollWatch } from "./poll-watch.js";
import { handoverGap, offsetToConfirm } from "./rules.js";
import type { HandoverGap } from "./rules.js";

export type Role = "standby" | "active";

export interface StartedScheduler {
  stop(options: { graceMs: number }): Promise<void>;
}

export interface PollingSupervisorOptions {
  /** Initialised (getMe done), built with the same `handled` and `inFlight` middleware. */
  bot: Bot<BotContext>;
  /** Waits for the lease (acquireLease with the bot's connection settings). */
  acquire: (signal: AbortSignal) => Promise<HeldLease>;
  handover: HandoverStore;
  handled: HandledUpdates;
  inFlight: InFlight;
  /** Creates and starts a scheduler; called each time the lease is taken. */
  startScheduler: () => Promise<StartedScheduler>;
  logger: Logger;
  /** Who releases the lease, for the handover record (release@host:pid). */
  instance: string;
  /** For the runner (fetch options, sink concurrency); `silent` is always on. */
  runOptions?: RunOptions<Update>;
  now?: () => number;
  /** How long a step-down waits for in-flight updates. */
  drainMs?: number;
  /** The scheduler's grace period when it stops. */
  schedulerGraceMs?: number;
  /** After a 409, before waiting for the lease again, so a foreign poller is not fought in a tight loop. */
  rejoinAfterConflictMs?: number;
  /** After a failed attempt to wait for the lease (database unreachable). */
  retryLeaseMs?: number;
  pruneEveryMs?: number;
  /** A handover record older than this (at acquisition) is not this handover's. */
  recentHandoverMs?: number;
  /** The bound on the final offset-confirming getUpdates. */
  confirmTimeoutMs?: number;
  onRole?: (role: Role) => void;
  /** The health check's view of polling, told when a term starts. */
  polls?: { restart(): void };
}

type Outcome =
  { kind: "stop" } | { kind: "conflict" } | { kind: "lost"; error: Error } | { kind: "failed"; error: unknown };

const isConflict = (err: unknown) => err instanceof GrammyError && err.error_code === 409;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0];

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

export class PollingSupervisor {
  readonly #o: PollingSupervisorOptions;
  readonly #now: () => number;
  readonly #watch: PollWatch;
  readonly #stop = new AbortController();
  readonly #stopRequested: Promise<Outcome>;
  #role: Role = "standby";
  #scheduler: StartedScheduler | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  #gap: HandoverGap | undefined;
  #loop: Promise<void> | undefined;

  constructor(o: PollingSupervisorOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#watch = new PollWatch(o.logger, this.#now);
    o.bot.api.config.use(this.#watch.transformer());
    this.#stopRequested = new Promise((resolve) =>
      this.#stop.signal.addEventListener("abort", () => resolve({ kind: "stop" }), { once: true }),
    );
  }

  role(): Role {
    return this.#role;
  }

  /** This process's takeover, while active and when the previous holder's record was recent. */
  handover(): HandoverGap | undefined {
    return this.#role === "active" ? this.#gap : undefined;
  }

  /** Waits for the lease and polls while holding it; settles after stop(), rejects on a fatal polling error. */
  run(): Promise<void> {
    this.#loop ??= this.#run();
    return this.#loop;
  }

  /** The step-down (SIGTERM): resolves once the lease is released and the scheduler stopped. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop?.catch(() => undefined);
    await this.#stopScheduler();
  }

  #setRole(role: Role): void {
    if (this.#role === role) return;
    this.#role = role;
    this.#o.onRole?.(role);
  }

  async #run(): Promise<void> {
    const o = this.#o;
    const signal = this.#stop.signal;
    let announced = false;
    while (!signal.aborted) {
      if (!announced) o.logger.info("standby: waiting for the polling lease");
      announced = true;
      let held: HeldLease;
      try {
        held = await o.acquire(signal);
      } catch (err) {
        if (signal.aborted) break;
        o.logger.warn("polling lease: cannot wait for it, retrying", { error: messageOf(err) });
        await sleep(o.retryLeaseMs ?? 2000, signal);
        continue;
      }
      if (signal.aborted) {
        await held.release();
        break;
      }
      announced = false;
      const end = await this.#term(held);
      if (end === "conflict") await sleep(o.rejoinAfterConflictMs ?? 5000, signal);
    }
  }

  /** One active term, from holding the lease to letting it go. */
  async #term(held: HeldLease): Promise<Outcome["kind"]> {
    const o = this.#o;
    const acquiredAt = this.#now();
    this.#gap = undefined;
    // Polling starts without waiting for these, to keep the gap short.
    const scheduling = o.startScheduler().then((s) => void (this.#scheduler = s));
    const previous = o.handover.read().catch((err: unknown) => {
      o.logger.warn("handover record unreadable", { error: messageOf(err) });
      return undefined;
    });
    this.#watch.arm((firstPollAt) => void previous.then((rec) => this.#noteTakeover(rec, acquiredAt, firstPollAt)));

    o.polls?.restart();
    const handle = run(o.bot, { ...o.runOptions, runner: { ...o.runOptions?.runner, silent: true } });
    let replaced = false;
    const ended: Promise<Outcome> = (handle.task() ?? Promise.resolve()).then(
      () => ({ kind: "failed", error: new Error("polling ended by itself") }),
      (error: unknown) => {
        replaced = isConflict(error);
        return replaced ? { kind: "conflict" } : { kind: "failed", error };
      },
    );
    this.#setRole("active");
    o.logger.info("active: polling lease held, polling", { leasePid: held.pid });
    void this.#prune();
    this.#pruneTimer = setInterval(() => void this.#prune(), o.pruneEveryMs ?? 3_600_000);
    this.#pruneTimer.unref();

    let outcome: Outcome;
    try {
      await scheduling;
      // A 409 first: after one, confirming the offset would cut off the poller that replaced us.
      outcome = await Promise.race([
        ended,
        held.lost.then((error): Outcome => ({ kind: "lost", error })),
        this.#stopRequested,
      ]);
    } catch (error) {
      outcome = { kind: "failed", error };
    }

    switch (outcome.kind) {
      case "stop":
        await this.#stepDown(held, handle, () => replaced);
        break;
      case "conflict":
        o.logger.warn("replaced: getUpdates answered 409 Conflict, back to standby");
        await this.#leave(held, handle);
        break;
      case "lost":
        o.logger.warn("polling lease lost, back to standby", { error: messageOf(outcome.error) });
        await this.#leave(held, handle);
        break;
      case "failed":
        o.logger.error("polling failed", { error: messageOf(outcome.error) });
        await this.#leave(held, handle);
        throw outcome.error;
    }
    return outcome.kind;
  }

  /** The planned handover (see the file's comment for the order). */
  async #stepDown(held: HeldLease, handle: RunnerHandle, replaced: () => boolean): Promise<void> {
    const o = this.#o;
    const drained = await this.#stopPolling(handle);
    const offsets = this.#watch.offsets();
    const nextOffset = offsets.lastReceivedId === undefined ? null : offsets.lastReceivedId + 1;
    const confirm = replaced() ? undefined : offsetToConfirm(offsets);
    if (confirm !== undefined) {
      try {
        // grammY types its signal with the abort-controller package's AbortSignal.
        const signal = AbortSignal.timeout(o.confirmTimeoutMs ?? 5000) as Parameters<typeof o.bot.api.getUpdates>[1];
        await o.bot.api.getUpdates({ offset: confirm, limit: 1, timeout: 0 }, signal);
      } catch (err) {
        // The successor then gets those updates again, and skips them (handled_updates).
        o.logger.warn("offset not confirmed", { error: messageOf(err) });
      }
    }
    const stoppedPollingAt = new Date(this.#watch.lastEndAt() ?? this.#now());
    try {
      await o.handover.write({ stoppedPollingAt, nextOffset, releasedBy: o.instance });
    } catch (err) {
      o.logger.warn("handover record not written", { error: messageOf(err) });
    }
    await held.release();
    this.#setRole("standby");
    o.logger.info("polling lease released", {
      stoppedPollingAt: stoppedPollingAt.toISOString(),
      nextOffset,
      confirmed: confirm !== undefined,
      drained,
    });
  }

  /** Replaced, lease lost or failed: no offset confirm (someone else may poll) and no record. */
  async #leave(held: HeldLease, handle: RunnerHandle): Promise<void> {
    await this.#stopPolling(handle);
    await held.release();
    this.#setRole("standby");
    await this.#stopScheduler();
  }

  /**
   * Aborts the pending getUpdates (no new one is sent after this) and waits, bounded, for the
   * updates in flight; true when they all finished.
   */
  async #stopPolling(handle: RunnerHandle): Promise<boolean> {
    // The runner's task also waits for room in its sink, i.e. for handlers: awaited only once they
    // are done, so a stuck handler cannot hold up the step-down beyond drainMs.
    const stopped = Promise.resolve(handle.stop()).catch(() => undefined);
    this.#stopPruning();
    const drained = await this.#o.inFlight.idle(this.#o.drainMs ?? 10_000);
    if (drained) await stopped;
    return drained;
  }

  async #stopScheduler(): Promise<void> {
    const s = this.#scheduler;
    this.#scheduler = undefined;
    await s?.stop({ graceMs: this.#o.schedulerGraceMs ?? 10_000 });
  }

  #stopPruning(): void {
    clearInterval(this.#pruneTimer);
    this.#pruneTimer = undefined;
  }

  async #prune(): Promise<void> {
    try {
      const rows = await this.#o.handled.prune();
      if (rows > 0) this.#o.logger.debug("handled updates pruned", { rows });
    } catch (err) {
      this.#o.logger.warn("handled updates not pruned", { error: messageOf(err) });
    }
  }

  #noteTakeover(previous: HandoverRecord | undefined, acquiredAt: number, firstPollAt: number): void {
    this.#gap = handoverGap({
      previousStoppedAt: previous?.stoppedPollingAt.getTime(),
      acquiredAt,
      firstPollAt,
      maxRecordAgeMs: this.#o.recentHandoverMs ?? 60_000,
    });
    if (this.#gap) this.#o.logger.info("took over polling", { gapMs: this.#gap.gapMs, from: previous?.releasedBy });
  }
}
