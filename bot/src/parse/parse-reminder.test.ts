import { expect } from "chai";
import type { Lang, ParseResult, Recurrence } from "./types.js";
import { completeWithTime, parseReminder, parseTimeOfDay } from "./parse-reminder.js";

interface Expect {
  kind: ParseResult["kind"];
  due?: string;
  options?: string[];
  text?: string;
  recurrence?: Recurrence;
  urgent?: boolean;
  date?: string;
  reason?: string;
}
type Row = [zone: string, now: string, lang: Lang, input: string, expected: Expect];

// Thursday 26 November 2026, 08:00 UTC: 11:00 in Moscow, 09:00 in Berlin, 03:00 in New York,
// 17:00 in Tokyo, 13:30 in Kolkata.
const NOW = "2026-11-26T08:00:00.000Z";
const MSK = "Europe/Moscow";
const NY = "America/New_York";
const TOKYO = "Asia/Tokyo";
const KOLKATA = "Asia/Kolkata";
const BERLIN = "Europe/Berlin";
const t = (h: number, m = 0) => ({ hour: h, minute: m });

const ROWS: Row[] = [
  // Moscow, Russian, one-shot
  [
    MSK,
    NOW,
    "ru",
    "завтра в 9 позвонить маме",
    { kind: "ok", due: "2026-11-27T06:00:00.000Z", text: "позвонить маме", urgent: false },
  ],
  [MSK, NOW, "ru", "через 2 часа выпить воды", { kind: "ok", due: "2026-11-26T10:00:00.000Z", text: "выпить воды" }],
  [MSK, NOW, "ru", "через 15 минут", { kind: "ok", due: "2026-11-26T08:15:00.000Z", text: "" }],
  [
    MSK,
    NOW,
    "ru",
    "в пятницу в 18:30 забрать посылку",
    { kind: "ok", due: "2026-11-27T15:30:00.000Z", text: "забрать посылку" },
  ],
  [MSK, NOW, "ru", "25 декабря в 10 утра", { kind: "ok", due: "2026-12-25T07:00:00.000Z", text: "" }],
  [
    MSK,
    NOW,
    "ru",
    "сегодня в 21:00 погулять с собакой",
    { kind: "ok", due: "2026-11-26T18:00:00.000Z", text: "погулять с собакой" },
  ],
  [MSK, NOW, "ru", "послезавтра в 7 вечера кино", { kind: "ok", due: "2026-11-28T16:00:00.000Z", text: "кино" }],
  [MSK, NOW, "ru", "завтра позвонить маме", { kind: "needs-time", date: "2026-11-27", text: "позвонить маме" }],
  [MSK, NOW, "ru", "в 7 встать", { kind: "ok", due: "2026-11-26T16:00:00.000Z", text: "встать" }],
  [MSK, NOW, "ru", "в 9 сериал", { kind: "ok", due: "2026-11-26T18:00:00.000Z", text: "сериал" }],
  [MSK, NOW, "ru", "в 12 ночи спать", { kind: "ok", due: "2026-11-26T21:00:00.000Z", text: "спать" }],
  [
    MSK,
    NOW,
    "ru",
    "в 2 ночи проверить сервер",
    { kind: "ok", due: "2026-11-26T23:00:00.000Z", text: "проверить сервер" },
  ],
  [MSK, NOW, "ru", "вчера в 9 x", { kind: "past", due: "2026-11-25T06:00:00.000Z", text: "x" }],
  [MSK, NOW, "ru", "25 декабря 2020 в 10 x", { kind: "past", due: "2020-12-25T07:00:00.000Z", text: "x" }],
  [MSK, NOW, "ru", "сегодня в 7:00 x", { kind: "past", due: "2026-11-26T04:00:00.000Z" }],
  [MSK, NOW, "ru", "26 ноября в 9:00 x", { kind: "past", due: "2026-11-26T06:00:00.000Z" }],
  [MSK, NOW, "ru", "31 февраля в 10 x", { kind: "no-time", reason: "invalid-date" }],
  [MSK, NOW, "ru", "через 99999999 часов x", { kind: "no-time", reason: "out-of-range", text: "x" }],
  [
    MSK,
    NOW,
    "ru",
    "/remind срочно завтра в 3 дня отчёт",
    { kind: "ok", due: "2026-11-27T12:00:00.000Z", text: "отчёт", urgent: true },
  ],
  [
    MSK,
    NOW,
    "ru",
    "напомни мне завтра в 9 что надо позвонить",
    { kind: "ok", due: "2026-11-27T06:00:00.000Z", text: "надо позвонить" },
  ],
  [MSK, NOW, "ru", "в среду в 10 x", { kind: "ok", due: "2026-12-02T07:00:00.000Z" }],
  [MSK, NOW, "ru", "в четверг в 10 планёрка", { kind: "ok", due: "2026-12-03T07:00:00.000Z", text: "планёрка" }],
  [MSK, NOW, "ru", "через 2 дня в 10 отчёт", { kind: "ok", due: "2026-11-28T07:00:00.000Z", text: "отчёт" }],
  [MSK, NOW, "ru", "через 3 дня отчёт", { kind: "needs-time", date: "2026-11-29", text: "отчёт" }],
  [
    MSK,
    NOW,
    "ru",
    "завтра в 3 x",
    { kind: "ambiguous", options: ["2026-11-27T00:00:00.000Z", "2026-11-27T12:00:00.000Z"] },
  ],
  [MSK, NOW, "ru", "в 18:00 тренировка", { kind: "ok", due: "2026-11-26T15:00:00.000Z", text: "тренировка" }],
  [MSK, NOW, "ru", "в 10:30 x", { kind: "ok", due: "2026-11-27T07:30:00.000Z" }],
  [MSK, NOW, "ru", "через полчаса чай", { kind: "ok", due: "2026-11-26T08:30:00.000Z", text: "чай" }],
  [MSK, NOW, "ru", "через 1 час 30 минут x", { kind: "ok", due: "2026-11-26T09:30:00.000Z", text: "x" }],
  [
    MSK,
    NOW,
    "ru",
    "! позвонить в 18:00",
    { kind: "ok", due: "2026-11-26T15:00:00.000Z", text: "позвонить", urgent: true },
  ],
  [
    MSK,
    NOW,
    "ru",
    "позвонить маме завтра в 9.",
    { kind: "ok", due: "2026-11-27T06:00:00.000Z", text: "позвонить маме." },
  ],
  [MSK, NOW, "ru", "ничего тут нет", { kind: "no-time", text: "ничего тут нет" }],
  // Moscow, Russian, recurring
  [
    MSK,
    NOW,
    "ru",
    "каждый день в 9 зарядка",
    { kind: "ok", due: "2026-11-27T06:00:00.000Z", text: "зарядка", recurrence: { kind: "daily", time: t(9) } },
  ],
  [
    MSK,
    NOW,
    "ru",
    "ежедневно в 8:00 таблетки",
    { kind: "ok", due: "2026-11-27T05:00:00.000Z", recurrence: { kind: "daily", time: t(8) } },
  ],
  [
    MSK,
    NOW,
    "ru",
    "по будням в 8:30 стендап",
    {
      kind: "ok",
      due: "2026-11-27T05:30:00.000Z",
      text: "стендап",
      recurrence: { kind: "weekly", weekdays: [1, 2, 3, 4, 5], time: t(8, 30) },
    },
  ],
  [
    MSK,
    NOW,
    "ru",
    "по выходным в 11 бег",
    { kind: "ok", due: "2026-11-28T08:00:00.000Z", recurrence: { kind: "weekly", weekdays: [6, 7], time: t(11) } },
  ],
  [
    MSK,
    NOW,
    "ru",
    "каждый понедельник в 10 планёрка",
    {
      kind: "ok",
      due: "2026-11-30T07:00:00.000Z",
      text: "планёрка",
      recurrence: { kind: "weekly", weekdays: [1], time: t(10) },
    },
  ],
  [
    MSK,
    NOW,
    "ru",
    "каждую среду и пятницу в 19:00 спортзал",
    {
      kind: "ok",
      due: "2026-11-27T16:00:00.000Z",
      text: "спортзал",
      recurrence: { kind: "weekly", weekdays: [3, 5], time: t(19) },
    },
  ],
  [
    MSK,
    NOW,
    "ru",
    "по понедельникам и средам в 9:15 английский",
    { kind: "ok", due: "2026-11-30T06:15:00.000Z", recurrence: { kind: "weekly", weekdays: [1, 3], time: t(9, 15) } },
  ],
  [
    MSK,
    NOW,
    "ru",
    "каждое 1 число в 12 оплатить интернет",
    {
      kind: "ok",
      due: "2026-12-01T09:00:00.000Z",
      text: "оплатить интернет",
      recurrence: { kind: "monthly", day: 1, time: t(12) },
    },
  ],
  [
    MSK,
    NOW,
    "ru",
    "каждый месяц 15 числа в 10 счета",
    {
      kind: "ok",
      due: "2026-12-15T07:00:00.000Z",
      text: "счета",
      recurrence: { kind: "monthly", day: 15, time: t(10) },
    },
  ],
  [
    MSK,
    NOW,
    "ru",
    "каждый год 25 декабря в 10 ёлка",
    {
      kind: "ok",
      due: "2026-12-25T07:00:00.000Z",
      text: "ёлка",
      recurrence: { kind: "yearly", month: 12, day: 25, time: t(10) },
    },
  ],
  [
    MSK,
    NOW,
    "ru",
    "каждые 2 часа пить воду",
    { kind: "ok", due: "2026-11-26T10:00:00.000Z", text: "пить воду", recurrence: { kind: "interval", minutes: 120 } },
  ],
  [
    MSK,
    NOW,
    "ru",
    "каждые 30 минут размяться",
    { kind: "ok", due: "2026-11-26T08:30:00.000Z", recurrence: { kind: "interval", minutes: 30 } },
  ],
  [
    MSK,
    NOW,
    "ru",
    "каждую среду в 5 x",
    {
      kind: "ambiguous",
      options: ["2026-12-02T02:00:00.000Z", "2026-12-02T14:00:00.000Z"],
      recurrence: { kind: "weekly", weekdays: [3], time: t(5) },
    },
  ],
  [
    MSK,
    NOW,
    "ru",
    "каждый день пить воду",
    { kind: "needs-time", date: "2026-11-26", text: "пить воду", recurrence: { kind: "daily", time: t(0) } },
  ],
  // New York, English
  [NY, NOW, "en", "in 20 minutes stand up", { kind: "ok", due: "2026-11-26T08:20:00.000Z", text: "stand up" }],
  [NY, NOW, "en", "tomorrow at 9am call mom", { kind: "ok", due: "2026-11-27T14:00:00.000Z", text: "call mom" }],
  [NY, NOW, "en", "at 18:30 gym", { kind: "ok", due: "2026-11-26T23:30:00.000Z", text: "gym" }],
  [NY, NOW, "en", "on Friday at 6pm call dad", { kind: "ok", due: "2026-11-27T23:00:00.000Z", text: "call dad" }],
  [NY, NOW, "en", "December 25 at 10am gifts", { kind: "ok", due: "2026-12-25T15:00:00.000Z", text: "gifts" }],
  [NY, NOW, "en", "next monday 9:00 report", { kind: "ok", due: "2026-11-30T14:00:00.000Z", text: "report" }],
  [
    NY,
    NOW,
    "en",
    "remind me to call mom tomorrow at 9",
    { kind: "ok", due: "2026-11-27T14:00:00.000Z", text: "call mom" },
  ],
  [
    NY,
    NOW,
    "en",
    "at 7 wake up",
    { kind: "ambiguous", options: ["2026-11-26T12:00:00.000Z", "2026-11-27T00:00:00.000Z"], text: "wake up" },
  ],
  [
    NY,
    NOW,
    "en",
    "urgent tomorrow at noon dentist",
    { kind: "ok", due: "2026-11-27T17:00:00.000Z", text: "dentist", urgent: true },
  ],
  [NY, NOW, "en", "tomorrow buy milk", { kind: "needs-time", date: "2026-11-27", text: "buy milk" }],
  [
    NY,
    NOW,
    "en",
    "every day at 9 meds",
    { kind: "ok", due: "2026-11-26T14:00:00.000Z", text: "meds", recurrence: { kind: "daily", time: t(9) } },
  ],
  [
    NY,
    NOW,
    "en",
    "every weekday at 8:30 standup",
    {
      kind: "ok",
      due: "2026-11-26T13:30:00.000Z",
      recurrence: { kind: "weekly", weekdays: [1, 2, 3, 4, 5], time: t(8, 30) },
    },
  ],
  [
    NY,
    NOW,
    "en",
    "every Monday 10:00 standup",
    {
      kind: "ok",
      due: "2026-11-30T15:00:00.000Z",
      text: "standup",
      recurrence: { kind: "weekly", weekdays: [1], time: t(10) },
    },
  ],
  [
    NY,
    NOW,
    "en",
    "every Tuesday and Thursday at 7pm yoga",
    {
      kind: "ok",
      due: "2026-11-27T00:00:00.000Z",
      text: "yoga",
      recurrence: { kind: "weekly", weekdays: [2, 4], time: t(19) },
    },
  ],
  [
    NY,
    NOW,
    "en",
    "every month on the 1st at 12 rent",
    { kind: "ok", due: "2026-12-01T17:00:00.000Z", text: "rent", recurrence: { kind: "monthly", day: 1, time: t(12) } },
  ],
  [
    NY,
    NOW,
    "en",
    "every 2 hours water",
    { kind: "ok", due: "2026-11-26T10:00:00.000Z", text: "water", recurrence: { kind: "interval", minutes: 120 } },
  ],
  [
    NY,
    NOW,
    "en",
    "every 15 minutes",
    { kind: "ok", due: "2026-11-26T08:15:00.000Z", text: "", recurrence: { kind: "interval", minutes: 15 } },
  ],
  // Tokyo and Kolkata (a half-hour offset)
  [TOKYO, NOW, "ru", "завтра в 9 позвонить маме", { kind: "ok", due: "2026-11-27T00:00:00.000Z" }],
  [TOKYO, NOW, "en", "tomorrow at 8:15 train", { kind: "ok", due: "2026-11-26T23:15:00.000Z", text: "train" }],
  [TOKYO, NOW, "en", "at 18:30 dinner", { kind: "ok", due: "2026-11-26T09:30:00.000Z" }],
  [TOKYO, NOW, "ru", "в 10 x", { kind: "ok", due: "2026-11-26T13:00:00.000Z" }], // 10:00 has passed, 22:00 has not
  [KOLKATA, NOW, "ru", "в 18:30 x", { kind: "ok", due: "2026-11-26T13:00:00.000Z" }],
  [
    KOLKATA,
    NOW,
    "en",
    "every day at 9 yoga",
    { kind: "ok", due: "2026-11-27T03:30:00.000Z", recurrence: { kind: "daily", time: t(9) } },
  ],
  [KOLKATA, NOW, "ru", "через 2 часа x", { kind: "ok", due: "2026-11-26T10:00:00.000Z" }],
  // Berlin: a bare hour with both readings ahead
  [
    BERLIN,
    NOW,
    "ru",
    "в 10 созвон",
    { kind: "ambiguous", options: ["2026-11-26T09:00:00.000Z", "2026-11-26T21:00:00.000Z"], text: "созвон" },
  ],
  // DST: Berlin springs forward on Sun 29 March 2026 (02:00 CET -> 03:00 CEST)
  [BERLIN, "2026-03-28T12:00:00.000Z", "ru", "завтра в 9 x", { kind: "ok", due: "2026-03-29T07:00:00.000Z" }],
  [BERLIN, "2026-03-28T12:00:00.000Z", "ru", "завтра в 2:30 x", { kind: "ok", due: "2026-03-29T01:00:00.000Z" }],
  [BERLIN, "2026-03-28T12:00:00.000Z", "ru", "через 24 часа x", { kind: "ok", due: "2026-03-29T12:00:00.000Z" }],
  [
    BERLIN,
    "2026-03-28T12:00:00.000Z",
    "en",
    "every day at 9 x",
    { kind: "ok", due: "2026-03-29T07:00:00.000Z", recurrence: { kind: "daily", time: t(9) } },
  ],
  // DST: Berlin falls back on Sun 25 October 2026 (03:00 CEST -> 02:00 CET)
  [BERLIN, "2026-10-24T12:00:00.000Z", "en", "tomorrow at 9am x", { kind: "ok", due: "2026-10-25T08:00:00.000Z" }],
  [BERLIN, "2026-10-24T12:00:00.000Z", "ru", "завтра в 2:30 x", { kind: "ok", due: "2026-10-25T00:30:00.000Z" }],
  // DST: New York springs forward on Sun 8 March 2026, falls back on Sun 1 November 2026
  [NY, "2026-03-07T17:00:00.000Z", "en", "tomorrow at 9am x", { kind: "ok", due: "2026-03-08T13:00:00.000Z" }],
  [NY, "2026-03-07T17:00:00.000Z", "en", "tomorrow at 2:30 x", { kind: "ok", due: "2026-03-08T07:00:00.000Z" }],
  [NY, "2026-10-31T16:00:00.000Z", "en", "tomorrow at 1:30 x", { kind: "ok", due: "2026-11-01T05:30:00.000Z" }],
  [NY, "2026-10-31T16:00:00.000Z", "en", "tomorrow at 9am x", { kind: "ok", due: "2026-11-01T14:00:00.000Z" }],
  [NY, "2026-10-31T16:00:00.000Z", "en", "in 20 minutes x", { kind: "ok", due: "2026-10-31T16:20:00.000Z" }],
];

