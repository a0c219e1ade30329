import { expect } from "chai";
import { createRateGate } from "./rate-gate.js";

/** Largest number of slots inside any window [t, t + 1000). */
function maxPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe("scheduler/rate-gate", () => {
  it("spaces messages evenly at the global rate", () => {
    const gate = createRateGate({ perSecond: 30 });
    const at = Array.from({ length: 90 }, (_, i) => 1000 + gate.reserve(i, 1000));
    expect(maxPerSecond(at)).to.equal(30);
    expect(at[89]! - at[0]!).to.be.closeTo((89 * 1000) / 30, 1);
  });

  it("keeps one chat to its own rate without holding back the others", () => {
    const gate = createRateGate({ perSecond: 30, perChatPerSecond: 1 });
    const first = gate.reserve(7, 0);
    const second = gate.reserve(7, 0);
    const other = gate.reserve(8, 0);
    expect(first).to.equal(0);
    expect(second).to.equal(1000);
    expect(other, "another chat takes the free slot before chat 7's second one").to.be.closeTo(1000 / 30, 0.001);
  });

  it("never puts more than the limit in any second under mixed traffic", () => {
    const gate = createRateGate({ perSecond: 30, perChatPerSecond: 1 });
    const byChat = new Map<number, number[]>();
    const all: number[] = [];
    let now = 0;
    for (let i = 0; i < 600; i++) {
      now += i % 7 === 0 ? 40 : 0; // callers arrive in clumps
      const chat = (i * 13) % 50;
      const t = now + gate.reserve(chat, now);
      all.push(t);
      byChat.set(chat, [...(byChat.get(chat) ?? []), t]);
    }
    expect(maxPerSecond(all)).to.be.at.most(30);
    for (const times of byChat.values()) expect(maxPerSecond(times)).to.equal(1);
  });

  it("refuses a non-positive rate", () => {
    expect(() => createRateGate({ perSecond: 0 })).to.throw(/positive/);
  });
});
