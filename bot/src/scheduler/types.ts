/** The scheduler's interface with the bot: what it hands to `send`, what `send` answers. */
import type { Reminder } from "../db/entities.js";
import type { Lang } from "../parse/types.js";

/**
 * A claimed occurrence, as handed to `send`: the reminder's delivery fields, with `dueAt` the
 * occurrence being delivered and `attempts` the failed attempts so far for it.
 */
export type DueReminder = Pick<
  Reminder,
  | "id"
  | "userId"
  | "chatId"
  | "chatType"
  | "authorName"
  | "text"
  | "zone"
  | "recurrence"
  | "urgent"
  | "dueAt"
  | "attempts"
>;

export type SendOutcome =
  | { ok: true; messageId: number }
  | {
      ok: false;
      /** blocked: 403 from a private chat; chat-not-found: 400; retry-later: 429 (or 5xx); error: anything else. */
      kind: "blocked" | "chat-not-found" | "retry-later" | "error";
      retryAfterMs?: number;
      message: string;
    };

export interface SendInfo {
  late: boolean;
  /** The author's language, read with the claim (absent: their row is gone). */
  lang?: Lang;
}

export type Send = (reminder: DueReminder, info: SendInfo) => Promise<SendOutcome>;

/** A user's quiet hours as stored: minutes after local midnight, null when not set. */
export interface QuietMinutes {
  start: number | null;
  end: number | null;
}

/** Structurally a subset of winston's Logger. */
export interface SchedulerLogger {
  error(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  debug(message: string, meta?: Record<string, unknown>): unknown;
}

/** Counters for benchmarks and health: every database round trip the scheduler made, by purpose. */
export interface SchedulerStats {
  queries: number;
  claims: number;
  claimed: number;
  sent: number;
  delivered: number;
  retried: number;
  failed: number;
  deactivated: number;
  released: number;
  dbErrors: number;
  notifications: number;
}
