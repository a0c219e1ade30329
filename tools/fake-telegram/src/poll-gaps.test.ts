import { expect } from "chai";
import { FakeBotApiClient } from "./client.ts";
import { longestGap, mergeIntervals } from "./poll-gaps.ts";
import { startFakeBotApi } from "./server.ts";

const TOKEN = "123:test";

describe("fake Bot API: poll gaps", function () {
  it("joins overlapping intervals; an open one swallows the rest", function () {
    expect(
      mergeIntervals([
        { from: 30, to: 40 },
        { from: 0, to: 10 },
        { from: 5, to: 12 },
      ]),
    ).to.deep.equal([
      { from: 0, to: 12 },
      { from: 30, to: 40 },
    ]);
    expect(mergeIntervals([{ from: 0, to: 10 }, { from: 5 }, { from: 20, to: 30 }])).to.deep.equal([{ from: 0 }]);
  });

  it("finds the longest stretch of the window with no poll open, at the edges too", function () {
    const polls = [
      { from: 100, to: 200 },
      { from: 250, to: 400 },
      { from: 700, to: 720 },
    ];
    expect(longestGap(polls, 0, 1000)).to.deep.equal({ from: 400, to: 700, ms: 300 });
    expect(longestGap(polls, 0, 680)).to.deep.equal({ from: 400, to: 680, ms: 280 });
    expect(longestGap(polls, 390, 1000)).to.deep.equal({ from: 400, to: 700, ms: 300 });
    expect(longestGap(polls, 710, 1000)).to.deep.equal({ from: 720, to: 1000, ms: 280 });
    expect(longestGap(polls, 150, 650)).to.deep.equal({ from: 400, to: 650, ms: 250 });
    expect(longestGap(polls, 120, 380)).to.deep.equal({ from: 200, to: 250, ms: 50 });
    expect(longestGap(polls, 260, 300)).to.deep.equal({ from: 260, to: 260, ms: 0 });
    expect(longestGap([], 10, 30)).to.deep.equal({ from: 10, to: 30, ms: 20 });
    expect(longestGap([{ from: 0 }], 10, 30).ms).to.equal(0);
    expect(() => longestGap(polls, 5, 1)).to.throw(/must not be after/);
  });

  it("measures a bot's downtime from its real getUpdates, in-process and over the control plane", async function () {
    const fake = await startFakeBotApi();
    try {
      const poll = (timeout: number) =>
        fetch(`${fake.url}/bot${TOKEN}/getUpdates?timeout=${timeout}`).then((r) => r.json());
      const t0 = Date.now();
      await poll(0); // open for an instant
      await new Promise((r) => setTimeout(r, 120)); // the bot is down
      const waiting = poll(30); // a long poll, open until the update arrives
      await new Promise((r) => setTimeout(r, 60));
      const open = fake.pollIntervals(TOKEN).at(-1);
      expect(open?.to, "the waiting poll is open").to.equal(undefined);
      const gap = fake.longestPollGap(TOKEN, t0, Date.now());
      expect(gap.ms).to.be.within(100, 400);
      expect(gap.to).to.equal(open?.from);

      fake.pushUpdate({ message: { chat: { id: 1, type: "private" }, text: "hi" } }, TOKEN);
      await waiting;
      const client = new FakeBotApiClient(fake.url);
      const intervals = await client.pollIntervals(TOKEN);
      expect(intervals.every((i) => i.to !== undefined)).to.equal(true);
      expect(await client.longestPollGap(TOKEN, t0, Date.now())).to.deep.equal(
        fake.longestPollGap(TOKEN, t0, Date.now()),
      );
      expect((await client.longestPollGap("never-polled", 0, 50)).ms).to.equal(50);
    } finally {
      await fake.stop();
    }
  });
});
