/**
 * Short human strings for the bot's confirmations: when a reminder is due ("завтра, 9:00
 * (пт, 27 ноября)", "Fri, 28 Nov, 18:30") and how it repeats ("по будням в 8:30",
 * "every Tuesday and Thursday at 19:00"). 24-hour clock in both languages.
 */
import type { Lang, Recurrence, TimeOfDay } from "./types.js";
import type { LocalDate } from "./local-time.js";
import { addDays, compareDates, toLocal } from "./local-time.js";
import { EN_MONTHS, RU_MONTHS_GENITIVE, ruPlural } from "./words.js";

const RU_WEEKDAYS_SHORT = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"] as const;
const EN_WEEKDAYS_SHORT = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
const EN_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;
const EN_MONTHS_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;
/** "каждый понедельник", "каждую среду", "каждое воскресенье" (accusative with its gender). */
const RU_EVERY_DAY = [
  "каждый понедельник",
  "каждый вторник",
  "каждую среду",
  "каждый четверг",
  "каждую пятницу",
  "каждую субботу",
  "каждое воскресенье",
] as const;
/** "по понедельникам, средам и пятницам" (dative plural). */
const RU_DAYS_DATIVE = [
  "понедельникам",
  "вторникам",
  "средам",
  "четвергам",
  "пятницам",
  "субботам",
  "воскресеньям",
] as const;

export function formatTime(t: TimeOfDay): string {
  return `${t.hour}:${String(t.minute).padStart(2, "0")}`;
}

/** "сегодня, 21:00" / "завтра, 9:00 (пт, 27 ноября)" / "пт, 4 декабря, 18:30" / "пт, 25 декабря 2027, 10:00". */
export function formatDue(due: Date, zone: string, lang: Lang, now: Date): string {
  const d = toLocal(due, zone);
  const n = toLocal(now, zone);
  const date: LocalDate = { year: d.year, month: d.month, day: d.day };
  const today: LocalDate = { year: n.year, month: n.month, day: n.day };
  const time = formatTime(d);
  const wd = d.weekday - 1;
  const withYear = d.year !== n.year;
  const dayMonth =
    lang === "ru"
      ? `${d.day} ${RU_MONTHS_GENITIVE[d.month - 1]}${withYear ? ` ${d.year}` : ""}`
      : `${d.day} ${EN_MONTHS_SHORT[d.month - 1]}${withYear ? ` ${d.year}` : ""}`;
  const weekdayDate = `${(lang === "ru" ? RU_WEEKDAYS_SHORT : EN_WEEKDAYS_SHORT)[wd]}, ${dayMonth}`;
  if (compareDates(date, today) === 0) return `${lang === "ru" ? "сегодня" : "today"}, ${time}`;
  if (compareDates(date, addDays(today, 1)) === 0)
    return `${lang === "ru" ? "завтра" : "tomorrow"}, ${time} (${weekdayDate})`;
  if (compareDates(date, addDays(today, 2)) === 0 && lang === "ru") return `послезавтра, ${time} (${weekdayDate})`;
  return `${weekdayDate}, ${time}`;
}

export function describeRecurrence(rule: Recurrence, lang: Lang): string {
  return lang === "ru" ? describeRu(rule) : describeEn(rule);
}

function sameDays(a: number[], b: number[]): boolean {
  const s = [...new Set(a)].sort((x, y) => x - y);
  return s.length === b.length && s.every((v, i) => v === b[i]);
}

