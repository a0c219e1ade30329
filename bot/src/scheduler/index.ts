/** The delivery scheduler (see ./scheduler.ts). */
export { createScheduler } from "./scheduler.js";
export type { Scheduler, SchedulerOptions } from "./scheduler.js";
export type { DueReminder, QuietMinutes, Send, SendOutcome, SchedulerLogger, SchedulerStats } from "./types.js";
export type { RateLimit } from "./fair-queue.js";
export { LATE_AFTER_MS, parserQuietHours } from "./outcome.js";
export type { QuietHoursRule } from "./outcome.js";
