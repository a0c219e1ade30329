/**
 * Words left in a reminder's text that still look like a time ("завтро", "по Москве", "до пятницы",
 * "every other", "18-го"), so that the bot asks instead of scheduling a reading that ignored them.
 * Deliberately wide: a needless question costs a tap, a silently wrong time costs the reminder.
 */
import { EN_DAY, EN_MONTH, RU_DAY, RU_MONTH, WB, WE } from "./words.js";

const SIGNS = [
  // Digits that are clock times, dates or ordinals: "9:30", "15.03", "12/05", "18-го", "3rd", "21".
  String.raw`\d{1,2}[:.\/-]\d{1,2}`,
  String.raw`\d{1,2}\s*-?(?:го|е|ое|ого|его|й|ого|st|nd|rd|th)`,
  String.raw`(?:в|во|at|on|by|до|к|по|until|till|and|и|или|or|to|past|без)\s+\d{1,2}`,
  String.raw`\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.|ч|час\p{L}*|мин\p{L}*|утра|вечера|дня|ночи|o'?clock|oclock|h\d\d|раз)`,
  // Days, months, parts of the day, relative words and their usual misspellings.
  RU_DAY,
  EN_DAY,
  RU_MONTH,
  EN_MONTH,
  String.raw`(?:за|зв)[ав]тр\p{L}*|после\s*завтра|сегодн\p{L}*|вчера|t[o]?m+[o]?r+[o]?w+|tmrw?|tonight|today|yesterday`,
  String.raw`утр(?:ом|а)|вечер(?:ом|а)?|ноч(?:ью|и)|дн(?:ём|ем)|полдень|полночь|morning|evening|night|afternoon|noon|midnight`,
  String.raw`назад|прошл\p{L}*|ago|last|next|следующ\p{L}*`,
  // Repetition and its end, which the grammar did not take: "every other", "до пятницы", "for 2 weeks".
  String.raw`кажд\p{L}*|ежедневно|every|each|other|biweekly|раз\s+в|до|until|till|for\s+\d+|for\s+(?:a|one|two|three)\b|в\s+течени\p{L}+|числа|месяц\p{L}*|недел\p{L}*|month|week|fortnight|year|год\p{L}*`,
  // Zones: "мск", "по Москве", "UTC", "PST", "Moscow time".
  String.raw`мск|екб|utc|gmt|cet|cest|bst|est|edt|cst|cdt|mst|mdt|pst|pdt|et|pt|msk|по\s+\p{Lu}\p{L}+|по\s+(?:москв|киев|лондон|новосибирск|екатеринбург|московск)\p{L}*|\p{L}+\s+time|pacific|eastern|central`,
  String.raw`четверт\p{L}*|половин\p{L}*|пол\s*\p{L}+ого|quarter|half`,
  // Ordinal words and leftovers of a phrase read in part: "четвёртое", "после", "day after", "eve".
  String.raw`перв\p{L}*|втор(?:ое|ого|ую|ой)|треть\p{L}*|четвёрт\p{L}*|пят(?:ое|ого)|first|second|third|fourth|fifth|после|after|eve`,
];
const DOUBT = new RegExp(`${WB}(?:${SIGNS.join("|")})${WE}`, "iu");

/** The first fragment of `text` that looks like part of a time, or undefined. */
export function timeLikeLeft(text: string): string | undefined {
  return DOUBT.exec(text)?.[0];
}

// An end or a second time of a repetition, which rules cannot hold yet: "до пятницы", "5 раз",
// "for 2 weeks", "в течение недели", "в 9 и в 21", "at 9am and 9pm".
const REPEAT_EXTRA = new RegExp(
  `${WB}(?:до|until|till|for\\s+(?:\\d+|a|an|one|two|three)|в\\s+течени\\p{L}+|\\d+\\s*(?:раз\\p{L}*|times))${WE}` +
    `|(?:\\d|am|pm)\\s*(?:,|и|and|&)\\s*(?:в\\s+|at\\s+)?\\d` +
    `|${WB}(?:last|последн\\p{L}*|first|перв\\p{L}*|other|втор(?:ую|ой|ая)|biweekly)${WE}`,
  "iu",
);

/** The part of a repetition's message that the rule would silently drop, or undefined. */
export function repeatExtra(text: string): string | undefined {
  return REPEAT_EXTRA.exec(text)?.[0];
}

// Vague amounts and clock phrases chrono reads its own way: "несколько минут" (3), "20 to 9" (20:00).
const VAGUE = new RegExp(
  `${WB}(?:несколько|пар[ауы]|few|several|(?:\\d{1,2}|quarter|half|ten|twenty|five)\\s+(?:to|past|till)\\s+\\d{1,2})${WE}` +
    `|^\\s*(?:(?:in|on|at|the|a|по|в|во|на|с)\\s*)+$`,
  "iu",
);

/** A vague part of the whole message, or a leftover made only of prepositions ("in the"). */
export function vague(scan: string, leftover: string): string | undefined {
  return (
    VAGUE.exec(leftover)?.[0] ?? VAGUE.exec(scan.replace(/^\s*(?:(?:in|on|at|the|a|по|в|во|на|с)\s*)+$/iu, ""))?.[0]
  );
}
