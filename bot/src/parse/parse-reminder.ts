/**
 * parseReminder: a message such as "завтра в 9 позвонить маме" or "every Monday 10:00 standup" to
 * what the bot should confirm. Pure: `now`, the zone and the language come in through the context.
 *
 * Rules (decided here, tested in parse-reminder.test.ts):
 * - Relative offsets ("через 2 часа", "in 20 minutes") are added to `now` as elapsed time.
 * - A day without a time of day ("завтра", "в пятницу", "через 3 дня") is `needs-time`.
 * - A time alone ("в 18:30", "at 7pm") is today's if still ahead, else tomorrow's.
 * - A bare hour 1..11 ("в 7", "at 9": no am/pm, утра/вечера/дня/ночи, minutes or leading zero):
 *   - alone: both 07:00 and 19:00 still ahead today -> `ambiguous`; only 19:00 ahead -> 19:00;
 *     neither -> tomorrow 07:00 (what "в 7" said late at night means);
 *   - with a day other than today, and in repetitions: 7..11 mean morning ("завтра в 9" is 09:00);
 *     1..6 are `ambiguous` ("завтра в 3": 03:00 or 15:00?);
 *   - with "сегодня"/"today": like alone, but never moved to tomorrow.
 *   "H:MM" is read as a 24-hour clock ("в 7:30" is 07:30); 12 is noon, "12 ночи" midnight.
 * - An explicit day already past ("вчера в 9", "25 декабря 2020", "сегодня в 7:00" at 10:00) is
 *   `past`; a day and month without a year move to next year once the day has passed; a weekday
 *   whose time has passed today means next week's.
 * - Repetition phrases are this module's own grammar (recurrence-grammar.ts); `due` is the first
 *   occurrence after now.
 * - The time is searched for in the first 500 characters, then in the last 500 (chrono's cost
 *   grows fast with length on pathological input, and the bot refuses texts over 1,000 anyway);
 *   instants more than 10 years ahead are `no-time` with reason "out-of-range".
 */
import type { Lang, ParseContext, ParseResult, Recurrence, TimeOfDay } from "./types.js";
import type { FoundDateTime, FoundTime } from "./chrono-adapter.js";
import type { LocalDate } from "./local-time.js";
import type { FoundRepeat } from "./recurrence-grammar.js";
import { findDateTime } from "./chrono-adapter.js";
import { addDays, compareDates, isRealDate, isValidZone, localToInstant, toLocal, weekdayOf } from "./local-time.js";
import { matchesDay, nextOccurrence, withTime } from "./recurrence.js";
import { findRepeat } from "./recurrence-grammar.js";
import { findRelativeOffset } from "./relative-offset.js";
import { repeatExtra, timeLikeLeft, vague } from "./doubt.js";
import { findZonePhrase } from "./zone-phrase.js";
import type { ZonePhrase } from "./zone-phrase.js";
import { formatTime } from "./format.js";
import { sanitize, stripLead, tidy } from "./reminder-text.js";
import { RU_MONTH, EN_MONTH, WB, WE } from "./words.js";

const WINDOW = 500;
const MINUTE_MS = 60_000;
const MAX_AHEAD_MS = 3653 * 24 * 60 * MINUTE_MS;
/** Bare hours that mean morning when a day (or a repetition) is named: "завтра в 9" is 09:00. */
const MORNING_HOURS = new Set([7, 8, 9, 10, 11]);
const PLACEHOLDER_TIME: TimeOfDay = { hour: 0, minute: 0 };

/** Never throws: anything unexpected becomes `no-time` with the cleaned text. */
export function parseReminder(message: string, ctx: ParseContext): ParseResult {
  const raw = typeof message === "string" ? message : "";
  try {
    return parse(raw, ctx);
  } catch {
    return { kind: "no-time", text: tidy(sanitize(raw)) };
  }
}

interface Work {
  ctx: ParseContext;
  zone: string;
  today: LocalDate;
  /** The whole message after the lead (command, filler, urgency marker). */
  body: string;
  /** The part searched for a time: body.slice(offset, offset + scan.length). */
  scan: string;
  offset: number;
  urgent: boolean;
  /** Where the repetition phrase was found in `scan` (shared by the copies inZone makes). */
  seen: { repeat?: [number, number] };
}