function joinList(items: string[], and: string): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} ${and} ${items[items.length - 1]}`;
}

/** "в первый понедельник", "в первую пятницу", "в последнее воскресенье": the ordinal agrees with the day. */
function ruNth(nth: number, weekday: number): string {
  const day = ["понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье"][weekday - 1] ?? "";
  // [masculine, feminine, neuter] of each ordinal, in the accusative.
  const forms: Readonly<Record<number, readonly [string, string, string]>> = {
    1: ["первый", "первую", "первое"],
    2: ["второй", "вторую", "второе"],
    3: ["третий", "третью", "третье"],
    4: ["четвёртый", "четвёртую", "четвёртое"],
    [-1]: ["последний", "последнюю", "последнее"],
  };
  const gender = weekday === 7 ? 2 : weekday === 3 || weekday === 5 || weekday === 6 ? 1 : 0;
  return `${nth === 2 ? "во" : "в"} ${forms[nth]?.[gender] ?? ""} ${day}`;
}

const RU_DAYS_ACC = ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"] as const;

function describeRu(rule: Recurrence): string {
  switch (rule.kind) {
    case "interval":
      return intervalRu(rule.minutes);
    case "daily":
      return `каждый день в ${formatTime(rule.time)}`;
    case "weekly": {
      const at = `в ${formatTime(rule.time)}`;
      if (sameDays(rule.weekdays, [1, 2, 3, 4, 5])) return `по будням ${at}`;
      if (sameDays(rule.weekdays, [6, 7])) return `по выходным ${at}`;
      if (sameDays(rule.weekdays, [1, 2, 3, 4, 5, 6, 7])) return `каждый день ${at}`;
      const days = [...new Set(rule.weekdays)].sort((a, b) => a - b).filter((d) => d >= 1 && d <= 7);
      const n = rule.everyWeeks ?? 1;
      if (n > 1)
        return `раз в ${n === 2 ? "две недели" : `${n} ${ruPlural(n, "неделю", "недели", "недель")}`}: ${joinList(
          days.map((d) => RU_DAYS_ACC[d - 1] ?? ""),
          "и",
        )} ${at}`;
      if (days.length === 1) return `${RU_EVERY_DAY[(days[0] ?? 1) - 1]} ${at}`;
      return `по ${joinList(
        days.map((d) => RU_DAYS_DATIVE[d - 1] ?? ""),
        "и",
      )} ${at}`;
    }
    case "monthly":
      return rule.day === 31
        ? `в последний день каждого месяца в ${formatTime(rule.time)}`
        : `каждый месяц ${rule.day}-го числа в ${formatTime(rule.time)}`;
    case "monthly-weekday":
      return `${ruNth(rule.nth, rule.weekday)} каждого месяца в ${formatTime(rule.time)}`;
    case "yearly":
      return `каждый год ${rule.day} ${RU_MONTHS_GENITIVE[rule.month - 1] ?? ""} в ${formatTime(rule.time)}`;
  }
}

function intervalRu(minutes: number): string {
  if (minutes % 1440 === 0) {
    const n = minutes / 1440;
    return n === 1 ? "каждые сутки" : `каждые ${n} ${ruPlural(n, "сутки", "суток", "суток")}`;
  }
  if (minutes % 60 === 0) {
    const n = minutes / 60;
    return n === 1 ? "каждый час" : `каждые ${n} ${ruPlural(n, "час", "часа", "часов")}`;
  }
  return minutes === 1 ? "каждую минуту" : `каждые ${minutes} ${ruPlural(minutes, "минуту", "минуты", "минут")}`;
}

function ordinal(n: number): string {
  const t = n % 100;
  if (t >= 11 && t <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}

function describeEn(rule: Recurrence): string {
  switch (rule.kind) {
    case "interval": {
      const m = rule.minutes;
      if (m % 1440 === 0) return m === 1440 ? "every day" : `every ${m / 1440} days`;
      if (m % 60 === 0) return m === 60 ? "every hour" : `every ${m / 60} hours`;
      return m === 1 ? "every minute" : `every ${m} minutes`;
    }
    case "daily":
      return `every day at ${formatTime(rule.time)}`;
    case "weekly": {
      const at = `at ${formatTime(rule.time)}`;
      if (sameDays(rule.weekdays, [1, 2, 3, 4, 5])) return `every weekday ${at}`;
      if (sameDays(rule.weekdays, [6, 7])) return `every weekend ${at}`;
      if (sameDays(rule.weekdays, [1, 2, 3, 4, 5, 6, 7])) return `every day ${at}`;
      const days = [...new Set(rule.weekdays)].sort((a, b) => a - b).filter((d) => d >= 1 && d <= 7);
      const n = rule.everyWeeks ?? 1;
      const every = n === 2 ? "every other" : n > 2 ? `every ${n} weeks on` : "every";
      return `${every} ${joinList(
        days.map((d) => EN_WEEKDAYS[d - 1] ?? ""),
        "and",
      )} ${at}`;
    }
    case "monthly":
      return rule.day === 31
        ? `on the last day of every month at ${formatTime(rule.time)}`
        : `every month on the ${ordinal(rule.day)} at ${formatTime(rule.time)}`;
    case "monthly-weekday":
      return `on the ${rule.nth === -1 ? "last" : (["", "first", "second", "third", "fourth"][rule.nth] ?? "")} ${EN_WEEKDAYS[rule.weekday - 1] ?? ""} of every month at ${formatTime(rule.time)}`;
    case "yearly":
      return `every year on ${rule.day} ${EN_MONTHS[rule.month - 1] ?? ""} at ${formatTime(rule.time)}`;
  }
}
