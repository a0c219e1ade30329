import { expect } from "chai";
import { nextOccurrence } from "../parse/recurrence.js";
import { isLate, parserQuietHours, planOutcome, type PlanContext } from "./outcome.js";
import type { DueReminder } from "./types.js";

const NOW = new Date("2030-03-10T12:00:00Z");

function row(over: Partial<DueReminder> = {}): DueReminder {
  return {
    id: 1,
    userId: 7,
    chatId: 7,
    chatType: "private",
    authorName: null,
    text: "t",
    zone: "UTC",
    recurrence: null,
    urgent: false,
    dueAt: new Date("2030-03-10T11:59:30Z"),
    attempts: 0,
    ...over,
  };
}

function ctx(over: Partial<PlanContext> = {}): PlanContext {
  return {
    now: NOW,
    late: false,
    maxAttempts: 3,
    retryBaseMs: 1_000,
    retryCapMs: 60_000,
    defaultRetryAfterMs: 1_000,
    nextOccurrence,
    applyQuietHours: parserQuietHours,
    quiet: { start: null, end: null },
    ...over,
  };
}

describe("scheduler/outcome", () => {
  it("late means more than a minute after the due time", () => {
    const due = new Date("2030-01-01T00:00:00Z");
    expect(isLate(due, new Date(due.getTime() + 60_000))).to.equal(false);
    expect(isLate(due, new Date(due.getTime() + 60_001))).to.equal(true);
  });

  it("a delivered one-shot has no next time and carries the late flag decided before sending", () => {
    const plan = planOutcome(row(), { ok: true, messageId: 5 }, ctx({ late: true }));
    expect(plan).to.deep.equal({ kind: "delivered", messageId: 5, late: true, sentAt: NOW, nextDue: null });
  });

  it("a recurring reminder missed for days moves to its next future time, not the next missed one", () => {
    const daily = { kind: "daily", time: { hour: 9, minute: 0 } } as const;
    const plan = planOutcome(
      row({ recurrence: daily, zone: "Europe/Moscow", dueAt: new Date("2030-03-05T06:00:00Z") }),
      { ok: true, messageId: 1 },
      ctx(),
    );
    expect(plan.kind === "delivered" && plan.nextDue?.toISOString()).to.equal("2030-03-11T06:00:00.000Z");
  });

  it("a recurring reminder delivered early in its minute moves after its own due time", () => {
    const daily = { kind: "daily", time: { hour: 12, minute: 0 } } as const;
    const due = new Date("2030-03-10T12:00:00Z");
    const plan = planOutcome(
      row({ recurrence: daily, dueAt: due }),
      { ok: true, messageId: 1 },
      ctx({ now: new Date(due.getTime() - 5) }),
    );
    expect(plan.kind === "delivered" && plan.nextDue?.toISOString()).to.equal("2030-03-11T12:00:00.000Z");
  });

  it("an interval rule keeps its phase after downtime", () => {
    const plan = planOutcome(
      row({ recurrence: { kind: "interval", minutes: 120 }, dueAt: new Date("2030-03-10T07:15:00Z") }),
      { ok: true, messageId: 1 },
      ctx(),
    );
    expect(plan.kind === "delivered" && plan.nextDue?.toISOString()).to.equal("2030-03-10T13:15:00.000Z");
  });

  it("moves the next occurrence out of the user's quiet hours, unless urgent", () => {
    const nightly = { kind: "daily", time: { hour: 23, minute: 30 } } as const;
    const quiet = { start: 23 * 60, end: 8 * 60 };
    const base = row({ recurrence: nightly, zone: "Europe/Berlin", dueAt: new Date("2030-03-09T22:30:00Z") });
    const quietPlan = planOutcome(base, { ok: true, messageId: 1 }, ctx({ quiet }));
    expect(quietPlan.kind === "delivered" && quietPlan.nextDue?.toISOString(), "08:00 Berlin next morning").to.equal(
      "2030-03-11T07:00:00.000Z",
    );
    const urgentPlan = planOutcome({ ...base, urgent: true }, { ok: true, messageId: 1 }, ctx({ quiet }));
    expect(urgentPlan.kind === "delivered" && urgentPlan.nextDue?.toISOString()).to.equal("2030-03-10T22:30:00.000Z");
  });

  it("a rule without a next occurrence still records the delivery, and ends the reminder as failed", () => {
    const plan = planOutcome(
      row({ recurrence: { kind: "daily", time: { hour: 9, minute: 0 } } }),
      { ok: true, messageId: 1 },
      ctx({
        nextOccurrence: () => {
          throw new RangeError("recurrence never occurs");
        },
      }),
    );
    expect(plan).to.include({ kind: "delivered", nextDue: null });
    expect(plan.kind === "delivered" && plan.error).to.match(/never occurs/);
  });

  it("maps blocked, chat-not-found and retry-later", () => {
    expect(planOutcome(row(), { ok: false, kind: "blocked", message: "403" }, ctx())).to.deep.equal({
      kind: "deactivate",
      error: "403",
    });
    expect(planOutcome(row(), { ok: false, kind: "chat-not-found", message: "400" }, ctx())).to.deep.equal({
      kind: "fail",
      error: "400",
    });
    expect(
      planOutcome(row({ attempts: 2 }), { ok: false, kind: "retry-later", retryAfterMs: 3_000, message: "429" }, ctx()),
      "a 429 is not the reminder's fault: attempts unchanged",
    ).to.deep.equal({ kind: "hold", delayMs: 3_000, attempts: 2, error: "429" });
    expect(planOutcome(row(), { ok: false, kind: "retry-later", message: "429" }, ctx())).to.include({
      delayMs: 1_000,
    });
  });

  it("other errors back off with growing delays and fail at maxAttempts", () => {
    const first = planOutcome(row({ attempts: 0 }), { ok: false, kind: "error", message: "e" }, ctx());
    const second = planOutcome(row({ attempts: 1 }), { ok: false, kind: "error", message: "e" }, ctx());
    expect(first).to.include({ kind: "hold", attempts: 1 });
    expect(second).to.include({ kind: "hold", attempts: 2 });
    if (first.kind !== "hold" || second.kind !== "hold") throw new Error("expected holds");
    expect(first.delayMs).to.be.within(800, 1_000);
    expect(second.delayMs).to.be.within(1_600, 2_000);
    expect(planOutcome(row({ attempts: 2 }), { ok: false, kind: "error", message: "e" }, ctx())).to.deep.equal({
      kind: "fail",
      error: "e",
    });
  });
});
