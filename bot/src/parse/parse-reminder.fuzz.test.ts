import { expect } from "chai";
import type { ParseResult, Recurrence } from "./types.js";
import { parseReminder } from "./parse-reminder.js";
import { isRealDate } from "./local-time.js";

/** mulberry32: a small seeded PRNG, so a failure is reproducible from the seed and the index. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 20261126;
const COUNT = 2000;
const TEN_YEARS_MS = 3653 * 86_400_000;
const ZONES = ["Europe/Moscow", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Asia/Kolkata"];
const WORDS = [
  "завтра",
  "сегодня",
  "послезавтра",
  "в",
  "через",
  "каждый",
  "каждые",
  "каждую",
  "день",
  "часа",
  "минут",
  "по",
  "будням",
  "выходным",
  "понедельник",
  "среду",
  "пятницу",
  "числа",
  "утра",
  "вечера",
  "ночи",
  "дня",
  "tomorrow",
  "at",
  "in",
  "every",
  "minutes",
  "hours",
  "on",
  "Friday",
  "Monday",
  "and",
  "am",
  "pm",
  "noon",
  "декабря",
  "февраля",
  "December",
  "31",
  "29",
  "0",
  "7",
  "9",
  "12",
  "13",
  "24",
  "25",
  "99",
  "18:30",
  "00:00",
  "23:59",
  "24:00",
  "9:75",
  "срочно",
  "urgent",
  "!",
  "/remind",
  "напомни",
  "remind me to",
  "позвонить",
  "маме",
];
const HOSTILE = [
  "через 99999999 часов",
  "через 99999999999999999999 минут",
  "каждые 0 минут",
  "every 0.001 hours",
  "31 февраля в 10",
  "30 February at 9am",
  "29 февраля 2027 в 9",
  "в 25:00",
  "at 99pm",
  "каждое 32 число в 10",
  "every month on the 0th at 12",
  "вчера в 9",
  "25 декабря 1999 в 10",
  "25 декабря 99999 в 10",
  "<b>завтра</b> в <i>9</i>",
  "**через 2 часа** _выпить_ `воды`",
  "[ссылка](http://x) завтра в 9",
  "<script>alert(1)</script> tomorrow at 9",
  "\u0000\u0001\u0002завтра\u0007в 9\u001b[31m",
  "\u202eзавтра в 9\u202c",
  "🔥🔥 завтра в 9 🎉",
  "明天上午9点 打电话",
  "غدا في الساعة 9",
  "מחר ב-9",
  "कल 9 बजे",
  "0123456789".repeat(50),
  "-".repeat(5000),
  "в".repeat(3000),
  " ".repeat(10000),
  "\n".repeat(1000) + "завтра в 9",
];
const SCRIPTS = [
  "abc",
  "абв",
  "中文字",
  "العربية",
  "עברית",
  "हिन्दी",
  "😀🎉🔥",
  "\u0000\u001f\u007f",
  "<>&\"'`*_[]()#",
  "0123456789",
];

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)] as T;
}

function randomChars(rnd: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const r = rnd();
    s += r < 0.7 ? pick(rnd, [...pick(rnd, SCRIPTS)]) : String.fromCharCode(Math.floor(rnd() * 0xffff));
  }
  return s;
}

function generate(rnd: () => number, i: number): string {
  if (i < HOSTILE.length) return HOSTILE[i] as string;
  const r = rnd();
  if (r < 0.35) return Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => pick(rnd, WORDS)).join(" ");
  if (r < 0.55) return randomChars(rnd, Math.floor(rnd() * 60));
  if (r < 0.7) return `${pick(rnd, WORDS)} ${randomChars(rnd, 10)} ${pick(rnd, WORDS)} ${pick(rnd, WORDS)}`;
  if (r < 0.8) return String(Math.floor(rnd() * 1e12)).repeat(1 + Math.floor(rnd() * 5));
  if (r < 0.9) return pick(rnd, HOSTILE) + randomChars(rnd, 5);
  // Very long: up to ~40k characters, with a real phrase at the start or the end.
  const long = randomChars(rnd, 2000 + Math.floor(rnd() * 38000));
  return rnd() < 0.5 ? `завтра в 9 ${long}` : `${long} tomorrow at 9`;
}

function checkRecurrence(rule: Recurrence | undefined): void {
  if (rule === undefined) return;
  if (rule.kind === "interval") {
    expect(Number.isInteger(rule.minutes) && rule.minutes >= 1).to.be.true;
    return;
  }
  expect(rule.time.hour).to.be.within(0, 23);
  expect(rule.time.minute).to.be.within(0, 59);
  if (rule.kind === "weekly") {
    expect(rule.weekdays.length).to.be.greaterThan(0);
    for (const d of rule.weekdays) expect(d).to.be.within(1, 7);
  }
  if (rule.kind === "monthly") expect(rule.day).to.be.within(1, 31);
  if (rule.kind === "yearly") {
    expect(rule.month).to.be.within(1, 12);
    expect(rule.day).to.be.within(1, 31);
  }
}

function checkWellFormed(r: ParseResult, now: Date): void {
  expect(["ok", "needs-time", "ambiguous", "past", "no-time"]).to.include(r.kind);
  expect(r.text).to.be.a("string");
  // eslint-disable-next-line no-control-regex
  expect(/[\u0000-\u0009\u000B-\u001F\u007F]/.test(r.text), "control characters in text").to.be.false;
  const inWindow = (d: Date) => Number.isFinite(d.getTime()) && d.getTime() - now.getTime() <= TEN_YEARS_MS;
  switch (r.kind) {
    case "ok":
      expect(inWindow(r.due) && r.due.getTime() > now.getTime(), r.due.toISOString()).to.be.true;
      expect(r.urgent).to.be.a("boolean");
      checkRecurrence(r.recurrence);
      break;
    case "past":
      expect(Number.isFinite(r.due.getTime()) && r.due.getTime() <= now.getTime()).to.be.true;
      break;
    case "ambiguous":
      // Morning-or-evening offers two; a doubt ("words left that look like time") offers the one reading.
      expect(r.options).to.have.length(r.doubt === undefined ? 2 : 1);
      for (const d of r.options) expect(inWindow(d) && d.getTime() > now.getTime()).to.be.true;
      checkRecurrence(r.recurrence);
      break;
    case "needs-time":
      expect(isRealDate(r.date)).to.be.true;
      checkRecurrence(r.recurrence);
      break;
    case "no-time":
      break;
  }
}

describe("parseReminder: 2,000 random and hostile strings", () => {
  it("never throws and always returns a well-formed result", () => {
    const rnd = prng(SEED);
    const kinds: Record<string, number> = {};
    for (let i = 0; i < COUNT; i++) {
      const input = generate(rnd, i);
      const zone = pick(rnd, ZONES);
      const now = new Date(Date.UTC(2026, 0, 1) + Math.floor(rnd() * 365 * 86_400_000));
      const lang = rnd() < 0.5 ? "ru" : "en";
      let r: ParseResult;
      try {
        r = parseReminder(input, { now, zone, lang });
        checkWellFormed(r, now);
      } catch (e) {
        throw new Error(`case ${i} (seed ${SEED}) ${JSON.stringify(input.slice(0, 80))} in ${zone}: ${String(e)}`);
      }
      kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
    }
    // The generator must exercise more than the no-time path for this test to mean anything.
    expect(kinds["ok"] ?? 0).to.be.greaterThan(100);
    expect(kinds["no-time"] ?? 0).to.be.greaterThan(100);
  });

  it("refuses the impossible and the absurd with a reason", () => {
    const ctx = { now: new Date("2026-11-26T08:00:00Z"), zone: "Europe/Moscow", lang: "ru" as const };
    expect(parseReminder("через 99999999 часов x", ctx)).to.deep.include({ kind: "no-time", reason: "out-of-range" });
    expect(parseReminder("31 февраля в 10", ctx)).to.deep.include({ kind: "no-time", reason: "invalid-date" });
    expect(parseReminder("every 0.001 hours", ctx).kind).to.not.equal("ok");
    expect(parseReminder(undefined as unknown as string, ctx)).to.deep.equal({ kind: "no-time", text: "" });
  });

  it("keeps HTML and Markdown as text, never as part of the time", () => {
    const ctx = { now: new Date("2026-11-26T08:00:00Z"), zone: "Europe/Moscow", lang: "ru" as const };
    const r = parseReminder("<script>alert(1)</script> завтра в 9", ctx);
    expect(r.kind).to.equal("ok");
    expect(r.text).to.equal("<script>alert(1)</script>");
  });
});
