/**
 * What happens to a claimed occurrence after `send` answered. Pure: the scheduler turns the plan
 * into SQL (./sql.ts).
 */
import { applyQuietHours, fromMinutes } from "../parse/quiet-hours.js";
import type { DueReminder, QuietMinutes, SendOutcome } from "./types.js";
import { backoffMs } from "./backoff.js";

/** An occurrence delivered more than this after its due time is marked late. */
export const LATE_AFTER_MS = 60_000;

export type Plan =
  /**
   * Record the delivery; `nextDue` null: one-shot, now done. `error`: the rule has no next
   * occurrence to move to (malformed), so the reminder ends as failed, its delivery still recorded.
   */
  | { kind: "delivered"; messageId: number; late: boolean; sentAt: Date; nextDue: Date | null; error?: string }
  /** The user blocked the bot: deactivate what goes to that chat. */
  | { kind: "deactivate"; error: string }
  | { kind: "fail"; error: string }
  /** Release the claim, due time unchanged, not claimable again for `delayMs`. */
  | { kind: "hold"; delayMs: number; attempts: number; error: string };

export interface PlanContext {
  now: Date;
  /** Decided before the send (the message itself may say it is late), recorded as such. */
  late: boolean;
  maxAttempts: number;
  retryBaseMs: number;
  retryCapMs: number;
  /** Used when a 429 carries no retry_after. */
  defaultRetryAfterMs: number;
  nextOccurrence: (rule: NonNullable<DueReminder["recurrence"]>, after: Date, zone: string, anchor?: Date) => Date;
  applyQuietHours: QuietHoursRule;
  quiet: QuietMinutes;
}

export type QuietHoursRule = (due: Date, zone: string, quiet: QuietMinutes, urgent: boolean) => Date;

/** The parser's quiet-hours rule over the stored minutes: a non-urgent time inside the window moves to its end. */
export const parserQuietHours: QuietHoursRule = (due, zone, quiet, urgent) =>
  quiet.start === null || quiet.end === null
    ? due
    : applyQuietHours(due, { start: fromMinutes(quiet.start), end: fromMinutes(quiet.end) }, zone, urgent);

export function isLate(dueAt: Date, at: Date): boolean {
  return at.getTime() - dueAt.getTime() > LATE_AFTER_MS;
}

/**
 * The next future occurrence of a recurring reminder. Computed from the later of the old due time
 * and now, so one that fell due during downtime is delivered once and then moves to the future
 * instead of replaying every missed occurrence. Interval rules keep their phase (anchor = old due).
 */
export function nextDue(r: DueReminder, ctx: PlanContext): Date | null {
  if (!r.recurrence) return null;
  const after = new Date(Math.max(r.dueAt.getTime(), ctx.now.getTime()));
  const next = ctx.nextOccurrence(r.recurrence, after, r.zone, r.dueAt);
  return ctx.applyQuietHours(next, r.zone, ctx.quiet, r.urgent);
}

export function planOutcome(r: DueReminder, outcome: SendOutcome, ctx: PlanContext): Plan {
  if (outcome.ok) {
    const delivered = { kind: "delivered", messageId: outcome.messageId, late: ctx.late, sentAt: ctx.now } as const;
    try {
      return { ...delivered, nextDue: nextDue(r, ctx) };
    } catch (err) {
      return { ...delivered, nextDue: null, error: `no next occurrence: ${(err as Error).message}` };
    }
  }
  switch (outcome.kind) {
    case "blocked":
      return { kind: "deactivate", error: outcome.message };
    case "chat-not-found":
      return { kind: "fail", error: outcome.message };
    case "retry-later":
      return {
        kind: "hold",
        delayMs: Math.max(0, outcome.retryAfterMs ?? ctx.defaultRetryAfterMs),
        attempts: r.attempts,
        error: outcome.message,
      };
    case "error": {
      const attempts = r.attempts + 1;
      if (attempts >= ctx.maxAttempts) return { kind: "fail", error: outcome.message };
      return {
        kind: "hold",
        delayMs: backoffMs(attempts, ctx.retryBaseMs, ctx.retryCapMs),
        attempts,
        error: outcome.message,
      };
    }
  }
}