function parse(message: string, ctx: ParseContext): ParseResult {
  const zone = isValidZone(ctx.zone) ? ctx.zone : "UTC";
  const { rest, urgent } = stripLead(sanitize(message));
  const local = toLocal(ctx.now, zone);
  const today = { year: local.year, month: local.month, day: local.day };
  const offsets = rest.length > WINDOW ? [0, Math.max(WINDOW, rest.length - WINDOW)] : [0];
  for (const offset of offsets) {
    const scan = rest.slice(offset, offset + WINDOW);
    // "32 декабря в 10": chrono skips the impossible date and reads the time alone; refuse instead.
    if (mentionsImpossibleDate(scan)) return { kind: "no-time", text: tidy(rest), reason: "invalid-date" };
    const seen: Work["seen"] = {};
    const result = parseWindow({ ctx, zone, today, body: rest, scan, offset, urgent, seen });
    // The repetition's own words ("every other", "последний") are no doubt about it.
    const rep = seen.repeat;
    if (result !== undefined)
      return withDoubt(
        result,
        rep === undefined ? scan : scan.slice(0, rep[0]) + " ".repeat(rep[1] - rep[0]) + scan.slice(rep[1]),
      );
  }
  const text = tidy(rest);
  return mentionsImpossibleDate(rest.slice(0, WINDOW))
    ? { kind: "no-time", text, reason: "invalid-date" }
    : { kind: "no-time", text };
}

/**
 * A reading that left time-like words unused ("завтро в 9", "в 9 по Москве" unread) becomes a
 * question offering that reading, so nothing is scheduled on a guess.
 */
function withDoubt(result: ParseResult, scan: string): ParseResult {
  if (result.kind !== "ok") return result;
  const doubt =
    timeLikeLeft(result.text) ??
    (result.recurrence !== undefined ? repeatExtra(scan) : undefined) ??
    (result.text === "" || /^[\p{L}\s]{1,8}$/u.test(result.text) ? vague(scan, result.text) : vague(scan, "-"));
  if (doubt === undefined) return result;
  const { recurrence } = result;
  return recurrence === undefined
    ? { kind: "ambiguous", text: result.text, options: [result.due], doubt }
    : {
        kind: "ambiguous",
        text: result.text,
        options: [result.due],
        recurrence,
        optionRecurrences: [recurrence],
        doubt,
      };
}

/** The result for the time expression found in w.scan, or undefined when it holds none. */
function parseWindow(w: Work): ParseResult | undefined {
  const zoned = findZonePhrase(w.scan);
  if (zoned !== undefined) return inZone(w, zoned);
  const ctx = w.ctx;
  const zone = w.zone;
  const repeat = findRepeat(w.scan);
  if (repeat !== undefined) return recurring(w, repeat);
  const relative = findRelativeOffset(w.scan);
  if (relative !== undefined) {
    const text = textWithout(w, [[relative.start, relative.end]]);
    return finish(w, text, ctx.now.getTime() + relative.minutes * MINUTE_MS);
  }
  const found = findDateTime(w.scan, ctx.now, zone, ctx.lang);
  return found === undefined ? undefined : oneShot(w, found);
}

/** "в 9 по Москве", "9am PST": the rest read in that zone; the confirmation shows the time there too. */
function inZone(w: Work, zp: ZonePhrase): ParseResult | undefined {
  const blank = (t: string, at: number) =>
    t.slice(0, at + zp.start) + " ".repeat(zp.end - zp.start) + t.slice(at + zp.end);
  const local = toLocal(w.ctx.now, zp.zone);
  const inner: Work = {
    ...w,
    zone: zp.zone,
    today: { year: local.year, month: local.month, day: local.day },
    scan: blank(w.scan, 0),
    body: blank(w.body, w.offset),
  };
  const r = parseWindow(inner);
  if (r === undefined || zp.zone === w.zone) return r;
  if (r.kind === "ok" && r.recurrence === undefined) {
    const there = toLocal(r.due, zp.zone);
    return { ...r, zoneNote: `${formatTime(there)} ${zp.label}` };
  }
  // A repetition is stored in the user's zone: one in another zone is not converted, so ask.
  if (r.kind === "ok") {
    const rec = r.recurrence;
    return {
      kind: "ambiguous",
      text: r.text,
      options: [r.due],
      recurrence: rec,
      optionRecurrences: rec ? [rec] : [],
      doubt: zp.label,
    };
  }
  return r;
}