describe("parseReminder: phrase table", () => {
  it("has at least 60 phrases", () => {
    expect(ROWS.length).to.be.at.least(60);
  });

  for (const [zone, now, lang, input, exp] of ROWS) {
    it(`${zone} ${now.slice(0, 16)} ${JSON.stringify(input)} -> ${exp.kind}`, () => {
      const r = parseReminder(input, { now: new Date(now), zone, lang });
      expect(r.kind, JSON.stringify(r)).to.equal(exp.kind);
      if (exp.text !== undefined) expect(r.text).to.equal(exp.text);
      if (exp.due !== undefined) {
        expect(r.kind === "ok" || r.kind === "past").to.be.true;
        if (r.kind === "ok" || r.kind === "past") expect(r.due.toISOString()).to.equal(exp.due);
      }
      if (exp.options !== undefined && r.kind === "ambiguous") {
        expect(r.options.map((d) => d.toISOString())).to.deep.equal(exp.options);
      }
      if (exp.urgent !== undefined && r.kind === "ok") expect(r.urgent).to.equal(exp.urgent);
      if (exp.date !== undefined && r.kind === "needs-time") {
        const d = r.date;
        expect(`${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`).to.equal(exp.date);
      }
      if (exp.reason !== undefined && r.kind === "no-time") expect(r.reason).to.equal(exp.reason);
      const rec = "recurrence" in r ? r.recurrence : undefined;
      expect(rec).to.deep.equal(exp.recurrence);
    });
  }
});

