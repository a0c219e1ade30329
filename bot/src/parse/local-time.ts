/**
 * Wall-clock <-> instant conversion in an IANA (or luxon fixed-offset) zone, with explicit rules for
 * the two DST edge cases that luxon resolves differently from what a reminder bot wants:
 * - a wall time inside the spring-forward gap (02:30 in Berlin on the last Sunday of March) becomes
 *   the first valid minute after it: the instant of the transition (03:00 local);
 * - a wall time inside the autumn fold (02:30 twice) becomes the first of the two instants.
 */
import { DateTime, Info } from "luxon";

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** True for a zone luxon can compute with: IANA names ("Europe/Moscow") and "UTC+3"-style offsets. */
export function isValidZone(zone: string): boolean {
  if (typeof zone !== "string" || zone.length === 0) return false;
  const z = Info.normalizeZone(zone);
  return z !== null && z.isValid;
}

/** The zone's UTC offset in minutes at an instant. */
export function offsetAt(zone: string, ms: number): number {
  return DateTime.fromMillis(ms, { zone }).offset;
}

/** The wall-clock parts of an instant in a zone. */
export function toLocal(instant: Date, zone: string): LocalDateTime & { weekday: number } {
  const d = DateTime.fromJSDate(instant, { zone });
  return { year: d.year, month: d.month, day: d.day, hour: d.hour, minute: d.minute, weekday: d.weekday };
}

/** Whether year-month-day exists in the proleptic Gregorian calendar (31 February does not). */
export function isRealDate(d: LocalDate): boolean {
  if (![d.year, d.month, d.day].every(Number.isInteger)) return false;
  if (d.year < 1 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1) return false;
  return d.day <= daysInMonth(d.year, d.month);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Calendar arithmetic on dates only (no zone involved). */
export function addDays(d: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day) + days * DAY_MS);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** ISO weekday 1 (Monday) .. 7 (Sunday) of a calendar date. */
export function weekdayOf(d: LocalDate): number {
  const w = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
  return w === 0 ? 7 : w;
}

export function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/**
 * The instant of a wall-clock time in a zone. Gap: the transition instant (first valid minute
 * after the requested one). Fold: the earlier instant.
 */
export function localToInstant(zone: string, t: LocalDateTime): Date {
  // The wall time read as if it were UTC; the real instant is this minus the zone's offset.
  const naive = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);
  // Offsets in force a day either side cover every transition the instant can be near.
  const before = offsetAt(zone, naive - DAY_MS);
  const after = offsetAt(zone, naive + DAY_MS);
  const candidates = [...new Set([before, after, offsetAt(zone, naive)])]
    .map((off) => naive - off * MINUTE_MS)
    .filter((ms) => naive - offsetAt(zone, ms) * MINUTE_MS === ms)
    .sort((a, b) => a - b);
  const first = candidates[0];
  if (first !== undefined) return new Date(first);
  // In the gap: the transition lies between the instant read with the later offset and the one
  // read with the earlier offset; bisect to the minute where the offset changes.
  let lo = naive - Math.max(before, after) * MINUTE_MS;
  let hi = naive - Math.min(before, after) * MINUTE_MS;
  const offLo = offsetAt(zone, lo);
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (offsetAt(zone, mid) === offLo) lo = mid;
    else hi = mid;
  }
  return new Date(hi);
}