function oneShot(w: Work, found: FoundDateTime, knownText?: string): ParseResult {
  const text = knownText ?? textWithout(w, [[found.start, found.end]]);
  if (found.invalid) return { kind: "no-time", text, reason: "invalid-date" };
  const now = w.ctx.now.getTime();
  const { day, time } = found;
  if (day.kind === "none") {
    if (time === undefined) return { kind: "no-time", text };
    return timeAlone(w, text, time);
  }
  let date = day.date;
  if (day.kind === "month-day" && compareDates(date, w.today) < 0) date = { ...date, year: date.year + 1 };
  if (day.kind === "weekday") {
    // chrono may pick this week's past weekday; and "в четверг в 10" said on Thursday at 11 means next week.
    while (compareDates(date, w.today) < 0) date = addDays(date, 7);
    if (time !== undefined && compareDates(date, w.today) === 0) {
      const latest = time.bare && !MORNING_HOURS.has(time.hour) ? { ...time, hour: time.hour + 12 } : time;
      if (at(w, date, latest).getTime() <= now) date = addDays(date, 7);
    }
  }
  if (!isRealDate(date)) return { kind: "no-time", text, reason: "invalid-date" };
  if (time === undefined) {
    if (compareDates(date, w.today) < 0)
      return finish(w, text, localToInstant(w.zone, { ...date, hour: 0, minute: 0 }).getTime());
    return { kind: "needs-time", text, date };
  }
  // A weekday is a named day even when it is today: "в четверг в 10" on Thursday morning is 10:00.
  const isToday = compareDates(date, w.today) === 0 && day.kind !== "weekday";
  if (!time.bare || (!isToday && MORNING_HOURS.has(time.hour))) return finish(w, text, at(w, date, time).getTime());
  const options = [at(w, date, time), at(w, date, { ...time, hour: time.hour + 12 })];
  const ahead = options.filter((d) => d.getTime() > now);
  if (ahead.length === 2) return ambiguous(w, text, options);
  const chosen = ahead[0] ?? options[1];
  return finish(w, text, (chosen ?? options[0] ?? new Date(now)).getTime());
}

/** "в 18:30", "at 7": today if still ahead, else tomorrow; a bare hour by the rule in the header. */
function timeAlone(w: Work, text: string, time: FoundTime): ParseResult {
  const now = w.ctx.now.getTime();
  const tomorrow = addDays(w.today, 1);
  const morning = at(w, w.today, time);
  if (!time.bare) {
    return finish(w, text, (morning.getTime() > now ? morning : at(w, tomorrow, time)).getTime());
  }
  const evening = at(w, w.today, { ...time, hour: time.hour + 12 });
  if (morning.getTime() > now) return ambiguous(w, text, [morning, evening]);
  if (evening.getTime() > now) return finish(w, text, evening.getTime());
  return finish(w, text, at(w, tomorrow, time).getTime());
}

function recurring(w: Work, repeat: FoundRepeat): ParseResult {
  w.seen.repeat = [repeat.start, repeat.end];
  const p = repeat.pattern;
  if (p.kind === "interval") {
    const text = textWithout(w, [[repeat.start, repeat.end]]);
    const due = w.ctx.now.getTime() + p.minutes * MINUTE_MS;
    const result = finish(w, text, due);
    return result.kind === "ok" ? { ...result, recurrence: { kind: "interval", minutes: p.minutes } } : result;
  }
  // Blank the repetition out (same length, so indices stay valid) and look for the time in the rest.
  const blanked = w.scan.slice(0, repeat.start) + " ".repeat(repeat.end - repeat.start) + w.scan.slice(repeat.end);
  const found = findDateTime(blanked, w.ctx.now, w.zone, w.ctx.lang);
  const spans: Array<[number, number]> = [[repeat.start, repeat.end]];
  if (found !== undefined) spans.push([found.start, found.end]);
  const text = textWithout(w, spans);
  if (found?.invalid === true) return { kind: "no-time", text, reason: "invalid-date" };
  const time = partOfDay(found?.time, w.scan.slice(repeat.start, repeat.end));
  const rule = ruleFor(w, p, found, time ?? PLACEHOLDER_TIME);
  if (time === undefined) return { kind: "needs-time", text, date: firstDay(w, rule), recurrence: rule };
  if (!time.bare || MORNING_HOURS.has(time.hour)) {
    const result = finish(w, text, nextOccurrence(rule, w.ctx.now, w.zone).getTime());
    return result.kind === "ok" ? { ...result, recurrence: rule } : result;
  }
  const rules = [rule, withTime(rule, { hour: time.hour + 12, minute: time.minute })];
  const options = rules.map((r) => nextOccurrence(r, w.ctx.now, w.zone));
  const result = ambiguous(w, text, options);
  return result.kind === "ambiguous" ? { ...result, recurrence: rule, optionRecurrences: rules } : result;
}

