import { expect } from "chai";
import { startHealthServer } from "./server.js";
import { healthResponse, judgeHealth } from "./liveness.js";
import type { HealthInput, Role } from "./liveness.js";

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
      expect(ok.body).to.include({ ok: true, role: "active", release: "v1" });
      dbUp = false;
      const down = await get();
      expect(down.status).to.equal(503);
      expect(down.body).to.deep.equal({ ok: false, role: "active", reason: "database: connection refused" });
      dbUp = true;
      lastPoll = Date.now() - 120_000;
      expect((await get()).status).to.equal(503);
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).to.equal(404);
    } finally {
      await server.close();
    }
  });

  it("answers a standby's role and an active one's handover", async () => {
    let role: Role = "standby";
    let lastPoll: number | undefined;
    const server = await startHealthServer({
      port: 0,
      host: "127.0.0.1",
      pingDb: async () => undefined,
      lastPollAt: () => lastPoll,
      role: () => role,
      handover: () => (role === "active" ? { gapMs: 12, at: "2030-01-01T00:00:00.000Z" } : undefined),
      release: "v2",
    });
    const get = async () => {
      const res = await fetch(`http://127.0.0.1:${server.port}/health`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    try {
      expect(await get()).to.deep.equal({ status: 200, body: { ok: true, role: "standby", release: "v2" } });
      role = "active";
      expect((await get()).status, "active before its first poll").to.equal(503);
      lastPoll = Date.now();
      const { status, body } = await get();
      expect(status).to.equal(200);
      expect(body).to.deep.include({
        ok: true,
        role: "active",
        release: "v2",
        handover: { gapMs: 12, at: "2030-01-01T00:00:00.000Z" },
      });
      expect(body.lastPollAgeMs).to.be.a("number");
    } finally {
      await server.close();
    }
  });
});

describe("health rule", () => {
  const input: HealthInput = {
    role: "active",
    dbOk: true,
    botReady: true,
    lastPollAt: 1000,
    now: 1500,
    maxPollAgeMs: 10_000,
  };

  it("a hanging database counts as down, in either role", () => {
    for (const role of ["standby", "active"] as const) {
      expect(judgeHealth({ ...input, role, dbOk: false, dbError: "no answer within 2000 ms" })).to.deep.equal({
        ok: false,
        reason: "database: no answer within 2000 ms",
      });
    }
  });

  it("a standby needs the database and getMe, not getUpdates", () => {
    expect(judgeHealth({ ...input, role: "standby", lastPollAt: undefined })).to.deep.equal({ ok: true });
    expect(judgeHealth({ ...input, role: "standby", botReady: false })).to.deep.equal({
      ok: false,
      reason: "telegram: getMe has not succeeded",
    });
  });

  it("an active one needs a recent successful getUpdates", () => {
    expect(judgeHealth(input)).to.deep.equal({ ok: true, lastPollAgeMs: 500 });
    expect(judgeHealth({ ...input, lastPollAt: undefined })).to.deep.equal({
      ok: false,
      reason: "telegram: no successful getUpdates yet",
    });
    expect(judgeHealth({ ...input, now: 61_000 })).to.deep.equal({
      ok: false,
      reason: "telegram: last successful getUpdates 60 s ago",
    });
  });

  it("answers the contract's bodies", () => {
    const handover = { gapMs: 40, at: "2030-01-01T00:00:00.000Z" };
    expect(healthResponse({ ok: true }, { role: "standby", release: "v3" })).to.deep.equal({
      status: 200,
      body: { ok: true, role: "standby", release: "v3" },
    });
    expect(healthResponse({ ok: true, lastPollAgeMs: 7 }, { role: "active", release: "v3", handover })).to.deep.equal({
      status: 200,
      body: { ok: true, role: "active", release: "v3", lastPollAgeMs: 7, handover },
    });
    expect(healthResponse({ ok: false, reason: "database: down" }, { role: "active", release: "v3" })).to.deep.equal({
      status: 503,
      body: { ok: false, role: "active", reason: "database: down" },
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
    t.finished(false);
    t.restart();
    t.started();
    expect(t.lastAliveAt(), "a new term's first poll").to.equal(50_000);
  });
});
