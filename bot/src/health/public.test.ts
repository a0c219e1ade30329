import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { judgePublic, startPublicHealth } from "./public.js";

/** A bot container's /health on 127.0.0.x: answers what `answer` says now, counts what it was asked. */
async function fakeBot(address: string, port: number, answer: () => { status: number; body: unknown }) {
  let asked = 0;
  const server: Server = createServer((_req, res) => {
    asked++;
    const { status, body } = answer();
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(port, address, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    asked: () => asked,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("public /health (the opt-in published port)", () => {
  it("judges the service up only when a container is active and healthy", () => {
    const active = { status: 200, body: { ok: true, role: "active", release: "v1" } };
    const standby = { status: 200, body: { ok: true, role: "standby", release: "v2" } };
    const failing = { status: 503, body: { ok: false, role: "active", reason: "database: refused" } };
    expect(judgePublic([active])).to.deep.equal({ status: 200, body: { ok: true } });
    expect(judgePublic([standby, active]).status, "during a handover").to.equal(200);
    expect(judgePublic([standby]).status, "a standby alone does not poll").to.equal(503);
    expect(judgePublic([failing, { error: "ECONNREFUSED" }]).status).to.equal(503);
    expect(judgePublic([]).status, "no container").to.equal(503);
    expect(judgePublic([{ status: 200, body: "ok" }]).status, "not the bot's JSON").to.equal(503);
  });

  it("asks every container the service name resolves to, says only ok, and serves one check per period", async () => {
    let aAnswer = { status: 200, body: { ok: true, role: "standby", release: "v2" } as unknown };
    const a = await fakeBot("127.0.0.2", 0, () => aAnswer);
    const b = await fakeBot("127.0.0.3", a.port, () => ({
      status: 503,
      body: { ok: false, role: "active", reason: "telegram: last successful getUpdates 400 s ago" },
    }));
    let clock = 1_000_000;
    let resolved = ["127.0.0.2", "127.0.0.3"];
    const server = await startPublicHealth({
      port: 0,
      host: "127.0.0.1",
      upstreamHost: "bot",
      upstreamPort: a.port,
      cacheMs: 2000,
      lookup: async (host) => {
        expect(host).to.equal("bot");
        return resolved;
      },
      now: () => clock,
    });
    const get = async (path = "/health") => {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
      return { status: res.status, text: await res.text() };
    };
    try {
      const down = await get();
      expect(down).to.deep.equal({ status: 503, text: '{"ok":false}' });
      expect([a.asked(), b.asked()], "both containers asked").to.deep.equal([1, 1]);

      // Within the period the same answer, without asking the bots again, even when they changed.
      aAnswer = { status: 200, body: { ok: true, role: "active", release: "v2" } };
      await Promise.all([get(), get(), get()]);
      expect([a.asked(), b.asked()]).to.deep.equal([1, 1]);

      clock += 2000;
      const up = await get();
      expect(up).to.deep.equal({ status: 200, text: '{"ok":true}' });
      expect(up.text, "nothing of the bot's own answer").to.not.match(/v2|role|release/);

      clock += 2000;
      resolved = [];
      expect((await get()).status, "no bot container on the network").to.equal(503);

      expect((await get("/other")).status).to.equal(404);
      expect((await fetch(`http://127.0.0.1:${server.port}/health`, { method: "POST" })).status).to.equal(404);
    } finally {
      await server.close();
      await a.close();
      await b.close();
    }
  });
});
