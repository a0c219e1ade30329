/**
 * Repetition phrases, which chrono does not parse: "каждый день", "по будням", "каждую среду и
 * пятницу", "каждое 1 число", "каждый год", "каждые 2 часа", "every weekday", "every Tuesday and
 * Thursday", "every month on the 1st", "every 15 minutes"... Only the repetition is recognised
 * here; the time of day (and the date of a yearly rule) is found in the rest of the message.
 */
import {
  EN_DAY,
  EN_DAY_PLURAL,
  EN_MONTH,
  NUM,
  RU_DAY,
  RU_DAY_PLURAL,
  RU_MONTH,
  UNIT,
  WB,
  WE,
  numberValue,
  unitMinutes,
  weekdayNumber,
} from "./words.js";

export type RepeatPattern =
  | { kind: "daily" }
  /** everyWeeks 2: "every other week on Monday", "раз в две недели в понедельник". */
  | { kind: "weekly"; weekdays: number[]; everyWeeks?: number }
  /** The nth (1..4, -1 last) weekday of every month: "в первый понедельник месяца". */
  | { kind: "monthly-weekday"; nth: number; weekday: number }
  /** day undefined: "каждую неделю" / "every week": the weekday of the first occurrence. */
  | { kind: "weekly-same-day" }
  | { kind: "monthly"; day: number | undefined }
  /** The date comes from the rest of the message, or is the first occurrence's. */
  | { kind: "yearly" }
  | { kind: "interval"; minutes: number };

export interface FoundRepeat {
  pattern: RepeatPattern;
  start: number;
  end: number;
}

const ORD_RU = "(?:-?(?:е|ое|го|ого|ое))?";
const ORD_EN = "(?:st|nd|rd|th)?";
const EVERY_RU = "кажд(?:ый|ую|ое|ые)";

type Rule = { re: RegExp; build: (m: RegExpExecArray) => RepeatPattern | undefined };

function rule(source: string, build: Rule["build"]): Rule {
  return { re: new RegExp(`${WB}(?:${source})${WE}`, "iu"), build };
}

const dayList = (first: string, next: string, joiner: string) =>
  `${first}(?:\\s*(?:,|${joiner})\\s*(?:,?\\s*(?:${joiner})\\s*)?${next})*`;

function weekdaysIn(text: string): number[] {
  const re = new RegExp(`${WB}(${RU_DAY}|${EN_DAY})${WE}`, "giu");
  const days = new Set<number>();
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const d = weekdayNumber(m[1] ?? "");
    if (d !== undefined) days.add(d);
  }
  return [...days].sort((a, b) => a - b);
}

function dayOfMonth(token: string | undefined): number | undefined {
  const n = Number(token);
  return Number.isInteger(n) && n >= 1 && n <= 31 ? n : undefined;
}

function interval(count: string | undefined, unit: string | undefined): RepeatPattern | undefined {
  const n = count === undefined ? 1 : numberValue(count);
  const minutes = n * unitMinutes(unit ?? "");
  // Whole minutes only, at least one: a reminder every few seconds is a flood, not a reminder.
  if (!Number.isFinite(minutes) || minutes < 1) return undefined;
  return { kind: "interval", minutes: Math.round(minutes) };
}

// Order matters: the more specific phrase first ("каждые 2 часа" before "каждый", "every 2nd" before "every").
const NTH: ReadonlyArray<[RegExp, number]> = [
  [/^(?:перв|first|1st)/iu, 1],
  [/^(?:втор|second|2nd)/iu, 2],
  [/^(?:трет|third|3rd)/iu, 3],
  [/^(?:четв[её]рт|fourth|4th)/iu, 4],
  [/^(?:последн|last)/iu, -1],
];
const NTH_RU = "(?:перв|втор|трет|четв[её]рт|последн)\\p{L}*";
const NTH_EN = "first|second|third|fourth|last|1st|2nd|3rd|4th";

function nthWeekday(nth: string | undefined, day: string | undefined): RepeatPattern | undefined {
  const n = NTH.find(([re]) => re.test(nth ?? ""))?.[1];
  const weekday = weekdayNumber(day ?? "");
  return n === undefined || weekday === undefined ? undefined : { kind: "monthly-weekday", nth: n, weekday };
}

function everyOtherWeek(text: string): RepeatPattern | undefined {
  const weekdays = weekdaysIn(text);
  return weekdays.length > 0 ? { kind: "weekly", weekdays, everyWeeks: 2 } : undefined;
}

