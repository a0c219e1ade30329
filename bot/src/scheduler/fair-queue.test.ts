import { expect } from "chai";
import { FairQueue, type Take } from "./fair-queue.js";

/** Largest number of times inside any window [t, t + 1000). */
function maxPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** Runs the queue like the scheduler does: take when allowed, else jump to when it says. */
function drain<T>(q: FairQueue<T>, from = 0, onSend?: (t: T, chatId: number, at: number) => void) {
  const sent: Array<{ item: T; chatId: number; at: number }> = [];
  let now = from;
  for (let guard = 0; guard < 1_000_000; guard++) {
    const next: Take<T> = q.take(now);
    if (next === null) return sent;
    if ("waitMs" in next) {
      expect(next.waitMs).to.be.greaterThan(0);
      now += next.waitMs;
      continue;
    }
    sent.push({ item: next.item, chatId: next.chatId, at: now });
    onSend?.(next.item, next.chatId, now);
  }
  throw new Error("did not drain");
}

describe("scheduler/fair-queue", () => {
  it("spaces messages evenly at the global rate: never more than the limit in any second", () => {
    const q = new FairQueue<number>({ perSecond: 30 });
    for (let i = 0; i < 90; i++) q.push(i, i);
    const at = drain(q, 1000).map((s) => s.at);
    expect(maxPerSecond(at)).to.equal(30);
    const rate = (89 / (at[89]! - at[0]!)) * 1000;
    expect(rate, "just under the limit: 30 per 1.02 s").to.be.within(29.3, 30);
    for (let i = 1; i < 30; i++) expect(at[i]! - at[i - 1]!).to.be.closeTo(1000 / 30, 1e-6);
  });

  it("timers firing 25 ms late every time keep most of the pace (they catch up), within the limit", () => {
    const q = new FairQueue<number>({ perSecond: 29.5 });
    for (let i = 0; i < 300; i++) q.push(i, i);
    const at: number[] = [];
    for (let now = 0; ;) {
      const next = q.take(now);
      if (next === null) break;
      if ("waitMs" in next)
        now += next.waitMs + 25; // the timer fires 25 ms late (3/4 of a spacing)
      else at.push(now);
    }
    expect(at).to.have.length(300);
    const rate = ((at.length - 1) / (at.at(-1)! - at[0]!)) * 1000;
    // Not 1000 / (34 + 25) = 17/s; what is lost is where the hard cap's window (1,010 ms for 30,
    // 7 ms under the pace's 30 spacings) waits, and the timer is late again after it.
    expect(rate).to.be.within(28.5, 29.5);
    expect(maxPerSecond(at)).to.be.at.most(30);
    for (let i = 0; i + 30 < at.length; i++) expect(at[i + 30]! - at[i]!).to.be.at.least(1010 - 1e-6);
  });

  it("a slow answer moves its send later in the hard cap's window: the send 30 later waits for it", () => {
    /** The span from send 4 to send 34 when every answer takes 2 ms and send 4's takes 2 + slowMs. */
    const span = (slowMs: number) => {
      const q = new FairQueue<number>({ perSecond: 30 });
      for (let i = 0; i < 40; i++) q.push(i, i);
      const at: number[] = [];
      for (let now = 0; at.length < 35;) {
        const next = q.take(now);
        if (next === null) break;
        if ("waitMs" in next) now += next.waitMs;
        else {
          at.push(now);
          q.delivered(now + 2 + (at.length === 5 ? slowMs : 0), now);
        }
      }
      return at[34]! - at[4]!;
    };
    expect(span(0), "the window's 1,010 ms").to.be.closeTo(1010, 1e-6);
    expect(span(40), "it may have arrived 40 ms late").to.be.closeTo(1050, 1e-6);
    expect(span(500), "at most 100 ms").to.be.closeTo(1110, 1e-6);
  });

  it("after a pause the pace starts afresh: no burst to catch up", () => {
    const q = new FairQueue<number>({ perSecond: 30 });
    for (let i = 0; i < 10; i++) q.push(i, i);
    q.take(0);
    q.pause(1000);
    const at = drain(q, 1000).map((s) => s.at);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).to.be.closeTo(1000 / 30, 1e-6);
  });

  it("round-robin: a chat with 1,000 queued delays each other chat by at most one slot", () => {
    const q = new FairQueue<string>({ perSecond: 30, perChatPerSecond: 1 });
    for (let i = 0; i < 1000; i++) q.push(7, `abuse ${i}`); // queued first, oldest due
    for (let c = 0; c < 50; c++) q.push(100 + c, `chat ${c}`);
    const sent = drain(q);
    const others = sent.filter((s) => s.chatId !== 7);
    const slot = 1000 / 30;
    // 51 chats at 30/s: the last ordinary chat goes at its fair place, one abusive message before it
    expect(others.at(-1)!.at).to.be.at.most(51 * slot + 1);
    expect(sent.slice(0, 51).filter((s) => s.chatId === 7)).to.have.length(1);
    // the abusive chat keeps to its own pace, in its own order
    const abuse = sent.filter((s) => s.chatId === 7);
    expect(abuse.map((s) => s.item)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => `abuse ${i}`));
    expect(maxPerSecond(abuse.map((s) => s.at))).to.equal(1);
  });

  it("a chat waiting for its own slot holds no global slot: others use it", () => {
    const q = new FairQueue<string>({ perSecond: 30, perChatPerSecond: 1 });
    q.push(1, "a1");
    q.push(1, "a2");
    expect(q.take(0)).to.deep.equal({ item: "a1", chatId: 1 });
    q.push(2, "b1");
    const wait = q.take(0);
    expect(wait !== null && "waitMs" in wait && wait.waitMs).to.be.closeTo(1000 / 30, 1e-6);
    expect(q.take(1000 / 30)).to.deep.equal({ item: "b1", chatId: 2 });
    const a2 = q.take(2000 / 30);
    expect(a2 !== null && "waitMs" in a2 && a2.waitMs).to.be.closeTo(1030 - 2000 / 30, 0.001);
  });

  it("never more than the limits in any second under mixed traffic", () => {
    const q = new FairQueue<number>({ perSecond: 30, perChatPerSecond: 1 });
    for (let i = 0; i < 600; i++) q.push((i * 13) % 50, i);
    const sent = drain(q);
    expect(maxPerSecond(sent.map((s) => s.at))).to.be.at.most(30);
    const byChat = new Map<number, number[]>();
    for (const s of sent) byChat.set(s.chatId, [...(byChat.get(s.chatId) ?? []), s.at]);
    for (const times of byChat.values()) expect(maxPerSecond(times)).to.equal(1);
    expect(sent).to.have.length(600);
  });

  it("a 429 on a chat just sent to holds that chat only; the pace stays", () => {
    const q = new FairQueue<string>({ perSecond: 30, perChatPerSecond: 1 });
    q.push(1, "a1");
    q.take(0);
    q.push(1, "a2");
    q.take(2000);
    q.push(1, "a3");
    q.push(2, "b1");
    q.retryAfter(1, 5000, 2010); // chat 1 was sent to at 0 and 2000: its own limit
    expect(q.pausedUntil).to.equal(0);
    expect(q.rate).to.equal(30);
    expect(q.windowMs).to.equal(1010);
    expect(q.take(2100)).to.deep.equal({ item: "b1", chatId: 2 });
    const a3 = q.take(2200);
    expect(a3 !== null && "waitMs" in a3 && a3.waitMs).to.equal(7010 - 2200);
  });

  it("a global 429 lowers the pace and widens the window; both come back while sends succeed", () => {
    const q = new FairQueue<string>({ perSecond: 30, perChatPerSecond: 1 });
    q.push(1, "a");
    q.take(0);
    q.retryAfter(1, 1000, 10);
    expect(q.rate).to.be.closeTo(30 * 0.9, 1e-9);
    expect(q.windowMs).to.equal(1020);
    q.delivered(1010);
    q.delivered(2010);
    expect(q.rate, "one message a second more per second").to.be.closeTo(30 * 0.9 + 2, 1e-9);
    expect(q.windowMs, "a tenth of a millisecond narrower per second").to.be.closeTo(1019.8, 1e-9);
    q.delivered(200_000);
    expect(q.rate).to.equal(30);
    expect(q.windowMs).to.equal(1010);
    // the wider window holds the whole-message cap: 30 per 1.1 s at most after many
    for (let i = 0; i < 30; i++) q.retryAfter(1, 1000, 70_000 + i * 2000);
    expect(q.windowMs).to.equal(1100);
  });

  it("a 429 that looks global (a chat not sent to before, or two chats within a second) holds every chat", () => {
    const q = new FairQueue<string>({ perSecond: 30, perChatPerSecond: 1 });
    q.push(1, "a");
    q.take(0);
    q.retryAfter(1, 3000, 10); // the chat's first send: cannot be its own limit
    expect(q.pausedUntil).to.equal(3010);
    q.push(2, "b");
    expect(q.take(100)).to.deep.equal({ waitMs: 2910 });

    const r = new FairQueue<string>({ perSecond: 30, perChatPerSecond: 1 });
    for (const c of [1, 1, 2, 2]) r.push(c, `${c}`);
    r.take(0);
    r.take(100);
    r.take(1100);
    r.take(1200);
    r.retryAfter(1, 2000, 1150);
    expect(r.pausedUntil, "one chat that was sent to twice: its own").to.equal(0);
    r.retryAfter(2, 2000, 1250);
    expect(r.pausedUntil, "a second chat within a second: global").to.equal(3250);
    expect(r.rate).to.be.closeTo(30 * 0.9, 1e-9);
    for (let i = 0; i < 20; i++) r.retryAfter(1 + (i % 2), 1000, 1300 + i);
    expect(r.rate, "never below half the ceiling").to.equal(15);
  });

  it("without a rate limit every item goes at once, chats in turn; every 429 pauses all", () => {
    const q = new FairQueue<string>();
    q.push(1, "a1");
    q.push(1, "a2");
    q.push(2, "b1");
    expect([q.take(0), q.take(0), q.take(0), q.take(0)]).to.deep.equal([
      { item: "a1", chatId: 1 },
      { item: "b1", chatId: 2 },
      { item: "a2", chatId: 1 },
      null,
    ]);
    q.retryAfter(1, 1500, 10);
    expect(q.pausedUntil).to.equal(1510);
  });

  it("drain gives back everything queued; a non-positive rate is refused", () => {
    const q = new FairQueue<number>({ perSecond: 10 });
    for (let i = 0; i < 5; i++) q.push(i % 2, i);
    expect(q.chats().sort()).to.deep.equal([0, 1]);
    expect(q.drain().sort()).to.deep.equal([0, 1, 2, 3, 4]);
    expect(q.size).to.equal(0);
    expect(q.take(0)).to.equal(null);
    expect(() => new FairQueue({ perSecond: 0 })).to.throw(/positive/);
  });
});
