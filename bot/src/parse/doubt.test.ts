import { expect } from "chai";
import { repeatExtra, timeLikeLeft, vague } from "./doubt.js";

describe("timeLikeLeft: words left in a reminder's text that still look like a time", () => {
  it("finds clock times, dotted dates and ordinals", () => {
    expect(timeLikeLeft("созвон 9:30")).to.equal("9:30");
    expect(timeLikeLeft("оплатить 15.03")).to.equal("15.03");
    expect(timeLikeLeft("18-го оплатить")).to.equal("18-го");
    expect(timeLikeLeft("pay on the 3rd")).to.equal("3rd");
  });

  it("finds an hour after a preposition and an hour with its unit", () => {
    expect(timeLikeLeft("или в 10")).to.equal("в 10");
    expect(timeLikeLeft("dinner at 8")).to.equal("at 8");
    expect(timeLikeLeft("отчёт без 5")).to.equal("без 5");
    expect(timeLikeLeft("выпить 5 раз")).to.equal("5 раз");
    expect(timeLikeLeft("call 7pm")).to.equal("7pm");
  });

  it("finds misspelt days, weekdays and months", () => {
    expect(timeLikeLeft("завтро")).to.equal("завтро");
    expect(timeLikeLeft("tommorow run")).to.equal("tommorow");
    expect(timeLikeLeft("отчёт пятницы")).to.equal("пятницы");
    expect(timeLikeLeft("rent Monday")).to.equal("Monday");
    expect(timeLikeLeft("до марта")).to.equal("до");
  });

  it("finds a zone and a clock word left unread", () => {
    expect(timeLikeLeft("созвон по Москве")).to.equal("по Москве");
    expect(timeLikeLeft("call PST")).to.equal("PST");
    expect(timeLikeLeft("call UTC")).to.equal("UTC");
    expect(timeLikeLeft("без четверти")).to.equal("четверти");
    expect(timeLikeLeft("quarter past")).to.equal("quarter");
  });

  it("leaves ordinary words alone, also those that contain a time word inside", () => {
    expect(timeLikeLeft("позвонить маме")).to.equal(undefined);
    expect(timeLikeLeft("buy milk")).to.equal(undefined);
    expect(timeLikeLeft("документы подарок")).to.equal(undefined);
    expect(timeLikeLeft("купить 2 хлеба")).to.equal(undefined);
    expect(timeLikeLeft("")).to.equal(undefined);
  });
});

describe("repeatExtra: what a repetition's rule would silently drop", () => {
  it("finds an end or a count", () => {
    expect(repeatExtra("каждый день в 9 до пятницы")).to.equal("до");
    expect(repeatExtra("every day at 9 until Friday")).to.equal("until");
    expect(repeatExtra("каждый день в 9 утра 5 раз")).to.equal("5 раз");
    expect(repeatExtra("every day at 8 for 2 weeks")).to.equal("for 2");
    expect(repeatExtra("каждый день в течение недели")).to.equal("в течение");
  });

  it("finds a second time of day", () => {
    expect(repeatExtra("каждый день в 9 и в 21")).to.equal("9 и в 2");
    expect(repeatExtra("every day at 9am and 9pm")).to.equal("am and 9");
  });

  it("finds the words of a rule it cannot hold: first, last, other", () => {
    expect(repeatExtra("каждый последний")).to.equal("последний");
    expect(repeatExtra("every other")).to.equal("other");
    expect(repeatExtra("biweekly")).to.equal("biweekly");
  });

  it("leaves a plain repetition alone", () => {
    expect(repeatExtra("каждый день в 9")).to.equal(undefined);
    expect(repeatExtra("по будням в 9:30")).to.equal(undefined);
    expect(repeatExtra("every Monday at 10 standup")).to.equal(undefined);
  });
});

describe("vague: amounts chrono reads its own way and leftovers of prepositions only", () => {
  it("finds a vague amount anywhere in the message", () => {
    expect(vague("через несколько минут", "")).to.equal("несколько");
    expect(vague("через пару минут", "")).to.equal("пару");
    expect(vague("in a few minutes", "")).to.equal("few");
    expect(vague("in several days", "call")).to.equal("several");
  });

  it("finds a clock phrase in minutes to or past an hour", () => {
    expect(vague("25 to 7", "")).to.equal("25 to 7");
  });

  it("finds a leftover made only of prepositions and articles", () => {
    expect(vague("in the morning", "in the")).to.equal("in the");
    expect(vague("в 9", "в")).to.equal("в");
  });

  it("leaves a clear message alone", () => {
    expect(vague("tomorrow at 9 call mom", "call mom")).to.equal(undefined);
    expect(vague("завтра в 9 позвонить", "позвонить")).to.equal(undefined);
  });
});
