import { expect } from "chai";
import { describeRecurrence, formatDue } from "./format.js";

// Thursday 26 November 2026, 11:00 in Moscow.
const NOW = new Date("2026-11-26T08:00:00.000Z");
const MSK = "Europe/Moscow";

describe("formatDue", () => {
  const cases: Array<[string, "ru" | "en", string]> = [
    ["2026-11-26T18:00:00.000Z", "ru", "сегодня, 21:00"],
    ["2026-11-27T06:00:00.000Z", "ru", "завтра, 9:00 (пт, 27 ноября)"],
    ["2026-11-28T16:00:00.000Z", "ru", "послезавтра, 19:00 (сб, 28 ноября)"],
    ["2026-12-02T07:05:00.000Z", "ru", "ср, 2 декабря, 10:05"],
    ["2027-01-05T07:00:00.000Z", "ru", "вт, 5 января 2027, 10:00"],
    ["2026-11-26T18:00:00.000Z", "en", "today, 21:00"],
    ["2026-11-27T06:00:00.000Z", "en", "tomorrow, 9:00 (Fri, 27 Nov)"],
    ["2026-11-28T16:00:00.000Z", "en", "Sat, 28 Nov, 19:00"],
  ];
  for (const [iso, lang, text] of cases) {
    it(`${iso} ${lang} -> ${text}`, () => {
      expect(formatDue(new Date(iso), MSK, lang, NOW)).to.equal(text);
    });
  }

  it("uses the user's zone for the day: late evening in New York is already tomorrow in Moscow", () => {
    const due = new Date("2026-11-27T02:00:00.000Z");
    expect(formatDue(due, "America/New_York", "en", NOW)).to.equal("today, 21:00");
    expect(formatDue(due, MSK, "en", NOW)).to.equal("tomorrow, 5:00 (Fri, 27 Nov)");
  });
});

describe("describeRecurrence", () => {
  const at = (hour: number, minute = 0) => ({ hour, minute });
  const cases: Array<[Parameters<typeof describeRecurrence>[0], string, string]> = [
    [{ kind: "daily", time: at(9) }, "каждый день в 9:00", "every day at 9:00"],
    [{ kind: "weekly", weekdays: [1, 2, 3, 4, 5], time: at(8, 30) }, "по будням в 8:30", "every weekday at 8:30"],
    [{ kind: "weekly", weekdays: [6, 7], time: at(11) }, "по выходным в 11:00", "every weekend at 11:00"],
    [{ kind: "weekly", weekdays: [1], time: at(10) }, "каждый понедельник в 10:00", "every Monday at 10:00"],
    [{ kind: "weekly", weekdays: [3], time: at(10) }, "каждую среду в 10:00", "every Wednesday at 10:00"],
    [{ kind: "weekly", weekdays: [7], time: at(10) }, "каждое воскресенье в 10:00", "every Sunday at 10:00"],
    [
      { kind: "weekly", weekdays: [5, 3], time: at(19) },
      "по средам и пятницам в 19:00",
      "every Wednesday and Friday at 19:00",
    ],
    [
      { kind: "weekly", weekdays: [1, 3, 5], time: at(7) },
      "по понедельникам, средам и пятницам в 7:00",
      "every Monday, Wednesday and Friday at 7:00",
    ],
    [{ kind: "monthly", day: 1, time: at(12) }, "каждый месяц 1-го числа в 12:00", "every month on the 1st at 12:00"],
    [
      { kind: "monthly", day: 22, time: at(12) },
      "каждый месяц 22-го числа в 12:00",
      "every month on the 22nd at 12:00",
    ],
    [
      { kind: "yearly", month: 12, day: 25, time: at(10) },
      "каждый год 25 декабря в 10:00",
      "every year on 25 December at 10:00",
    ],
    [{ kind: "interval", minutes: 120 }, "каждые 2 часа", "every 2 hours"],
    [{ kind: "interval", minutes: 300 }, "каждые 5 часов", "every 5 hours"],
    [{ kind: "interval", minutes: 60 }, "каждый час", "every hour"],
    [{ kind: "interval", minutes: 30 }, "каждые 30 минут", "every 30 minutes"],
    [{ kind: "interval", minutes: 2 }, "каждые 2 минуты", "every 2 minutes"],
    [{ kind: "interval", minutes: 1 }, "каждую минуту", "every minute"],
  ];
  for (const [rule, ru, en] of cases) {
    it(`${JSON.stringify(rule)}`, () => {
      expect(describeRecurrence(rule, "ru")).to.equal(ru);
      expect(describeRecurrence(rule, "en")).to.equal(en);
    });
  }
});
