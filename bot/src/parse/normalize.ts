/**
 * Rewrites the ways people write times that chrono-node does not read into ways it does, keeping a
 * map back to the original text so the words taken out of the reminder are the ones written:
 * "18-го марта" -> "18 марта", "15.03 в 9" -> "15 марта в 9", "без четверти 9" -> "8:45",
 * "в половине десятого" -> "в 9:30", "3 часа дня" -> "в 3 часа дня", "quarter past 3pm" -> "3:15pm",
 * "15h00" -> "15:00", "the 20th" -> "December 20", "3 days hence" -> "in 3 days".
 * Rewritten clock times keep the original's bareness: the adapter judges "bare" on the original words.
 */
import type { LocalDate } from "./local-time.js";
import { daysInMonth, weekdayOf } from "./local-time.js";
import { EN_DAY, EN_MONTH, EN_MONTHS, RU_MONTH, RU_MONTHS_GENITIVE, WB, WE, weekdayNumber } from "./words.js";

export interface Normalized {
  text: string;
  /**
   * For each index of `text` (and its end), the original index when a match starts (`lo`) or ends
   * (`hi`) there: inside a rewritten part, a start maps to the part's start and an end to its end.
   * Undefined: no rewrite, the same index.
   */
  lo: number[] | undefined;
  hi: number[] | undefined;
}

/** The original index of a start index in the normalized text. */
export function originalStart(n: Normalized, i: number): number {
  return n.lo === undefined ? i : (n.lo[i] ?? i);
}

/** The original index of an end index in the normalized text. */
export function originalEnd(n: Normalized, i: number): number {
  return n.hi === undefined ? i : (n.hi[i] ?? i);
}

type Rule = [RegExp, (m: RegExpExecArray, today: LocalDate) => string | undefined];

/** Replaces each match of a rule, extending the index maps. */
function apply(n: Normalized, [re, fn]: Rule, today: LocalDate): Normalized {
  re.lastIndex = 0;
  let out = "";
  let lo: number[] | undefined;
  let hi: number[] | undefined;
  let last = 0;
  for (let m = re.exec(n.text); m !== null; m = re.exec(n.text)) {
    const r = fn(m, today);
    if (r === undefined || r === m[0]) continue;
    lo ??= [];
    hi ??= [];
    const end = m.index + m[0].length;
    copyMaps(n, last, m.index, lo, hi);
    const s = originalStart(n, m.index);
    const e = originalEnd(n, end);
    for (let i = 0; i < r.length; i++) {
      lo.push(s);
      hi.push(i === 0 ? originalEnd(n, m.index) : e);
    }
    out += n.text.slice(last, m.index) + r;
    last = end;
  }
  if (lo === undefined || hi === undefined) return n;
  copyMaps(n, last, n.text.length + 1, lo, hi);
  return { text: out + n.text.slice(last), lo, hi };
}

function copyMaps(n: Normalized, from: number, to: number, lo: number[], hi: number[]): void {
  for (let i = from; i < to; i++) {
    lo.push(originalStart(n, i));
    hi.push(originalEnd(n, i));
  }
}

const RU_ORD_GEN: Readonly<Record<string, number>> = {
  первого: 1,
  второго: 2,
  третьего: 3,
  четвертого: 4,
  пятого: 5,
  шестого: 6,
  седьмого: 7,
  восьмого: 8,
  девятого: 9,
  десятого: 10,
  одиннадцатого: 11,
  двенадцатого: 12,
};
const RU_HOURS: Readonly<Record<string, number>> = {
  час: 1,
  один: 1,
  два: 2,
  три: 3,
  четыре: 4,
  пять: 5,
  шесть: 6,
  семь: 7,
  восемь: 8,
  девять: 9,
  десять: 10,
  одиннадцать: 11,
  двенадцать: 12,
};
const EN_HOURS: Readonly<Record<string, number>> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
};
const MINUTES_WORDS: Readonly<Record<string, number>> = {
  четверти: 15,
  пятнадцати: 15,
  пяти: 5,
  десяти: 10,
  двадцати: 20,
  "двадцати пяти": 25,
  quarter: 15,
  half: 30,
  five: 5,
  ten: 10,
  twenty: 20,
  "twenty five": 25,
  "twenty-five": 25,
};
const words = (o: Readonly<Record<string, number>>) =>
  Object.keys(o)
    .sort((a, b) => b.length - a.length)
    .join("|");
