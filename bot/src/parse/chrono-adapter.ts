/**
 * What chrono-node finds in a message, reduced to wall-clock parts in the user's zone. chrono
 * computes in the host's local zone and ignores IANA names, so it is given a reference Date whose
 * host-local fields equal the user's wall clock; its results are then read field by field (never
 * as instants). Exact on a host whose zone has no DST (the bot's container runs in UTC).
 */
import * as chrono from "chrono-node";
import type { Lang } from "./types.js";
import type { LocalDate } from "./local-time.js";
import { isRealDate, offsetAt } from "./local-time.js";
import { normalize, originalEnd, originalStart } from "./normalize.js";
import type { Normalized } from "./normalize.js";
import { timeLikeLeft } from "./doubt.js";

export interface FoundTime {
  hour: number;
  minute: number;
  /** An hour 1..11 written without am/pm, утра/вечера, minutes or a leading zero ("в 7", "at 7"). */
  bare: boolean;
}

export type FoundDay =
  /** A definite calendar day: "завтра", "сегодня", "вчера", "через 3 дня", "25 декабря 2026". */
  | { kind: "exact"; date: LocalDate; today: boolean }
  /** Day and month without a year: "25 декабря" (this year, or next if the day has passed). */
  | { kind: "month-day"; date: LocalDate }
  /** A weekday: "в пятницу", "next monday" (chrono's pick, moved forward past today if needed). */
  | { kind: "weekday"; date: LocalDate; weekday: number }
  | { kind: "none" };

export interface FoundDateTime {
  start: number;
  end: number;
  day: FoundDay;
  time: FoundTime | undefined;
  /** chrono matched a date it could not make real ("31 февраля" does not parse; this guards the rest). */
  invalid: boolean;
}

const PARSERS: Record<Lang, chrono.Chrono> = { ru: chrono.ru.casual, en: chrono.en.casual };

/** A Date whose host-local fields are the user's wall clock at `now`. */
export function wallClockReference(now: Date, zone: string): Date {
  const ms = now.getTime();
  const w = new Date(ms + offsetAt(zone, ms) * 60_000);
  return new Date(
    w.getUTCFullYear(),
    w.getUTCMonth(),
    w.getUTCDate(),
    w.getUTCHours(),
    w.getUTCMinutes(),
    w.getUTCSeconds(),
    w.getUTCMilliseconds(),
  );
}

// Russian words chrono ignores after an hour: "в 3 дня" (15:00), "в 12 ночи" (00:00), "в 10 часов".
const RU_AFTER = /^(\s*(?:час(?:а|ов)?|ч\.?)(?![\p{L}]))?(\s*(утра|ночи|дня|вечера)(?![\p{L}]))?/iu;

/** Letters of a language's script: the other language's parser can only add something where they are. */
const SCRIPT: Record<Lang, RegExp> = { ru: /\p{Script=Cyrillic}/u, en: /[a-z]/i };

export function findDateTime(text: string, now: Date, zone: string, lang: Lang): FoundDateTime | undefined {
  const ref = wallClockReference(now, zone);
  const refDate = { year: ref.getFullYear(), month: ref.getMonth() + 1, day: ref.getDate() };
  const norm = normalize(text, refDate);
  const t = norm.text;
  const other: Lang = lang === "ru" ? "en" : "ru";
  let results = PARSERS[lang].parse(t, ref);
  let best = firstHit(results);
  // The other language is asked too when words remain that it could read ("tomorrow at 9am" in ru
  // finds "9am" only): words of its script, and (once something was read) looking like time.
  // chrono costs as much as the rest of the parse, so it is skipped whenever it cannot matter.
  const left = best === undefined ? t : t.slice(0, best.index) + " " + t.slice(best.index + best.text.length);
  if (SCRIPT[other].test(left) && (best === undefined || timeLikeLeft(left) !== undefined)) {
    const theirs = PARSERS[other].parse(t, ref);
    const hit = firstHit(theirs);
    // The longer reading wins.
    if (hit !== undefined && (best === undefined || hit.text.trim().length > best.text.trim().length)) {
      best = hit;
      results = theirs;
    }
  }
  if (best === undefined) return undefined;
  const found = reduce(t, text, norm, best, results, refDate);
  return { ...found, start: originalStart(norm, found.start), end: originalEnd(norm, found.end) };
}

function firstHit(results: chrono.ParsedResult[]): chrono.ParsedResult | undefined {
  return results.find(
    (r) =>
      r.start.isCertain("hour") ||
      r.start.isCertain("day") ||
      r.start.isCertain("weekday") ||
      r.start.isCertain("month") ||
      // "через 3 года", "in 3 years": only the year is certain.
      (r.start.isCertain("year") && relativeDay(r.text)),
  );
}

const hasDay = (r: chrono.ParsedResult) =>
  (r.start.isCertain("day") || r.start.isCertain("weekday") || relativeDay(r.text)) && !r.start.isCertain("hour");