const RULES: readonly Rule[] = [
  // Every other week, before the intervals ("каждые 2 недели" is not 20,160 minutes from now).
  rule(
    `(?:раз\\s+в\\s+(?:две|2)\\s+недели|кажд(?:ую|ые)\\s+(?:вторую|две|2)\\s+недел[юи])\\s*,?\\s*(?:в|во|по)\\s+(?:${RU_DAY_PLURAL}|${RU_DAY})` +
      `|(?:every\\s+(?:other|second|2nd|two|2)\\s+weeks?|biweekly|fortnightly|every\\s+fortnight)\\s*,?\\s*on\\s+(?:${EN_DAY_PLURAL}|${EN_DAY})` +
      `|every\\s+other\\s+(?:${EN_DAY})`,
    (m) => everyOtherWeek(m[0]),
  ),
  // The nth weekday and the last day of the month.
  rule(`(?:(?:кажд(?:ый|ую|ое)|в|во)\\s+)?(${NTH_RU})\\s+(${RU_DAY})\\s+(?:каждого\\s+)?месяца`, (m) =>
    nthWeekday(m[1], m[2]),
  ),
  rule(`(?:(?:every|each|on)\\s+)?(?:the\\s+)?(${NTH_EN})\\s+(${EN_DAY})\\s+of\\s+(?:the|every|each)\\s+month`, (m) =>
    nthWeekday(m[1], m[2]),
  ),
  rule(
    "(?:(?:кажд(?:ый|ое)|в)\\s+)?последн(?:ий|ее)\\s+(?:день|число)\\s+(?:каждого\\s+)?месяца" +
      "|(?:(?:every|each|on)\\s+)?(?:the\\s+)?last\\s+day\\s+of\\s+(?:the|every|each)\\s+month",
    () => ({ kind: "monthly", day: 31 }),
  ),
  rule(`${EVERY_RU}\\s+(${NUM})\\s*(${UNIT})|every\\s+(${NUM})\\s*(${UNIT})`, (m) =>
    m[1] !== undefined ? interval(m[1], m[2]) : interval(m[3], m[4]),
  ),
  rule("каждые\\s+полчаса|every\\s+half\\s+(?:an\\s+)?hour", () => ({ kind: "interval", minutes: 30 })),
  rule("каждый\\s+час|ежечасно|every\\s+hour|hourly", () => ({ kind: "interval", minutes: 60 })),
  rule("каждую\\s+минуту|every\\s+minute", () => ({ kind: "interval", minutes: 1 })),
  rule(`${EVERY_RU}\\s+(\\d{1,2})${ORD_RU}\\s+числ[оа]`, (m) => monthly(m[1])),
  rule(`(?:каждый\\s+месяц|ежемесячно)\\s*,?\\s*(\\d{1,2})${ORD_RU}(?:\\s+числа)?`, (m) => monthly(m[1])),
  rule(`(\\d{1,2})${ORD_RU}\\s+числа\\s+каждого\\s+месяца`, (m) => monthly(m[1])),
  rule(`(?:every\\s+month|each\\s+month|monthly)\\s*,?\\s*on\\s+the\\s+(\\d{1,2})${ORD_EN}`, (m) => monthly(m[1])),
  rule(`on\\s+the\\s+(\\d{1,2})${ORD_EN}\\s+of\\s+(?:every|each)\\s+month`, (m) => monthly(m[1])),
  rule(`(?:every|each)\\s+(\\d{1,2})(?:st|nd|rd|th)(?:\\s+(?:day\\s+)?of\\s+(?:the|every|each)\\s+month)?`, (m) =>
    monthly(m[1]),
  ),
  rule("каждый\\s+месяц|ежемесячно|every\\s+month|each\\s+month|monthly", () => ({
    kind: "monthly",
    day: undefined,
  })),
  rule(
    "по\\s+будн(?:ям|им\\s+дням)|в\\s+будни|в\\s+будние\\s+дни|по\\s+рабочим\\s+дням|каждый\\s+(?:будний|рабочий)\\s+день|(?:every|each)\\s+(?:weekday|workday|working\\s+day)|on\\s+weekdays|weekdays",
    () => ({ kind: "weekly", weekdays: [1, 2, 3, 4, 5] }),
  ),
  rule(
    "по\\s+выходным(?:\\s+дням)?|в\\s+выходные(?:\\s+дни)?|каждые\\s+выходные|каждый\\s+выходной|(?:every|each)\\s+weekend|on\\s+weekends|weekends",
    () => ({ kind: "weekly", weekdays: [6, 7] }),
  ),
  rule(
    dayList(`(?:${EVERY_RU}\\s+${RU_DAY}|по\\s+${RU_DAY_PLURAL})`, `(?:${EVERY_RU}\\s+)?${RU_DAY}`, "и") +
      "|" +
      dayList(`(?:(?:every|each)\\s+${EN_DAY}|on\\s+${EN_DAY_PLURAL})`, `(?:every\\s+)?${EN_DAY}`, "and|&"),
    (m) => {
      const weekdays = weekdaysIn(m[0]);
      return weekdays.length > 0 ? { kind: "weekly", weekdays } : undefined;
    },
  ),
  rule("каждую\\s+неделю|еженедельно|every\\s+week|each\\s+week|weekly", () => ({ kind: "weekly-same-day" })),
  rule("каждый\\s+день|ежедневно|каждодневно|каждые\\s+сутки|every\\s*day|each\\s+day|daily", () => ({
    kind: "daily",
  })),
  // "каждое утро в 7", "every evening at 10": daily; the part of the day decides a bare hour (parse-reminder).
  rule(
    "каждое\\s+утро|каждый\\s+вечер|каждую\\s+ночь|по\\s+утрам|по\\s+вечерам|(?:every|each)\\s+(?:morning|evening|night|afternoon)",
    () => ({ kind: "daily" }),
  ),
  rule("каждый\\s+год|ежегодно|every\\s+year|each\\s+year|yearly|annually", () => ({ kind: "yearly" })),
  // "каждое 25 декабря", "every December 25": only the word is the repetition; the date stays for chrono.
  rule(
    `(?:каждое|every|each)(?=\\s+(?:\\d{1,2}\\s+${RU_MONTH}|${EN_MONTH}|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${EN_MONTH}))`,
    () => ({
      kind: "yearly",
    }),
  ),
];

function monthly(token: string | undefined): RepeatPattern | undefined {
  const day = dayOfMonth(token);
  return day === undefined ? undefined : { kind: "monthly", day };
}

/** The repetition phrase in the text, if any: the earliest match of the first rule that matches. */
export function findRepeat(text: string): FoundRepeat | undefined {
  for (const r of RULES) {
    const m = r.re.exec(text);
    if (m === null) continue;
    const pattern = r.build(m);
    if (pattern !== undefined) return { pattern, start: m.index, end: m.index + m[0].length };
  }
  return undefined;
}
