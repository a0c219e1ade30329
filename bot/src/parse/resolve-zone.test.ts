import { expect } from "chai";
import { CITIES } from "./city-zones.js";
import { isValidZone } from "./local-time.js";
import { parseOffset, resolveZone, zoneFromLocation } from "./resolve-zone.js";

describe("resolveZone", () => {
  const cases: Array<[string, string | undefined]> = [
    ["Москва", "Europe/Moscow"],
    ["москва", "Europe/Moscow"],
    ["  МОСКВА ", "Europe/Moscow"],
    ["Moscow", "Europe/Moscow"],
    ["в Москве", "Europe/Moscow"],
    ["Berlin", "Europe/Berlin"],
    ["Берлин", "Europe/Berlin"],
    ["Новосибирск", "Asia/Novosibirsk"],
    ["New York", "America/New_York"],
    ["Нью-Йорк", "America/New_York"],
    ["нью йорк", "America/New_York"],
    ["Лондон", "Europe/London"],
    ["Санкт-Петербург", "Europe/Moscow"],
    ["Екатеринбург", "Asia/Yekaterinburg"],
    ["Киев", "Europe/Kyiv"],
    ["Алматы", "Asia/Almaty"],
    ["Калининград", "Europe/Kaliningrad"],
    ["Владивосток", "Asia/Vladivostok"],
    ["Tokyo", "Asia/Tokyo"],
    ["Дели", "Asia/Kolkata"],
    ["Europe/Moscow", "Europe/Moscow"],
    ["europe/berlin", "Europe/Berlin"],
    ["America/New_York", "America/New_York"],
    ["UTC", "UTC"],
    ["UTC+3", "UTC+3"],
    ["+03:00", "UTC+3"],
    ["GMT-5", "UTC-5"],
    ["utc+5:30", "UTC+5:30"],
    ["UTC+0", "UTC"],
    ["UTC+15", undefined],
    ["+03:17", undefined],
    ["Атлантида", undefined],
    ["", undefined],
    ["Mars/Olympus", undefined],
  ];
  for (const [input, zone] of cases) {
    it(`${JSON.stringify(input)} -> ${zone}`, () => {
      expect(resolveZone(input)).to.equal(zone);
    });
  }

  it("has at least 60 cities, every one with a zone luxon knows", () => {
    expect(CITIES.length).to.be.at.least(60);
    const bad = CITIES.filter((c) => !isValidZone(c.zone)).map((c) => c.zone);
    expect(bad).to.deep.equal([]);
  });

  it("parses offsets alone", () => {
    expect(parseOffset("−4")).to.equal("UTC-4");
    expect(parseOffset("Moscow")).to.equal(undefined);
  });
});

describe("zoneFromLocation", () => {
  it("picks the nearest city's zone", () => {
    expect(zoneFromLocation(55.75, 37.62)).to.equal("Europe/Moscow");
    expect(zoneFromLocation(52.37, 4.9)).to.equal("Europe/Amsterdam");
    expect(zoneFromLocation(40.73, -73.99)).to.equal("America/New_York");
    expect(zoneFromLocation(54.98, 82.9)).to.equal("Asia/Novosibirsk");
  });

  it("falls back to the longitude's offset far from every city, and to UTC for nonsense", () => {
    expect(zoneFromLocation(-40, -130)).to.equal("UTC-9");
    expect(zoneFromLocation(Number.NaN, 10)).to.equal("UTC");
    expect(zoneFromLocation(95, 10)).to.equal("UTC");
  });
});
