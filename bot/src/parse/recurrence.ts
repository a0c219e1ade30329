/**
 * The next occurrence of a recurrence rule, computed on wall-clock dates in the user's zone so that
 * a daily 09:00 stays 09:00 local across DST changes. DST edges follow localToInstant (gap: first
 * valid minute after; fold: the first instant). Monthly on a day the month lacks (31 in a 30-day
 * month, 29-31 in February): the month's last day. Yearly on 29 February: 28 February in common years.
 * Interval rules are plain UTC arithmetic.
 */
import type { Recurrence, TimeOfDay } from "./types.js";
import type { LocalDate } from "./local-time.js";
import { addDays, daysInMonth, localToInstant, toLocal, weekdayOf } from "./local-time.js";

const MINUTE_MS = 60_000;

/**
 * The first occurrence strictly after `after`. For interval rules, pass `anchor` (a past or the
 * first occurrence) to keep the phase: the result is anchor + k * interval; without it, after + interval.
 */
export function nextOccurrence(rule: Recurrence, after: Date, zone: string, anchor?: Date): Date {
  const afterMs = after.getTime();
  if (rule.kind === "interval") {
    const step = Math.max(1, Math.round(rule.minutes)) * MINUTE_MS;
    if (anchor === undefined || anchor.getTime() > afterMs) {
      return anchor !== undefined ? anchor : new Date(afterMs + step);
    }
    const k = Math.floor((afterMs - anchor.getTime()) / step) + 1;
    return new Date(anchor.getTime() + k * step);
  }
  const start = toLocal(after, zone);
  // Walk calendar days from the day `after` falls on; every rule matches within ~4 years (29 Feb
  // is clamped), so the bound only guards against malformed rules.
  let day: LocalDate = { year: start.year, month: start.month, day: start.day };
  for (let i = 0; i < 370 * 5; i++) {
    if (matchesDay(rule, day)) {
      const at = localToInstant(zone, { ...day, ...rule.time });
      if (at.getTime() > afterMs) return at;
    }
    day = nextCandidateDay(rule, day);
  }
  throw new RangeError(`recurrence never occurs: ${JSON.stringify(rule)}`);
}

/** Whether a rule (other than interval) fires on a calendar date. */
export function matchesDay(rule: Exclude<Recurrence, { kind: "interval" }>, d: LocalDate): boolean {
  switch (rule.kind) {
    case "daily":
      return true;
    case "weekly":
      return rule.weekdays.includes(weekdayOf(d)) && inCycle(rule, d);
    case "monthly-weekday": {
      if (weekdayOf(d) !== rule.weekday) return false;
      // nth: the day's rank among that weekday's days of the month, from the start or (-1) from the end.
      return rule.nth > 0 ? Math.ceil(d.day / 7) === rule.nth : d.day + 7 > daysInMonth(d.year, d.month);
    }
    case "monthly":
      return d.day === Math.min(rule.day, daysInMonth(d.year, d.month));
    case "yearly":
      return d.month === rule.month && d.day === Math.min(rule.day, daysInMonth(d.year, d.month));
  }
}

const DAY_MS = 86_400_000;

/** Every-N-weeks rules: whether d's Monday-based week is a multiple of N weeks from `from`'s. */
function inCycle(rule: Extract<Recurrence, { kind: "weekly" }>, d: LocalDate): boolean {
  const n = rule.everyWeeks ?? 1;
  if (n <= 1 || rule.from === undefined) return true;
  const [y, m, day] = rule.from.split("-").map(Number);
  const monday = (x: LocalDate) => Date.UTC(x.year, x.month - 1, x.day) / DAY_MS - (weekdayOf(x) - 1);
  const weeks = Math.round((monday(d) - monday({ year: y ?? 1970, month: m ?? 1, day: day ?? 1 })) / 7);
  return ((weeks % n) + n) % n === 0;
}

function nextCandidateDay(rule: Recurrence, d: LocalDate): LocalDate {
  // Monthly and yearly rules can jump to the first of next month instead of walking every day.
  if (rule.kind === "monthly" || rule.kind === "yearly") {
    const last = daysInMonth(d.year, d.month);
    if (d.day < last) return addDays(d, 1);
    return d.month === 12 ? { year: d.year + 1, month: 1, day: 1 } : { year: d.year, month: d.month + 1, day: 1 };
  }
  return addDays(d, 1);
}

/** The same rule at another time of day (for the ambiguous morning/evening options). */
export function withTime(rule: Recurrence, time: TimeOfDay): Recurrence {
  return rule.kind === "interval" ? rule : { ...rule, time };
}