const pad = (n: number) => String(n).padStart(2, "0");
/** "H:MM" for the minute before the hour: "без четверти 9" is 8:45; an hour 1 gives 12. */
const before = (hour: number, minutes: number) => `${hour === 1 ? 12 : hour - 1}:${pad(60 - minutes)}`;
const hourOf = (token: string, names: Readonly<Record<string, number>>) => {
  const h = /^\d+$/.test(token) ? Number(token) : names[token.toLowerCase()];
  return h !== undefined && h >= 1 && h <= 12 ? h : undefined;
};
const minutesOf = (token: string) =>
  /^\d+$/.test(token) ? Number(token) : MINUTES_WORDS[token.toLowerCase().replace(/\s+/g, " ")];

/** The next day-of-month `day` from today (this month if not past, else the first later month having it). */
function nextMonthDay(today: LocalDate, day: number, monthsAhead = 0): LocalDate | undefined {
  if (day < 1 || day > 31) return undefined;
  const first = today.month - 1 + monthsAhead + (monthsAhead === 0 && day < today.day ? 1 : 0);
  // A named month ("of next month") must have the day; otherwise the first month that has it.
  for (let k = first; k < first + (monthsAhead === 0 ? 12 : 1); k++) {
    const year = today.year + Math.floor(k / 12);
    const month = (k % 12) + 1;
    if (day <= daysInMonth(year, month)) return { year, month, day };
  }
  return undefined;
}

const TIME_WORD_AFTER = String.raw`(?=\s*(?:$|[,.!?;:)]|час\p{L}*|утра|вечера|дня|ночи|ровно|сегодня|завтра|послезавтра))`;
const EN_TIME_AFTER = String.raw`(?=\s*(?:$|[,.!?;:)]|am\b|pm\b|a\.m\.|p\.m\.|o'?clock|in\s+the\s|at\s+night|tonight|this\s|tomorrow|today|sharp))`;

