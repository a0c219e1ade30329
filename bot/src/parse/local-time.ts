/**
 * Wall-clock <-> instant conversion in an IANA (or luxon fixed-offset) zone, with explicit rules for
 * the two DST edge cases that luxon resolves differently from what a reminder bot wants:
 * - a wall time inside the spring-forward gap (02:30 in Berlin on the last Sunday of March) becomes
 *   the first valid minute after it: the instant of the transition (03:00 local);
 * - a wall time inside the autumn fold (02:30 twice) becomes the first of the two instants.
 */
import { Info } from "luxon";
import type { Zone } from "luxon";

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

// Zone objects and offsets are cached: an IANA offset costs an Intl formatToParts call (several
// microseconds), and one message needs a dozen. Caches are cleared whole when they grow past a bound.
const CACHE_MAX = 4096;
const zones = new Map<string, Zone | null>();
/** Per zone: the offset at each UTC midnight asked about, keyed by the day's number since 1970. */
const midnightOffsets = new Map<string, Map<number, number>>();

function zoneObject(zone: string): Zone | null {
  let z = zones.get(zone);
  if (z === undefined) {
    if (zones.size >= CACHE_MAX) zones.clear();
    const n = typeof zone === "string" && zone.length > 0 ? Info.normalizeZone(zone) : null;
    z = n !== null && n.isValid ? n : null;
    zones.set(zone, z);
  }
  return z;
}

/** True for a zone luxon can compute with: IANA names ("Europe/Moscow") and "UTC+3"-style offsets. */
export function isValidZone(zone: string): boolean {
  return typeof zone === "string" && zoneObject(zone) !== null;
}

function midnightOffset(name: string, z: Zone, day: number): number {
  let days = midnightOffsets.get(name);
  if (days === undefined) {
    if (midnightOffsets.size >= CACHE_MAX) midnightOffsets.clear();
    midnightOffsets.set(name, (days = new Map()));
  }
  let off = days.get(day);
  if (off === undefined) {
    if (days.size >= CACHE_MAX) days.clear();
    off = z.offset(day * DAY_MS);
    days.set(day, off);
  }
  return off;
}

/**
 * The zone's UTC offset in minutes at an instant (NaN for an unknown zone). When the offsets at
 * the UTC midnights around the instant agree, that is the offset (no zone changes its offset
 * twice within a day); on a transition day it is computed exactly.
 */
export function offsetAt(zone: string, ms: number): number {
  const z = zoneObject(zone);
  if (z === null || !Number.isFinite(ms)) return NaN;
  if (z.isUniversal) return z.offset(ms);
  const day = Math.floor(ms / DAY_MS);
  const before = midnightOffset(zone, z, day);
  return before === midnightOffset(zone, z, day + 1) ? before : z.offset(ms);
}

/** The wall-clock parts of an instant in a zone. */
export function toLocal(instant: Date, zone: string): LocalDateTime & { weekday: number } {
  const ms = instant.getTime();
  const w = new Date(ms + offsetAt(zone, ms) * MINUTE_MS);
  const weekday = w.getUTCDay();
  return {
    year: w.getUTCFullYear(),
    month: w.getUTCMonth() + 1,
    day: w.getUTCDate(),
    hour: w.getUTCHours(),
    minute: w.getUTCMinutes(),
    weekday: weekday === 0 ? 7 : weekday,
  };
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
