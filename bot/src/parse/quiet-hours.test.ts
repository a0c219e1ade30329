import { expect } from "chai";
import type { QuietHours } from "./types.js";
import { applyQuietHours, inQuietWindow, parseQuietHours } from "./quiet-hours.js";

const NIGHT: QuietHours = { start: { hour: 23, minute: 0 }, end: { hour: 8, minute: 0 } };
const LUNCH: QuietHours = { start: { hour: 13, minute: 0 }, end: { hour: 14, minute: 30 } };
const MSK = "Europe/Moscow";
const move = (iso: string, q: QuietHours | undefined, zone = MSK, urgent = false) =>
  applyQuietHours(new Date(iso), q, zone, urgent).toISOString();

describe("applyQuietHours", () => {
  it("moves a late-evening instant to the next morning's end of the window", () => {
    // 23:30 MSK on 26 Nov -> 08:00 MSK on 27 Nov.
    expect(move("2026-11-26T20:30:00.000Z", NIGHT)).to.equal("2026-11-27T05:00:00.000Z");
  });

  it("moves an after-midnight instant to the same morning", () => {
    // 02:00 MSK on 27 Nov -> 08:00 MSK on 27 Nov.
    expect(move("2026-11-26T23:00:00.000Z", NIGHT)).to.equal("2026-11-27T05:00:00.000Z");
  });

  it("leaves instants outside the window, at its end, or urgent ones alone", () => {
    expect(move("2026-11-26T19:59:00.000Z", NIGHT)).to.equal("2026-11-26T19:59:00.000Z"); // 22:59
    expect(move("2026-11-27T05:00:00.000Z", NIGHT)).to.equal("2026-11-27T05:00:00.000Z"); // 08:00
    expect(move("2026-11-26T23:00:00.000Z", NIGHT, MSK, true)).to.equal("2026-11-26T23:00:00.000Z");
    expect(move("2026-11-26T23:00:00.000Z", undefined)).to.equal("2026-11-26T23:00:00.000Z");
  });

  it("handles a window within one day", () => {
    expect(move("2026-11-26T10:15:00.000Z", LUNCH)).to.equal("2026-11-26T11:30:00.000Z"); // 13:15 -> 14:30
  });

  it("ends the window by local time across a DST change", () => {
    // Berlin, 02:30 CET (01:30Z) on 25 Oct 2026, after fall-back: moves to 08:00 CET = 07:00Z.
    expect(move("2026-10-25T01:30:00.000Z", NIGHT, "Europe/Berlin")).to.equal("2026-10-25T07:00:00.000Z");
  });

  it("knows membership at the edges", () => {
    expect(inQuietWindow(23 * 60, NIGHT)).to.be.true;
    expect(inQuietWindow(8 * 60, NIGHT)).to.be.false;
    expect(inQuietWindow(0, { start: { hour: 8, minute: 0 }, end: { hour: 8, minute: 0 } })).to.be.false;
  });
});

describe("parseQuietHours", () => {
  const ok: Array<[string, QuietHours]> = [
    ["23:00-08:00", NIGHT],
    ["23-8", NIGHT],
    ["с 23 до 8", NIGHT],
    ["с 23:00 до 08:00", NIGHT],
    ["from 11pm to 8am", NIGHT],
    ["23:00 – 08:00", NIGHT],
    ["13:00-14:30", LUNCH],
    ["с 11 вечера до 7 утра", { start: { hour: 23, minute: 0 }, end: { hour: 7, minute: 0 } }],
  ];
  for (const [input, quiet] of ok) {
    it(`${JSON.stringify(input)} -> window`, () => {
      expect(parseQuietHours(input)).to.deep.equal({ ok: true, quiet });
    });
  }

  it("turns quiet hours off", () => {
    expect(parseQuietHours("выкл")).to.deep.equal({ ok: true, quiet: undefined });
    expect(parseQuietHours("off")).to.deep.equal({ ok: true, quiet: undefined });
  });

  it("says why it refuses", () => {
    expect(parseQuietHours("")).to.deep.equal({ ok: false, reason: "empty" });
    expect(parseQuietHours("ночью")).to.deep.equal({ ok: false, reason: "format" });
    expect(parseQuietHours("25:00-08:00")).to.deep.equal({ ok: false, reason: "range" });
    expect(parseQuietHours("08:00-08:00")).to.deep.equal({ ok: false, reason: "same" });
  });
});
