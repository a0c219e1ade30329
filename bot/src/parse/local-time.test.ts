import { expect } from "chai";
import { addDays, isRealDate, isValidZone, localToInstant, weekdayOf } from "./local-time.js";

const iso = (zone: string, year: number, month: number, day: number, hour: number, minute: number) =>
  localToInstant(zone, { year, month, day, hour, minute }).toISOString();

describe("localToInstant", () => {
  it("converts an ordinary wall time with the zone's offset", () => {
    expect(iso("Europe/Moscow", 2026, 11, 27, 9, 0)).to.equal("2026-11-27T06:00:00.000Z");
    expect(iso("Asia/Kolkata", 2026, 11, 27, 9, 0)).to.equal("2026-11-27T03:30:00.000Z");
    expect(iso("UTC+3", 2026, 11, 27, 9, 0)).to.equal("2026-11-27T06:00:00.000Z");
  });

  it("moves a time in the spring-forward gap to the first valid minute after it", () => {
    // Berlin 29 March 2026: 02:00 CET jumps to 03:00 CEST (01:00Z).
    expect(iso("Europe/Berlin", 2026, 3, 29, 2, 30)).to.equal("2026-03-29T01:00:00.000Z");
    expect(iso("Europe/Berlin", 2026, 3, 29, 2, 0)).to.equal("2026-03-29T01:00:00.000Z");
    expect(iso("Europe/Berlin", 2026, 3, 29, 3, 0)).to.equal("2026-03-29T01:00:00.000Z");
    // New York 8 March 2026: 02:00 EST jumps to 03:00 EDT (07:00Z).
    expect(iso("America/New_York", 2026, 3, 8, 2, 59)).to.equal("2026-03-08T07:00:00.000Z");
  });

  it("takes the first of the two instants in the autumn fold", () => {
    // Berlin 25 October 2026: 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
    expect(iso("Europe/Berlin", 2026, 10, 25, 2, 30)).to.equal("2026-10-25T00:30:00.000Z");
    // New York 1 November 2026: 01:30 at 05:30Z (EDT) and 06:30Z (EST).
    expect(iso("America/New_York", 2026, 11, 1, 1, 30)).to.equal("2026-11-01T05:30:00.000Z");
    expect(iso("America/New_York", 2026, 11, 1, 2, 0)).to.equal("2026-11-01T07:00:00.000Z");
  });
});

describe("calendar helpers", () => {
  it("knows which dates exist", () => {
    expect(isRealDate({ year: 2026, month: 2, day: 29 })).to.be.false;
    expect(isRealDate({ year: 2028, month: 2, day: 29 })).to.be.true;
    expect(isRealDate({ year: 2026, month: 4, day: 31 })).to.be.false;
    expect(isRealDate({ year: 2026, month: 13, day: 1 })).to.be.false;
  });

  it("adds days across months and years and names ISO weekdays", () => {
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).to.deep.equal({ year: 2027, month: 1, day: 1 });
    expect(addDays({ year: 2026, month: 3, day: 1 }, -1)).to.deep.equal({ year: 2026, month: 2, day: 28 });
    expect(weekdayOf({ year: 2026, month: 11, day: 26 })).to.equal(4);
    expect(weekdayOf({ year: 2026, month: 11, day: 29 })).to.equal(7);
  });

  it("validates zones", () => {
    expect(isValidZone("Europe/Moscow")).to.be.true;
    expect(isValidZone("UTC+5:30")).to.be.true;
    expect(isValidZone("Mars/Olympus")).to.be.false;
    expect(isValidZone("")).to.be.false;
  });
});