const RU_RULES: Rule[] = [
  // Typos of "завтра" and "после завтра" written apart.
  [new RegExp(`${WB}(?:завтро|зватра|завтар|зафтра)${WE}`, "giu"), () => "завтра"],
  [new RegExp(`${WB}после\\s+завтра${WE}`, "giu"), () => "послезавтра"],
  // "прошлое воскресенье": chrono knows only "прошлый"/"прошлую".
  [
    new RegExp(`${WB}(прошл|следующ)(?:ее|ое)(?=\\s+воскресень)`, "giu"),
    (m) => `${m[1]}${m[1] === "прошл" ? "ый" : "ий"}`,
  ],
  // "2027 г." / "2027 года": chrono stops at the "г." and loses the time after it.
  [new RegExp(`${WB}(\\d{4})\\s*г(?:\\.|ода${WE}|${WE})`, "giu"), (m) => m[1]],
  // Ordinal day with a month: "18-го марта", "1-е апреля", "3-его мая".
  [new RegExp(`${WB}(\\d{1,2})\\s*-?\\s*(?:го|е|ое|ого|его|й)(?=\\s+(?:${RU_MONTH}))`, "giu"), (m) => m[1]],
  // Ordinal day alone or "20 числа": the next such day of a month.
  [
    // Only where a date fits ("20-го в 10", "к 5-му"): "2-е место", "у 3-го подъезда" stay.
    new RegExp(
      `${WB}(\\d{1,2})(?:\\s+числа|(?:\\s*-\\s*(?:го|е|ое|ого|его)|-?го)(?=\\s*(?:$|[,.!?;]|(?:в|во|к|до|утром|вечером|днем|числа)${WE})))${WE}(?!\\s+(?:${RU_MONTH}))`,
      "giu",
    ),
    (m, today) => {
      const d = nextMonthDay(today, Number(m[1]));
      return d === undefined ? undefined : `${d.day} ${RU_MONTHS_GENITIVE[d.month - 1]} ${d.year}`;
    },
  ],
  // "15.03 в 9": a dotted day and month followed by a time (alone, "15.03" may be 15:03).
  [
    new RegExp(
      `(?<![\\p{L}\\p{N}_.:])(?<!(?:в|во|к|до|с|at)\\s+)(\\d{1,2})\\.(\\d{1,2})(?![\\d.:])(?=\\s*,?\\s+(?:в|во|at)\\s+\\d)`,
      "giu",
    ),
    (m) => {
      const day = Number(m[1]);
      const month = Number(m[2]);
      return day >= 1 && day <= 31 && month >= 1 && month <= 12 ? `${day} ${RU_MONTHS_GENITIVE[month - 1]}` : undefined;
    },
  ],
  // "декабря 5 в 10": the month first.
  [
    new RegExp(`${WB}(${RU_MONTH})\\s+(\\d{1,2})${WE}(?!\\s*[:.]\\d)`, "giu"),
    (m) => (/(?:я|а)$/iu.test(m[1] ?? "") ? `${m[2]} ${m[1]}` : undefined),
  ],
  // "завтра днём в 3", "утром в 7": the part of the day after the hour, as chrono reads it.
  [
    /(?<![\p{L}])(?<!сегодня\s+)(утром|днем|вечером|ночью)\s+(в|во)\s+(\d{1,2})(?![\p{L}\p{N}:.])/giu,
    (m) => `${m[2]} ${m[3]} ${PART_OF_DAY[(m[1] ?? "").toLowerCase()] ?? ""}`,
  ],
  // "к пятнице": the day it is due.
  [
    /(?<![\p{L}])к\s+(понедельнику|вторнику|среде|четвергу|пятнице|субботе|воскресенью)(?![\p{L}])/giu,
    (m) => `в ${DATIVE_DAY[(m[1] ?? "").toLowerCase()] ?? m[1]}`,
  ],
  // "на следующей неделе в понедельник": chrono reads "в следующий понедельник".
  [
    /(?<![\p{L}])на\s+следующей\s+неделе\s*,?\s+(?:в|во)\s+(понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье)(?![\p{L}])/giu,
    (m) => {
      const d = (m[1] ?? "").toLowerCase();
      return `в ${/у$/.test(d) ? "следующую" : /е$/.test(d) ? "следующее" : "следующий"} ${d}`;
    },
  ],
  // "9ч" -> "9 ч" (chrono reads no unit stuck to the number).
  [/(?<![\p{L}\p{N}])(\d{1,2})ч(?=\.|(?![\p{L}]))/giu, (m) => `${m[1]} ч`],
  // An hour with "часа/часов" and a part of the day but no "в": "3 часа дня", "8 часов вечера".
  [
    new RegExp(
      `(?<!(?:через|на|за|в|во|к|до|с|by|in)\\s+)${WB}(\\d{1,2})(\\s*(?:час(?:а|ов)?|ч\\.?)\\s+(?:утра|дня|вечера|ночи)${WE})`,
      "giu",
    ),
    (m) => `в ${m[1]}${m[2]}`,
  ],
  // Clock words: "в половине десятого" (9:30), "в полдесятого", "в четверть третьего" (2:15).
  [
    new RegExp(`${WB}(?:(в|во)\\s+)?(половин[еуаы]\\s+|пол\\s*-?\\s*|четверть\\s+)(${words(RU_ORD_GEN)})${WE}`, "giu"),
    (m) => {
      const h = RU_ORD_GEN[(m[3] ?? "").toLowerCase()];
      if (h === undefined) return undefined;
      const minute = (m[2] ?? "").toLowerCase().startsWith("ч") ? 15 : 30;
      return `${m[1] ?? "в"} ${h === 1 ? 12 : h - 1}:${minute}`;
    },
  ],
  // "без четверти 9", "без десяти шесть", "без 15 10": minutes before the hour.
  [
    new RegExp(
      `${WB}(?:в\\s+)?без\\s+(\\d{1,2}|${words(MINUTES_WORDS)})(?:\\s+мин\\p{L}*)?\\s+(\\d{1,2}|${words(RU_HOURS)})${WE}`,
      "giu",
    ),
    (m) => {
      const minutes = minutesOf(m[1] ?? "");
      const h = hourOf(m[2] ?? "", RU_HOURS);
      return minutes === undefined || h === undefined || minutes < 1 || minutes > 30
        ? undefined
        : `в ${before(h, minutes)}`;
    },
  ],
  // Hours in words after "в": "в восемь вечера", "завтра в десять", "в пять".
  [
    new RegExp(`${WB}(в|во|к)\\s+(${words(RU_HOURS)})${WE}${TIME_WORD_AFTER}`, "giu"),
    (m) => {
      const h = RU_HOURS[(m[2] ?? "").toLowerCase()];
      return h === undefined || (m[2] ?? "").toLowerCase() === "час" ? undefined : `${m[1]} ${h}`;
    },
  ],
];

