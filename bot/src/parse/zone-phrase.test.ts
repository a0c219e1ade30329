import { expect } from "chai";
import { findZonePhrase } from "./zone-phrase.js";

describe("findZonePhrase", () => {
  it("reads 'по' and a city in the dative, with where it stands", () => {
    expect(findZonePhrase("в 9 по Москве")).to.deep.equal({
      zone: "Europe/Moscow",
      label: "по Москве",
      start: 4,
      end: 13,
    });
    expect(findZonePhrase("в 12:00 по Киеву")?.zone).to.equal("Europe/Kyiv");
    expect(findZonePhrase("в 9 по Лондону")?.zone).to.equal("Europe/London");
    expect(findZonePhrase("в 9 по Новосибирску")?.zone).to.equal("Asia/Novosibirsk");
  });

  it("reads 'по московскому времени' whole", () => {
    expect(findZonePhrase("в 9 по московскому времени")).to.deep.equal({
      zone: "Europe/Moscow",
      label: "по московскому времени",
      start: 4,
      end: 26,
    });
  });

  it("reads abbreviations as fixed offsets, in any case", () => {
    expect(findZonePhrase("в 18:00 МСК")).to.deep.equal({ zone: "Europe/Moscow", label: "МСК", start: 8, end: 11 });
    expect(findZonePhrase("at 16:00 CET")?.zone).to.equal("UTC+1");
    expect(findZonePhrase("9am PST")?.zone).to.equal("UTC-8");
    expect(findZonePhrase("9am pst")?.zone).to.equal("UTC-8");
    expect(findZonePhrase("10:00 EDT")?.zone).to.equal("UTC-4");
  });

  it("reads an offset after UTC or GMT only", () => {
    expect(findZonePhrase("в 10 GMT+3")).to.deep.equal({ zone: "UTC+3", label: "GMT+3", start: 5, end: 10 });
    expect(findZonePhrase("call at 9 UTC-5")?.zone).to.equal("UTC-5");
    expect(findZonePhrase("at 9 EST+3")).to.equal(undefined);
  });

  it("reads '<place> time' for a region or a city", () => {
    expect(findZonePhrase("8:00 Moscow time")).to.deep.equal({
      zone: "Europe/Moscow",
      label: "Moscow time",
      start: 5,
      end: 16,
    });
    expect(findZonePhrase("noon pacific time")?.zone).to.equal("America/Los_Angeles");
    expect(findZonePhrase("9am eastern time")?.zone).to.equal("America/New_York");
  });

  it("takes the first zone of two", () => {
    expect(findZonePhrase("9 по Лондону и 10 мск")?.zone).to.equal("Europe/London");
  });

  it("ignores words that are not zones, also those containing an abbreviation", () => {
    expect(findZonePhrase("по делам в 9")).to.equal(undefined);
    expect(findZonePhrase("estate at 9")).to.equal(undefined);
    expect(findZonePhrase("free time at 9")).to.equal(undefined);
    expect(findZonePhrase("купить пастилу")).to.equal(undefined);
    expect(findZonePhrase("")).to.equal(undefined);
  });
});
