/**
 * Quiet hours: a local window, possibly across midnight ("23:00-08:00"), during which non-urgent
 * reminders wait. An instant inside the window moves to the window's end, local time (on the
 * right day: 23:30 moves to the next morning, 02:00 to the same morning). start == end is no window.
 */
import type { QuietHours, TimeOfDay } from "./types.js";
import { addDays, localToInstant, toLocal } from "./local-time.js";

export const toMinutes = (t: TimeOfDay): number => t.hour * 60 + t.minute;
export const fromMinutes = (m: number): TimeOfDay => ({ hour: Math.floor(m / 60) % 24, minute: m % 60 });

/** Whether a local minute-of-day falls inside [start, end), the window possibly spanning midnight. */
export function inQuietWindow(minuteOfDay: number, quiet: QuietHours): boolean {
  const start = toMinutes(quiet.start);
  const end = toMinutes(quiet.end);
  if (start === end) return false;
  return start < end ? minuteOfDay >= start && minuteOfDay < end : minuteOfDay >= start || minuteOfDay < end;
}

export function applyQuietHours(due: Date, quiet: QuietHours | undefined, zone: string, urgent: boolean): Date {
  if (urgent || quiet === undefined) return due;
  const local = toLocal(due, zone);
  const minute = local.hour * 60 + local.minute;
  if (!inQuietWindow(minute, quiet)) return due;
  const today = { year: local.year, month: local.month, day: local.day };
  const spansMidnight = toMinutes(quiet.start) > toMinutes(quiet.end);
  // In a window across midnight, the part after its start ends tomorrow.
  const endDay = spansMidnight && minute >= toMinutes(quiet.start) ? addDays(today, 1) : today;
  return localToInstant(zone, { ...endDay, ...quiet.end });
}

export type QuietHoursParse =
  { ok: true; quiet: QuietHours | undefined } | { ok: false; reason: "empty" | "format" | "range" | "same" };

const OFF = /^(?:off|none|no|disable|нет|выкл(?:ючить)?|отключить|без\s+тишины)$/iu;
const TIME = "(\\d{1,2})(?:[:.](\\d{2}))?\\s*(am|pm|утра|вечера|ночи|дня)?";
const WINDOW = new RegExp(`^(?:с|from)?\\s*${TIME}\\s*(?:-|–|—|до|to|till|until)\\s*${TIME}$`, "iu");

/** "23:00-08:00", "23-8", "с 23 до 8", "from 11pm to 8am" -> the window; "off"/"нет" -> no window. */
export function parseQuietHours(input: string): QuietHoursParse {
  const s = typeof input === "string" ? input.trim().replace(/\s+/g, " ") : "";
  if (s.length === 0) return { ok: false, reason: "empty" };
  if (OFF.test(s)) return { ok: true, quiet: undefined };
  const m = WINDOW.exec(s);
  if (m === null) return { ok: false, reason: "format" };
  const start = timeOf(m[1], m[2], m[3]);
  const end = timeOf(m[4], m[5], m[6]);
  if (start === undefined || end === undefined) return { ok: false, reason: "range" };
  if (toMinutes(start) === toMinutes(end)) return { ok: false, reason: "same" };
  return { ok: true, quiet: { start, end } };
}

function timeOf(h: string | undefined, m: string | undefined, suffix: string | undefined): TimeOfDay | undefined {
  let hour = Number(h);
  const minute = m === undefined ? 0 : Number(m);
  const s = suffix?.toLowerCase();
  if (s !== undefined && (hour < 1 || hour > 12)) return undefined;
  if ((s === "pm" || s === "вечера" || s === "дня") && hour < 12) hour += 12;
  if ((s === "am" || s === "утра" || s === "ночи") && hour === 12) hour = 0;
  if (s === "ночи" && hour >= 6 && hour < 12) hour += 12;
  if (hour === 24 && minute === 0) hour = 0;
  if (!Number.isInteger(hour) || hour < 0 || hour > 23 || !Number.isInteger(minute) || minute > 59) return undefined;
  return { hour, minute };
}