/** What may stand between a time and the day after it: "в 17 часов завтра", "в 9 утра во вторник". */
const JOIN = /^[\s,]*(?:(?:в|во|on|at)\s+)?$/iu;

/**
 * `t` is the normalized text chrono read, `original` the user's; indices are in `t`. A time followed
 * by a day that chrono left as two results ("в 17 часов завтра") is taken as one.
 */
function reduce(
  t: string,
  original: string,
  norm: Normalized,
  r: chrono.ParsedResult,
  results: chrono.ParsedResult[],
  refDate: LocalDate,
): FoundDateTime {
  // chrono's match may begin with the whitespace before the expression.
  const start = r.index + (r.text.length - r.text.trimStart().length);
  let end = r.index + r.text.length;
  let time: FoundTime | undefined;
  let dayResult = r;
  const s = r.start;
  if (s.isCertain("hour")) {
    let hour = s.get("hour") ?? 0;
    const minute = s.get("minute") ?? 0;
    const after = RU_AFTER.exec(t.slice(end));
    // chrono's ru parser takes "в 5 вечера" whole but reads 05:00: the word inside its match counts too.
    const inside = /(?<![\p{L}])(утр(?:а|ом)|ноч(?:и|ью)|дн(?:я|ём|ем)|вечер(?:а|ом))(?![\p{L}])/iu.exec(r.text)?.[1];
    const word = (
      after?.[3] ?? (inside === undefined ? undefined : MERIDIEM_WORD[inside.toLowerCase()])
    )?.toLowerCase();
    if (after !== null && after[0].length > 0) end += after[0].length;
    if (word !== undefined) hour = applyRuMeridiem(hour, word);
    // Judged on the words written: "без четверти 9" (read as 8:45) is as bare as "в 9".
    const written = original.slice(originalStart(norm, start), originalEnd(norm, end));
    const clockLike = /\d[:.]\d{2}/.test(written) || /(?<!\d)0\d(?!\d)/.test(written);
    const bare = hour >= 1 && hour <= 11 && !s.isCertain("meridiem") && word === undefined && !clockLike;
    time = { hour, minute, bare };
    if (!s.isCertain("day") && !s.isCertain("weekday") && !relativeDay(r.text)) {
      const next = results.find((x) => x.index >= end && hasDay(x) && JOIN.test(t.slice(end, x.index)));
      if (next !== undefined) {
        dayResult = next;
        end = next.index + next.text.length;
      }
    }
  }
  const d = dayResult.start;
  const date = { year: d.get("year") ?? refDate.year, month: d.get("month") ?? 1, day: d.get("day") ?? 1 };
  let day: FoundDay = { kind: "none" };
  if (d.isCertain("day")) {
    day = d.isCertain("year") ? { kind: "exact", date, today: sameDate(date, refDate) } : { kind: "month-day", date };
  } else if (relativeDay(dayResult.text) && !sameDate(date, refDate)) {
    // "через 2 месяца в 10", "in 3 years": chrono implies the day from the offset; it is exact.
    day = { kind: "exact", date, today: false };
  } else if (d.isCertain("weekday")) {
    const w = d.get("weekday") ?? 0;
    day = { kind: "weekday", date, weekday: w === 0 ? 7 : w };
  }
  const invalid = day.kind !== "none" && !isRealDate(day.date);
  // "last Sunday", "в прошлый понедельник", "2 days ago": a past day, never moved forward.
  if (PAST.test(t.slice(start, end)) && day.kind !== "none") day = { kind: "exact", date: day.date, today: false };
  return { start, end, day, time, invalid };
}

const MERIDIEM_WORD: Readonly<Record<string, string>> = {
  утра: "утра",
  утром: "утра",
  ночи: "ночи",
  ночью: "ночи",
  дня: "дня",
  днём: "дня",
  днем: "дня",
  вечера: "вечера",
  вечером: "вечера",
};
const PAST = /(?<![\p{L}])(?:прошл\p{L}*|last|ago|назад)(?![\p{L}])/iu;
const relativeDay = (t: string) =>
  /(?<![\p{L}])(?:через|in)\s/iu.test(t) && /(?:дн|недел|месяц|год|лет|day|week|month|year)/iu.test(t);

function applyRuMeridiem(hour: number, word: string): number {
  switch (word) {
    case "утра":
      return hour === 12 ? 0 : hour;
    case "ночи":
      // "в 12 ночи" is midnight, "в 2 ночи" 02:00, "в 11 ночи" 23:00.
      return hour === 12 ? 0 : hour >= 6 && hour < 12 ? hour + 12 : hour;
    case "дня":
      // "в 3 дня" is 15:00; "в 11 дня" is still 11:00.
      return hour >= 1 && hour <= 6 ? hour + 12 : hour;
    case "вечера":
      return hour >= 1 && hour < 12 ? hour + 12 : hour;
    default:
      return hour;
  }
}

function sameDate(a: LocalDate, b: LocalDate): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day;
}
