import { expect } from "chai";
import type { Recurrence } from "./types.js";
import { nextOccurrence } from "./recurrence.js";

/** The next n occurrences after `from`, each computed from the previous one. */
function sequence(rule: Recurrence, from: string, zone: string, n: number): string[] {
  const out: string[] = [];
  let after = new Date(from);
  for (let i = 0; i < n; i++) {
    after = nextOccurrence(rule, after, zone);
    out.push(after.toISOString());
  }
  return out;
}

describe("nextOccurrence", () => {
  it("keeps a daily 09:00 at 09:00 local across Berlin's spring-forward", () => {
    expect(
      sequence({ kind: "daily", time: { hour: 9, minute: 0 } }, "2026-03-27T12:00:00Z", "Europe/Berlin", 4),
    ).to.deep.equal([
      "2026-03-28T08:00:00.000Z",
      "2026-03-29T07:00:00.000Z",
      "2026-03-30T07:00:00.000Z",
      "2026-03-31T07:00:00.000Z",
    ]);
  });

  it("keeps a daily 09:00 at 09:00 local across New York's fall-back", () => {
    expect(
      sequence({ kind: "daily", time: { hour: 9, minute: 0 } }, "2026-10-31T00:00:00Z", "America/New_York", 3),
    ).to.deep.equal(["2026-10-31T13:00:00.000Z", "2026-11-01T14:00:00.000Z", "2026-11-02T14:00:00.000Z"]);
  });

  it("moves a daily 02:30 to 03:00 on the spring-forward day and back to 02:30 after", () => {
    expect(
      sequence({ kind: "daily", time: { hour: 2, minute: 30 } }, "2026-03-28T12:00:00Z", "Europe/Berlin", 2),
    ).to.deep.equal(["2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"]);
  });

  it("fires a daily 02:30 once, at the first instant, on the fall-back day", () => {
    expect(
      sequence({ kind: "daily", time: { hour: 2, minute: 30 } }, "2026-10-24T12:00:00Z", "Europe/Berlin", 2),
    ).to.deep.equal(["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
  });

  it("is strictly after `after`", () => {
    const rule: Recurrence = { kind: "daily", time: { hour: 9, minute: 0 } };
    expect(nextOccurrence(rule, new Date("2026-11-27T06:00:00Z"), "Europe/Moscow").toISOString()).to.equal(
      "2026-11-28T06:00:00.000Z",
    );
  });

  it("walks weekly rules through the listed weekdays", () => {
    const rule: Recurrence = { kind: "weekly", weekdays: [2, 4], time: { hour: 19, minute: 0 } };
    expect(sequence(rule, "2026-11-26T08:00:00Z", "America/New_York", 3)).to.deep.equal([
      "2026-11-27T00:00:00.000Z",
      "2026-12-02T00:00:00.000Z",
      "2026-12-04T00:00:00.000Z",
    ]);
  });

  it("takes the last day of a month that lacks the rule's day", () => {
    const rule: Recurrence = { kind: "monthly", day: 31, time: { hour: 10, minute: 0 } };
    expect(sequence(rule, "2026-01-01T00:00:00Z", "UTC", 4)).to.deep.equal([
      "2026-01-31T10:00:00.000Z",
      "2026-02-28T10:00:00.000Z",
      "2026-03-31T10:00:00.000Z",
      "2026-04-30T10:00:00.000Z",
    ]);
  });

  it("puts a yearly 29 February on 28 February in common years", () => {
    const rule: Recurrence = { kind: "yearly", month: 2, day: 29, time: { hour: 9, minute: 0 } };
    expect(sequence(rule, "2027-01-01T00:00:00Z", "UTC", 2)).to.deep.equal([
      "2027-02-28T09:00:00.000Z",
      "2028-02-29T09:00:00.000Z",
    ]);
  });

  it("adds interval minutes in UTC, keeping the anchor's phase when given", () => {
    const rule: Recurrence = { kind: "interval", minutes: 120 };
    // Across Berlin's spring-forward the gap stays two real hours.
    expect(sequence(rule, "2026-03-29T00:00:00Z", "Europe/Berlin", 2)).to.deep.equal([
      "2026-03-29T02:00:00.000Z",
      "2026-03-29T04:00:00.000Z",
    ]);
    const anchor = new Date("2026-11-26T08:00:00Z");
    expect(nextOccurrence(rule, new Date("2026-11-26T13:30:00Z"), "UTC", anchor).toISOString()).to.equal(
      "2026-11-26T14:00:00.000Z",
    );
  });
});
