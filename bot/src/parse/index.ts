/** The parser's public surface: what the bot's services call. Everything here is pure. */
export type { Lang, ParseContext, ParseResult, QuietHours, Recurrence, TimeOfDay } from "./types.js";
export { parseReminder, completeWithTime, parseTimeOfDay } from "./parse-reminder.js";
export { nextOccurrence } from "./recurrence.js";
export { resolveZone, zoneFromLocation } from "./resolve-zone.js";
export { isValidZone } from "./local-time.js";
export { applyQuietHours, parseQuietHours, toMinutes, fromMinutes } from "./quiet-hours.js";
export type { QuietHoursParse } from "./quiet-hours.js";
export { formatDue, formatTime, describeRecurrence } from "./format.js";
