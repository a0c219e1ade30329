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
  const other: Lang = lang === "ru" ? "en" : "ru";
  let best = firstHit(PARSERS[lang].parse(text, ref));
  // The other language is asked too when words remain that it could read ("tomorrow at 9am" in ru
  // finds "9am" only): words of its script, and (once something was read) looking like time.
  // chrono costs as much as the rest of the parse, so it is skipped whenever it cannot matter.
  const left = best === undefined ? text : text.slice(0, best.index) + " " + text.slice(best.index + best.text.length);
  if (SCRIPT[other].test(left) && (best === undefined || timeLikeLeft(left) !== undefined)) {
    const hit = firstHit(PARSERS[other].parse(text, ref));
    // The longer reading wins.
    if (hit !== undefined && (best === undefined || hit.text.trim().length > best.text.trim().length)) best = hit;
  }
  return best === undefined ? undefined : reduce(text, best, ref);
}

function firstHit(results: chrono.ParsedResult[]): chrono.ParsedResult | undefined {
  return results.find(
    (r) =>
      r.start.isCertain("hour") ||
      r.start.isCertain("day") ||
      r.start.isCertain("weekday") ||
      r.start.isCertain("month"),
  );
}

function reduce(text: string, r: chrono.ParsedResult, ref: Date): FoundDateTime {
  const s = r.start;
  // chrono's match may begin with the whitespace before the expression.
  const start = r.index + (r.text.length - r.text.trimStart().length);
  let end = r.index + r.text.length;
  let time: FoundTime | undefined;
  if (s.isCertain("hour")) {
    let hour = s.get("hour") ?? 0;
    const minute = s.get("minute") ?? 0;
    const after = RU_AFTER.exec(text.slice(end));
    // chrono's ru parser takes "в 5 вечера" whole but reads 05:00: the word inside its match counts too.
    const inside = /(?<![\p{L}])(утр(?:а|ом)|ноч(?:и|ью)|дн(?:я|ём|ем)|вечер(?:а|ом))(?![\p{L}])/iu.exec(r.text)?.[1];
    const word = (
      after?.[3] ?? (inside === undefined ? undefined : MERIDIEM_WORD[inside.toLowerCase()])
    )?.toLowerCase();
    if (after !== null && after[0].length > 0) end += after[0].length;
    if (word !== undefined) hour = applyRuMeridiem(hour, word);
    const clockLike = /\d[:.]\d{2}/.test(r.text) || /(?<!\d)0\d(?!\d)/.test(r.text);
    const bare = hour >= 1 && hour <= 11 && !s.isCertain("meridiem") && word === undefined && !clockLike;
    time = { hour, minute, bare };
  }
  const refDate = { year: ref.getFullYear(), month: ref.getMonth() + 1, day: ref.getDate() };
  const date = { year: s.get("year") ?? refDate.year, month: s.get("month") ?? 1, day: s.get("day") ?? 1 };
  let day: FoundDay = { kind: "none" };
  if (s.isCertain("day")) {
    day = s.isCertain("year") ? { kind: "exact", date, today: sameDate(date, refDate) } : { kind: "month-day", date };
  } else if (relativeDay(r.text) && !sameDate(date, refDate)) {
    // "через 2 месяца в 10", "in 3 years": chrono implies the day from the offset; it is exact.
    day = { kind: "exact", date, today: false };
  } else if (s.isCertain("weekday")) {
    const w = s.get("weekday") ?? 0;
    day = { kind: "weekday", date, weekday: w === 0 ? 7 : w };
  }
  const invalid = day.kind !== "none" && !isRealDate(day.date);
  // "last Sunday", "в прошлый понедельник", "2 days ago": a past day, never moved forward.
  if (PAST.test(r.text) && day.kind !== "none") day = { kind: "exact", date: day.date, today: false };
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