/** "каждый вечер в 10" is 22:00, "every morning at 7" 07:00: a bare hour read with the part of the day named. */
function partOfDay(time: FoundTime | undefined, phrase: string): FoundTime | undefined {
  if (time === undefined || !time.bare) return time;
  if (/утр|morning/iu.test(phrase)) return { ...time, bare: false };
  if (/вечер|evening|afternoon/iu.test(phrase)) return { ...time, hour: time.hour + 12, bare: false };
  // "каждую ночь в 11" is 23:00, "в 2" stays 02:00.
  if (/ноч|night/iu.test(phrase)) return { ...time, hour: time.hour >= 6 ? time.hour + 12 : time.hour, bare: false };
  return time;
}

function ruleFor(w: Work, p: FoundRepeat["pattern"], found: FoundDateTime | undefined, time: TimeOfDay): Recurrence {
  const t = { hour: time.hour, minute: time.minute };
  // A repetition that names no day takes it from the first occurrence: today if still ahead, else tomorrow.
  const first = (): LocalDate => {
    const todayAt = localToInstant(w.zone, { ...w.today, ...t });
    return todayAt.getTime() > w.ctx.now.getTime() ? w.today : addDays(w.today, 1);
  };
  switch (p.kind) {
    case "daily":
      return { kind: "daily", time: t };
    case "weekly": {
      if (p.everyWeeks === undefined || p.everyWeeks < 2) return { kind: "weekly", weekdays: p.weekdays, time: t };
      // The cycle counts from the week of the first occurrence.
      let d = first();
      for (let i = 0; i < 7 && !p.weekdays.includes(weekdayOf(d)); i++) d = addDays(d, 1);
      const from = `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;
      return { kind: "weekly", weekdays: p.weekdays, time: t, everyWeeks: p.everyWeeks, from };
    }
    case "monthly-weekday":
      return { kind: "monthly-weekday", nth: p.nth, weekday: p.weekday, time: t };
    case "weekly-same-day": {
      const d = first();
      return {
        kind: "weekly",
        weekdays: [toLocal(localToInstant(w.zone, { ...d, hour: 12, minute: 0 }), w.zone).weekday],
        time: t,
      };
    }
    case "monthly":
      return { kind: "monthly", day: p.day ?? w.today.day, time: t };
    case "yearly": {
      const d =
        found !== undefined && (found.day.kind === "month-day" || found.day.kind === "exact")
          ? found.day.date
          : w.today;
      return { kind: "yearly", month: d.month, day: d.day, time: t };
    }
    case "interval":
      return { kind: "interval", minutes: p.minutes };
  }
}

/** The first calendar day (from today) on which a rule fires, for a recurring `needs-time`. */
function firstDay(w: Work, rule: Recurrence): LocalDate {
  if (rule.kind === "interval") return w.today;
  let d = w.today;
  for (let i = 0; i < 1500 && !matchesDay(rule, d); i++) d = addDays(d, 1);
  return d;
}

function at(w: Work, date: LocalDate, time: TimeOfDay): Date {
  return localToInstant(w.zone, { ...date, hour: time.hour, minute: time.minute });
}

function finish(w: Work, text: string, dueMs: number): ParseResult {
  const now = w.ctx.now.getTime();
  if (!Number.isFinite(dueMs) || dueMs - now > MAX_AHEAD_MS) return { kind: "no-time", text, reason: "out-of-range" };
  const due = new Date(dueMs);
  if (dueMs <= now) return { kind: "past", text, due };
  return { kind: "ok", text, due, urgent: w.urgent };
}

function ambiguous(w: Work, text: string, options: Date[]): ParseResult {
  const now = w.ctx.now.getTime();
  if (options.some((d) => d.getTime() - now > MAX_AHEAD_MS)) return { kind: "no-time", text, reason: "out-of-range" };
  return { kind: "ambiguous", text, options };
}

function textWithout(w: Work, spans: Array<[number, number]>): string {
  let s = w.body;
  // Blank rather than cut, so indices stay valid and overlapping spans cannot eat the text.
  for (const [start, end] of spans) {
    s = s.slice(0, w.offset + start) + " ".repeat(Math.max(0, end - start)) + s.slice(w.offset + end);
  }
  return tidy(s);
}

const DAY_MONTH = new RegExp(
  `${WB}(\\d{1,2})\\s+(${RU_MONTH}|${EN_MONTH})${WE}|${WB}(${EN_MONTH})\\s+(\\d{1,2})${WE}`,
  "giu",
);
const MONTH_INDEX = [
  "янв|jan",
  "фев|feb",
  "мар|mar",
  "апр|apr",
  "ма[яй]|may",
  "июн|jun",
  "июл|jul",
  "авг|aug",
  "сен|sep",
  "окт|oct",
  "ноя|nov",
  "дек|dec",
];

/** "31 февраля", "April 31": a day the month never has (chrono just skips these). */
function mentionsImpossibleDate(text: string): boolean {
  DAY_MONTH.lastIndex = 0;
  for (let m = DAY_MONTH.exec(text); m !== null; m = DAY_MONTH.exec(text)) {
    const day = Number(m[1] ?? m[4]);
    const name = (m[2] ?? m[3] ?? "").toLowerCase();
    const month = MONTH_INDEX.findIndex((re) => new RegExp(`^(?:${re})`, "u").test(name)) + 1;
    if (month > 0 && !isRealDate({ year: 2024, month, day })) return true;
  }
  return false;
}

/**
 * The time of day in a short answer ("в 9", "21:30", "at 7pm"), with `bare` as in parseReminder's
 * rules; undefined when the answer holds no time.
 */
export function parseTimeOfDay(answer: string, lang: Lang = "ru"): (TimeOfDay & { bare: boolean }) | undefined {
  if (typeof answer !== "string") return undefined;
  const found = findDateTime(sanitize(answer).slice(0, 200), new Date(0), "UTC", lang);
  return found?.time === undefined
    ? undefined
    : { hour: found.time.hour, minute: found.time.minute, bare: found.time.bare };
}

/**
 * Completes a `needs-time` result with the user's answer to "at what time?": the same rules as a
 * message naming that day (or repetition) and that time. Returns the result unchanged when the
 * answer holds no time, so the bot can ask again.
 */
export function completeWithTime(result: ParseResult, answer: string, ctx: ParseContext): ParseResult {
  if (result.kind !== "needs-time") return result;
  const t = parseTimeOfDay(answer, ctx.lang);
  if (t === undefined) return result;
  const zone = isValidZone(ctx.zone) ? ctx.zone : "UTC";
  const local = toLocal(ctx.now, zone);
  const w: Work = {
    ctx,
    zone,
    today: { year: local.year, month: local.month, day: local.day },
    body: "",
    scan: "",
    offset: 0,
    urgent: false,
    seen: {},
  };
  const time: FoundTime = t;
  if (result.recurrence !== undefined && result.recurrence.kind !== "interval") {
    const rule = withTime(result.recurrence, { hour: t.hour, minute: t.minute });
    if (!time.bare || MORNING_HOURS.has(time.hour)) {
      const r = finish(w, result.text, nextOccurrence(rule, ctx.now, zone).getTime());
      return r.kind === "ok" ? { ...r, recurrence: rule } : r;
    }
    const rules = [rule, withTime(rule, { hour: t.hour + 12, minute: t.minute })];
    const r = ambiguous(
      w,
      result.text,
      rules.map((x) => nextOccurrence(x, ctx.now, zone)),
    );
    return r.kind === "ambiguous" ? { ...r, recurrence: rule, optionRecurrences: rules } : r;
  }
  return oneShot(
    w,
    { start: 0, end: 0, day: { kind: "exact", date: result.date, today: false }, time, invalid: false },
    result.text,
  );
}
