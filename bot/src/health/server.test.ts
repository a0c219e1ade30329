import { expect } from "chai";
import { startHealthServer } from "./server.js";
import { judgeHealth } from "./liveness.js";

describe("health server", () => {
  it("answers 503 until a poll succeeded, 200 while DB and polling are fine, 503 when either fails", async () => {
    let lastPoll: number | undefined;
    let dbUp = true;
    const server = await startHealthServer({
      port: 0,
      host: "127.0.0.1",
      pingDb: async () => {
        if (!dbUp) throw new Error("connection refused");
      },
      lastPollAt: () => lastPoll,
      maxPollAgeMs: 60_000,
      release: "v1",
    });
    const get = async () => {
      const res = await fetch(`http://127.0.0.1:${server.port}/health`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    try {
      expect(await get()).to.deep.include({ status: 503 });
      expect((await get()).body.reason).to.match(/getUpdates/);
      lastPoll = Date.now();
      const ok = await get();
      expect(ok.status).to.equal(200);
      expect(ok.body).to.include({ ok: true, release: "v1" });
      dbUp = false;
      const down = await get();
      expect(down.status).to.equal(503);
      expect(down.body.reason).to.equal("database: connection refused");
      dbUp = true;
      lastPoll = Date.now() - 120_000;
      expect((await get()).status).to.equal(503);
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).to.equal(404);
    } finally {
      await server.close();
    }
  });

  it("a hanging database counts as down", () => {
    expect(
      judgeHealth({ dbOk: false, dbError: "no answer within 2000 ms", lastPollAt: 1, now: 2, maxPollAgeMs: 10 }),
    ).to.deep.equal({
      ok: false,
      reason: "database: no answer within 2000 ms",
    });
  });
});

describe("poll tracker", () => {
  it("counts an idle long poll as alive, a failed one not", async () => {
    const { PollTracker } = await import("./poll-tracker.js");
    let now = 1000;
    const t = new PollTracker(() => now);
    expect(t.lastAliveAt()).to.equal(undefined);
    t.started();
    expect(t.lastAliveAt()).to.equal(1000);
    now = 2000;
    t.finished(true);
    now = 50_000;
    expect(t.lastAliveAt()).to.equal(2000);
    t.started();
    t.finished(false);
    t.started();
    expect(t.lastAliveAt()).to.equal(2000);
  });
});
