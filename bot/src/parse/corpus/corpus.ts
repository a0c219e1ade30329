/**
 * The phrase corpus (ru.ts, en.ts) read into entries, and the grading of a reading against an
 * entry. Shared by corpus.test.ts (npm test) and parse.bench.ts (figures beside plain chrono-node).
 *
 * Expected readings, in the language's zone, at CORPUS_NOW:
 *   "2026-11-27 09:00"         a one-off at that local time
 *   "ask T ; T"                 a question offering (at least) these times
 *   "day 2026-11-27"           a day without a time: the bot asks for the time
 *   "past" / "none"            refused as past / no time found
 *   "rep RULE"                 a repetition, RULE as ruleKey() writes it
 *   "rep? RULE"                a repetition whose time the bot still has to ask (RULE without time)
 * Alternatives are separated by "||" (any of them is right).
 */
import type { Lang, ParseResult, Recurrence } from "../types.js";
import { toLocal } from "../local-time.js";
import { EN } from "./en.js";
import { RU } from "./ru.js";

export const CORPUS_NOW = new Date("2026-11-26T08:00:00.000Z");
export const CORPUS_ZONE: Record<Lang, string> = { ru: "Asia/Yekaterinburg", en: "Europe/London" };

export type Expected =
  | { kind: "at"; at: string }
  | { kind: "ask"; times: string[] }
  | { kind: "day"; date: string }
  | { kind: "past" }
  | { kind: "none" }
  | { kind: "rep"; rule: string; timeAsked: boolean };

export interface Entry {
  lang: Lang;
  phrase: string;
  expected: Expected[];
  text: string | undefined;
}

export function corpus(): Entry[] {
  return [...read("ru", RU), ...read("en", EN)];
}

function read(lang: Lang, source: string): Entry[] {
  return source
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line) => {
      const [phrase, expected, text] = line.split(" | ").map((p) => p.trim());
      if (phrase === undefined || expected === undefined) throw new Error(`corpus: bad line: ${line}`);
      return { lang, phrase, expected: expected.split(" || ").map((e) => expectation(e, line)), text };
    });
}

const STAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d$/;

function expectation(e: string, line: string): Expected {
  const s = e.trim();
  if (STAMP.test(s)) return { kind: "at", at: s };
  if (s === "past" || s === "none") return { kind: s };
  if (s.startsWith("ask ")) {
    const times = s.slice(4).split(" ; ");
    if (times.every((t) => STAMP.test(t))) return { kind: "ask", times };
  }
  if (/^day \d{4}-\d\d-\d\d$/.test(s)) return { kind: "day", date: s.slice(4) };
  if (s.startsWith("rep ")) return { kind: "rep", rule: s.slice(4), timeAsked: false };
  if (s.startsWith("rep? ")) return { kind: "rep", rule: s.slice(5), timeAsked: true };
  throw new Error(`corpus: bad expectation "${s}" in: ${line}`);
}

const pad = (n: number) => String(n).padStart(2, "0");
const hm = (t: { hour: number; minute: number }) => `${pad(t.hour)}:${pad(t.minute)}`;

/** A local minute "YYYY-MM-DD HH:MM" of an instant in a zone. */
export function stamp(d: Date, zone: string): string {
  const l = toLocal(d, zone);
  return `${l.year}-${pad(l.month)}-${pad(l.day)} ${pad(l.hour)}:${pad(l.minute)}`;
}

/** A rule in the corpus's notation; `withTime` false leaves the time of day out. */
export function ruleKey(r: Recurrence, withTime = true): string {
  const at = (t: { hour: number; minute: number }) => (withTime ? ` ${hm(t)}` : "");
  const end = "";
  switch (r.kind) {
    case "interval":
      return `every ${r.minutes}`;
    case "daily":
      return `daily${withTime ? " " + hm(r.time) : ""}${end}`;
    case "weekly": {
      const every = r.everyWeeks !== undefined && r.everyWeeks > 1 ? `/${r.everyWeeks}` : "";
      return `weekly${every} ${[...r.weekdays].sort((a, b) => a - b).join(",")}${at(r.time)}${end}`;
    }
    case "monthly":
      // Day 31 clamps to every month's last day: the same schedule as "the last day of the month".
      return r.day === 31 ? `monthly-last${at(r.time)}${end}` : `monthly ${r.day}${at(r.time)}${end}`;
    case "monthly-weekday":
      return `monthly-nth ${r.nth}:${r.weekday}${at(r.time)}${end}`;
    case "yearly":
      return `yearly ${r.month}-${r.day}${at(r.time)}${end}`;
  }
}

export type Grade = "correct" | "asked" | "missed" | "wrong";

/** How our reading compares: right, a question without the right option, refused, or wrong without asking. */
export function grade(entry: Entry, r: ParseResult): Grade {
  const zone = CORPUS_ZONE[entry.lang];
  if (entry.expected.some((e) => matches(e, r, zone))) return "correct";
  if (r.kind === "ambiguous" || r.kind === "needs-time") return "asked";
  if (r.kind === "ok") return "wrong";
  return "missed";
}

function matches(e: Expected, r: ParseResult, zone: string): boolean {
  switch (e.kind) {
    case "at":
      if (r.kind === "ok") return r.recurrence === undefined && stamp(r.due, zone) === e.at;
      // A question that offers the right reading is a right answer too ("when in doubt, ask").
      return r.kind === "ambiguous" && r.recurrence === undefined && r.options.some((o) => stamp(o, zone) === e.at);
    case "ask":
      return r.kind === "ambiguous" && e.times.every((t) => r.options.some((o) => stamp(o, zone) === t));
    case "day":
      return r.kind === "needs-time" && r.recurrence === undefined && dateKey(r.date) === e.date;
    case "past":
      return r.kind === "past";
    case "none":
      return r.kind === "no-time";
    case "rep":
      if (e.timeAsked)
        return r.kind === "needs-time" && r.recurrence !== undefined && ruleKey(r.recurrence, false) === e.rule;
      if (r.kind === "ok") return r.recurrence !== undefined && ruleKey(r.recurrence) === e.rule;
      return r.kind === "ambiguous" && (r.optionRecurrences ?? []).some((x) => ruleKey(x) === e.rule);
  }
}

const dateKey = (d: { year: number; month: number; day: number }) => `${d.year}-${pad(d.month)}-${pad(d.day)}`;

/** Plain chrono-node's reading (a single Date or null, no questions), graded the same way. */
export function gradeChrono(entry: Entry, found: Date | null, nowLocal: string): Exclude<Grade, "asked"> {
  const got = found === null ? null : localStamp(found);
  for (const e of entry.expected) {
    if (e.kind === "none" && got === null) return "correct";
    if (got === null) continue;
    if (e.kind === "at" && got === e.at) return "correct";
    if (e.kind === "ask" && e.times.includes(got)) return "correct";
    if (e.kind === "day" && got.slice(0, 10) === e.date) return "correct";
    if (e.kind === "past" && got < nowLocal) return "correct";
  }
  return got === null ? "missed" : "wrong";
}

/** chrono answers in the host's zone (the bench runs with TZ=UTC and a wall-clock reference). */
function localStamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
