/** Vocabulary shared by the grammars: numbers, weekdays, months, word boundaries that work for Cyrillic. */

/** Start/end of a word (`\b` does not know Cyrillic); use with the `u` flag. */
export const WB = "(?<![\\p{L}\\p{N}_])";
export const WE = "(?![\\p{L}\\p{N}_])";

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  один: 1,
  одну: 1,
  одного: 1,
  a: 1,
  an: 1,
  one: 1,
  два: 2,
  две: 2,
  пару: 2,
  two: 2,
  couple: 2,
  три: 3,
  three: 3,
  четыре: 4,
  four: 4,
  пять: 5,
  five: 5,
  шесть: 6,
  six: 6,
  семь: 7,
  seven: 7,
  восемь: 8,
  eight: 8,
  девять: 9,
  nine: 9,
  десять: 10,
  ten: 10,
  пятнадцать: 15,
  fifteen: 15,
  двадцать: 20,
  twenty: 20,
  тридцать: 30,
  thirty: 30,
  сорок: 40,
  forty: 40,
  пятьдесят: 50,
  fifty: 50,
};

/** Digits (optionally with a decimal part) or one of the number words above. */
export const NUM = `(?:\\d{1,12}(?:[.,]\\d{1,2})?|${Object.keys(NUMBER_WORDS)
  .sort((a, b) => b.length - a.length)
  .join("|")})`;

export function numberValue(token: string): number {
  const t = token.toLowerCase();
  const word = NUMBER_WORDS[t];
  return word ?? Number(t.replace(",", "."));
}

/** Duration units in minutes (seconds as a fraction). Longer spellings first so alternation picks them. */
const UNIT_TABLE: ReadonlyArray<[string, number]> = [
  ["секунд[уы]?|сек\\.?|seconds?|secs?|s", 1 / 60],
  ["минут[уы]?|мин\\.?|minutes?|mins?|m", 1],
  ["час(?:а|ов)?|ч\\.?|hours?|hrs?|hr|h", 60],
];
export const UNIT = `(?:${UNIT_TABLE.map(([re]) => re).join("|")})`;

export function unitMinutes(token: string): number {
  const t = token.toLowerCase();
  for (const [re, minutes] of UNIT_TABLE) if (new RegExp(`^(?:${re})$`, "u").test(t)) return minutes;
  return NaN;
}

/** Weekday spellings: Russian (all cases used with "каждый/по/и"), English (with plurals), short forms. */
export const RU_DAY =
  "(?:понедельник(?:ам|а|и)?|вторник(?:ам|а|и)?|сред(?:ам|а|у|ы)|четверг(?:ам|а|и)?|пятниц(?:ам|а|у|ы)|суббот(?:ам|а|у|ы)|воскресень(?:ям|е|я)|пн|вт|ср|чт|пт|сб|вс)";
export const RU_DAY_PLURAL = "(?:понедельникам|вторникам|средам|четвергам|пятницам|субботам|воскресеньям)";
export const EN_DAY =
  "(?:mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)";
export const EN_DAY_PLURAL = "(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)";

const DAY_PREFIXES: ReadonlyArray<[RegExp, number]> = [
  [/^(пон|пн|mon)/, 1],
  [/^(вт|tue)/, 2],
  [/^(ср|wed)/, 3],
  [/^(чет|чт|thu)/, 4],
  [/^(пят|пт|fri)/, 5],
  [/^(суб|сб|sat)/, 6],
  [/^(вос|вс|sun)/, 7],
];

/** ISO weekday of a spelling matched by RU_DAY / EN_DAY. */
export function weekdayNumber(token: string): number | undefined {
  const t = token.toLowerCase();
  return DAY_PREFIXES.find(([re]) => re.test(t))?.[1];
}

/** Month names (Russian genitive stems, English full and short) for "каждое 25 декабря" / "every December 25". */
export const RU_MONTH = "(?:январ|феврал|март|апрел|ма[яй]|июн|июл|август|сентябр|октябр|ноябр|декабр)\\p{L}*";
export const EN_MONTH = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\\p{L}*";
export const EN_MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;
export const RU_MONTHS_GENITIVE = [
  "января",
  "февраля",
  "марта",
  "апреля",
  "мая",
  "июня",
  "июля",
  "августа",
  "сентября",
  "октября",
  "ноября",
  "декабря",
] as const;

/** Russian plural form: 1 час, 2 часа, 5 часов. */
export function ruPlural(n: number, one: string, few: string, many: string): string {
  const n10 = n % 10;
  const n100 = n % 100;
  if (n10 === 1 && n100 !== 11) return one;
  if (n10 >= 2 && n10 <= 4 && (n100 < 12 || n100 > 14)) return few;
  return many;
}
