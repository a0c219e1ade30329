import { expect } from "chai";
import { normalize, originalEnd, originalStart } from "./normalize.js";

const TODAY = { year: 2026, month: 11, day: 26 };
const text = (s: string) => normalize(s, TODAY).text;

describe("normalize: what chrono does not read, rewritten", () => {
  it("drops Russian ordinal suffixes before a month, and 'г.' after a year", () => {
    expect(text("18-го марта в 12")).to.equal("18 марта в 12");
    expect(text("1-е апреля")).to.equal("1 апреля");
    expect(text("13 января 2027 г. в 13:34")).to.equal("13 января 2027 в 13:34");
  });

  it("gives a day of the month alone its month: this one if not past, else the next", () => {
    expect(text("20-го в 10")).to.equal("20 декабря 2026 в 10");
    expect(text("28 числа")).to.equal("28 ноября 2026");
    expect(text("the 20th at 10")).to.equal("December 20 2026 at 10");
    expect(text("the 20th of next month")).to.equal("December 20 2026");
    expect(normalize("5-го в 9", { year: 2026, month: 12, day: 26 }).text).to.equal("5 января 2027 в 9");
  });

  it("keeps ordinals that are not dates", () => {
    expect(text("занять 2-е место")).to.equal("занять 2-е место");
    expect(text("the 2nd floor")).to.equal("the 2nd floor");
  });

  it("finds the weekday's date for 'Tuesday the 1st', and none when no near one fits", () => {
    expect(text("Tuesday the 1st at 10")).to.equal("Tuesday December 1 2026 at 10");
    expect(text("Friday the 13th at 9am")).to.equal("Friday the 13th at 9am");
  });

  it("reads a dotted date only before a time", () => {
    expect(text("15.03 в 9")).to.equal("15 марта в 9");
    expect(text("в 18.30")).to.equal("в 18.30");
    expect(text("15.03")).to.equal("15.03");
  });

  it("turns Russian clock words into times", () => {
    expect(text("без четверти 9")).to.equal("в 8:45");
    expect(text("без десяти шесть вечера")).to.equal("в 5:50 вечера");
    expect(text("в половине десятого")).to.equal("в 9:30");
    expect(text("в полдесятого")).to.equal("в 9:30");
    expect(text("в четверть третьего")).to.equal("в 2:15");
    expect(text("в половине первого")).to.equal("в 12:30");
    expect(text("3 часа дня")).to.equal("в 3 часа дня");
    expect(text("через 3 часа")).to.equal("через 3 часа");
    expect(text("в восемь вечера")).to.equal("в 8 вечера");
    expect(text("в два этапа")).to.equal("в два этапа");
  });

  it("turns English clock words into times", () => {
    expect(text("quarter past 3pm")).to.equal("3:15pm");
    expect(text("20 to 9")).to.equal("8:40");
    expect(text("from 5 to 7")).to.equal("from 5 to 7");
    expect(text("at half 7")).to.equal("at 7:30");
    expect(text("15h00")).to.equal("15:00");
    expect(text("at eight pm")).to.equal("at 8 pm");
  });

  it("rewrites relative days and typos", () => {
    expect(text("3 days hence")).to.equal("in 3 days");
    expect(text("a week from tomorrow")).to.equal("in 8 days");
    expect(text("day after tomorrow 5pm")).to.equal("the day after tomorrow 5pm");
    expect(text("tommorow at 9")).to.equal("tomorrow at 9");
    expect(text("завтро в 9")).to.equal("завтра в 9");
    expect(text("четвёртое июня")).to.equal("четвертое июня");
  });

  it("maps a rewritten part back to the words written", () => {
    const n = normalize("позвонить без четверти 9 маме", TODAY);
    expect(n.text).to.equal("позвонить в 8:45 маме");
    // "в 8:45" is 10..16 in the text, "без четверти 9" 10..24 in the original.
    expect(originalStart(n, 10)).to.equal(10);
    expect(originalEnd(n, 16)).to.equal(24);
    expect(originalEnd(n, 13)).to.equal(24);
    expect(originalStart(n, 17)).to.equal(25);
    const plain = normalize("позвонить маме", TODAY);
    expect(originalStart(plain, 3)).to.equal(3);
  });
});