const PART_OF_DAY: Readonly<Record<string, string>> = { утром: "утра", днем: "дня", вечером: "вечера", ночью: "ночи" };
const DATIVE_DAY: Readonly<Record<string, string>> = {
  понедельнику: "понедельник",
  вторнику: "вторник",
  среде: "среду",
  четвергу: "четверг",
  пятнице: "пятницу",
  субботе: "субботу",
  воскресенью: "воскресенье",
};

const EN_RULES: Rule[] = [
  // "in the morning at 8", "next week on monday": the order chrono reads.
  [/\bin\s+the\s+(morning|afternoon|evening)\s+at\s+(\d{1,2})(?![\d:.])/giu, (m) => `at ${m[2]} in the ${m[1]}`],
  [/\bnext\s+week\s*,?\s+on\s+(?=(?:mon|tue|wed|thu|fri|sat|sun)\p{L}*\b)/giu, () => "next "],
  [/\b(?:tomm?orr?ow|tomorow|tmrw|tmr)\b/giu, () => "tomorrow"],
  [/(?<!\bthe\s+)\bday\s+after\s+tomorrow\b/giu, () => "the day after tomorrow"],
  [/\bnew\s+year'?s\s+eve\b/giu, () => "December 31"],
  // "15h00" (French and military writing).
  [/\b(\d{1,2})h(\d{2})\b/giu, (m) => `${m[1]}:${m[2]}`],
  // "quarter past 3", "20 to 9", "ten past 7", "half past 10".
  [
    new RegExp(
      `(?<!\\b(?:from|between)\\s+)\\b(\\d{1,2}|${words(MINUTES_WORDS)})(?:\\s+minutes?)?\\s+(past|after|to|till|before)\\s+(\\d{1,2}(?![\\p{N}:])|(?:${words(EN_HOURS)})\\b)`,
      "giu",
    ),
    (m) => {
      const minutes = minutesOf(m[1] ?? "");
      const h = hourOf(m[3] ?? "", EN_HOURS);
      // Digits count only in fives ("20 to 9"); "1 to 3" is a range, not 2:59.
      if (minutes === undefined || h === undefined || minutes < 1 || minutes > 59 || minutes % 5 !== 0)
        return undefined;
      const forward = /^(?:past|after)$/i.test(m[2] ?? "");
      if (!forward && minutes > 30) return undefined;
      return forward ? `${h}:${pad(minutes)}` : before(h, minutes);
    },
  ],
  // British "at half 7" (7:30); "half 2 cups" stays.
  [
    new RegExp(
      `\\b(at|by)\\s+half\\s+(\\d{1,2}|${words(EN_HOURS)})\\b(?!\\s*(?:an?\\b|hours?|past|days?|weeks?))`,
      "giu",
    ),
    (m) => {
      const h = hourOf(m[2] ?? "", EN_HOURS);
      return h === undefined ? undefined : `${m[1]} ${h}:30`;
    },
  ],
  // "8 this evening", "7 tonight": an hour before a part of today.
  [
    /(?<!\b(?:at|in|by)\s+)(?<![\d:.])\b(\d{1,2})(?=\s+(?:this\s+(?:evening|afternoon|morning)|tonight)\b)/giu,
    (m) => `at ${m[1]}`,
  ],
  // Hours in words: "at eight pm", "tomorrow at ten", "at two in the afternoon".
  [
    new RegExp(`\\b(at|by)\\s+(${words(EN_HOURS)})\\b${EN_TIME_AFTER}`, "giu"),
    (m) => `${m[1]} ${EN_HOURS[(m[2] ?? "").toLowerCase()] ?? m[2]}`,
  ],
  // "a week from today", "3 days from tomorrow", "3 days hence", "in a fortnight".
  [
    /\b(a|one|two|three|\d{1,3})\s+(days?|weeks?)\s+(?:from\s+(today|now|tomorrow)|hence)\b/giu,
    (m) => {
      const n = /^\d+$/.test(m[1] ?? "") ? Number(m[1]) : (EN_HOURS[(m[1] ?? "").toLowerCase()] ?? 1);
      const days = n * (/^w/i.test(m[2] ?? "") ? 7 : 1) + (/^tomorrow$/i.test(m[3] ?? "") ? 1 : 0);
      return `in ${days} days`;
    },
  ],
  [/\bin\s+a\s+fortnight\b/giu, () => "in 14 days"],
  // "the 20th", "on the 3rd", "the 20th of next month": the next such day of a month; only after
  // "on" or a weekday, or before a time or the end ("the 2nd floor" stays).
  [
    new RegExp(
      `\\b(on\\s+)?the\\s+(\\d{1,2})(?:st|nd|rd|th)\\b(?:\\s+of\\s+(next|this|the\\s+next)\\s+month\\b)?(?!\\s+(?:of\\s+)?(?:${EN_MONTH}))`,
      "giu",
    ),
    (m, today) => {
      const after = m.input.slice(m.index + m[0].length);
      const weekday = AFTER_WEEKDAY.exec(m.input.slice(Math.max(0, m.index - 12), m.index))?.[1];
      const fits =
        m[1] !== undefined ||
        m[3] !== undefined ||
        weekday !== undefined ||
        /^\s*(?:$|[,.!?;]|at\b|by\b|in\s+the\b|\d)/i.test(after);
      if (!fits) return undefined;
      let d = nextMonthDay(today, Number(m[2]), m[3] === undefined ? 0 : /next/i.test(m[3]) ? 1 : 0);
      // "Tuesday the 19th": the 19th that is a Tuesday, this month or next; none: left for a question.
      const wd = weekday === undefined ? undefined : weekdayNumber(weekday);
      if (d !== undefined && wd !== undefined && weekdayOf(d) !== wd) {
        const later = nextMonthDay({ ...d, day: 1 }, d.day, 1);
        d = later !== undefined && weekdayOf(later) === wd ? later : undefined;
      }
      return d === undefined ? undefined : `${m[1] ?? ""}${EN_MONTHS[d.month - 1]} ${d.day} ${d.year}`;
    },
  ],
];

const AFTER_WEEKDAY = new RegExp(`\\b(${EN_DAY}),?\\s+$`, "i");
const CYRILLIC = /\p{Script=Cyrillic}/u;
const LATIN = /[a-z]/i;

/** The text with the rewrites above; `today` is the user's date (for "the 20th", "20-го"). */
export function normalize(text: string, today: LocalDate): Normalized {
  let n: Normalized = { text, lo: undefined, hi: undefined };
  if (CYRILLIC.test(text)) {
    // "четвёртое" -> "четвертое": same length, so no map is needed.
    if (text.includes("ё") || text.includes("Ё"))
      n = { text: text.replace(/ё/g, "е").replace(/Ё/g, "Е"), lo: undefined, hi: undefined };
    for (const rule of RU_RULES) n = apply(n, rule, today);
  }
  if (LATIN.test(text)) for (const rule of EN_RULES) n = apply(n, rule, today);
  return n;
}