describe("parseReminder: details", () => {
  const ctx = { now: new Date(NOW), zone: MSK, lang: "ru" as const };

  it("offers the evening rule beside the morning one for an ambiguous repetition", () => {
    const r = parseReminder("каждую среду в 5 x", ctx);
    expect(r.kind).to.equal("ambiguous");
    if (r.kind !== "ambiguous") return;
    expect(r.optionRecurrences).to.deep.equal([
      { kind: "weekly", weekdays: [3], time: t(5) },
      { kind: "weekly", weekdays: [3], time: t(17) },
    ]);
  });

  it("tries the other language when the user's finds nothing", () => {
    const r = parseReminder("tomorrow at 9am call mom", ctx);
    expect(r.kind).to.equal("ok");
    if (r.kind === "ok") expect(r.due.toISOString()).to.equal("2026-11-27T06:00:00.000Z");
  });

  it("keeps the whole text after the time expression, newlines included", () => {
    const r = parseReminder("завтра в 9\nкупить:\n- хлеб\n- молоко", ctx);
    expect(r.kind).to.equal("ok");
    expect(r.text).to.equal("купить:\n- хлеб\n- молоко");
  });

  it("completes a needs-time result with the user's answer", () => {
    const first = parseReminder("завтра позвонить маме", ctx);
    expect(first.kind).to.equal("needs-time");
    const done = completeWithTime(first, "в 9:30", ctx);
    expect(done.kind).to.equal("ok");
    if (done.kind === "ok") expect(done.due.toISOString()).to.equal("2026-11-27T06:30:00.000Z");
    expect(completeWithTime(first, "не знаю", ctx)).to.equal(first);
    const rec = completeWithTime(parseReminder("каждый день пить воду", ctx), "в 8", ctx);
    expect(rec.kind).to.equal("ok");
    if (rec.kind === "ok") {
      expect(rec.recurrence).to.deep.equal({ kind: "daily", time: t(8) });
      expect(rec.due.toISOString()).to.equal("2026-11-27T05:00:00.000Z");
    }
  });

  it("reads a time of day from a short answer", () => {
    expect(parseTimeOfDay("21:30")).to.deep.equal({ hour: 21, minute: 30, bare: false });
    expect(parseTimeOfDay("в 7")).to.deep.equal({ hour: 7, minute: 0, bare: true });
    expect(parseTimeOfDay("at 7pm", "en")).to.deep.equal({ hour: 19, minute: 0, bare: false });
    expect(parseTimeOfDay("привет")).to.equal(undefined);
  });

  it("does not depend on the language hint for unambiguous phrases", () => {
    const ru = parseReminder("каждые 2 часа пить воду", { ...ctx, lang: "en" });
    expect(ru.kind === "ok" && ru.recurrence).to.deep.equal({ kind: "interval", minutes: 120 });
  });
});
