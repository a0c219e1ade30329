/**
 * The polling handover between real bot processes (tsx main.ts), as the deployer drives it: one
 * database, one fake Bot API, the same token. kill -9 of the active one, SIGTERM of a standby and
 * of the active one.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { message, startFakeBotApi } from "@remindbot/fake-telegram";
import type { FakeBotApi } from "@remindbot/fake-telegram";
import { freeLoopbackPort, freshDatabase } from "../../test/support/postgres.js";
import type { TestDatabase } from "../../test/support/postgres.js";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const TOKEN = "123:test";

interface Proc {
  name: string;
  port: number;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<number | null>;
  exitCode(): number | null;
  messages(): string[];
  health(): Promise<{ status: number; body: Record<string, unknown> }>;
}

function startBot(name: string, port: number, env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: { PATH: process.env.PATH, ...env, HEALTH_PORT: String(port), BOT_RELEASE: name, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", () => undefined);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    name,
    port,
    kill: (signal) => void child.kill(signal),
    exited,
    exitCode: () => child.exitCode,
    messages: () =>
      out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => (JSON.parse(l) as { message: string }).message),
    async health() {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      } catch {
        return { status: 0, body: {} };
      }
    },
  };
}

/** Asks /health until `want` holds (a separate process has no clock to inject). */
async function untilHealth(p: Proc, want: (h: { status: number; body: Record<string, unknown> }) => boolean) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const h = await p.health();
    if (want(h)) return h;
    if (Date.now() > deadline) throw new Error(`${p.name}: /health never matched; last ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const role = (r: string) => (h: { status: number; body: Record<string, unknown> }) =>
  h.status === 200 && h.body.role === r;

describe("main: polling handover between bot processes", function () {
  this.timeout(180_000);
  let api: FakeBotApi;
  let db: TestDatabase;
  const procs: Proc[] = [];
  before(async () => {
    api = await startFakeBotApi({ host: "127.0.0.1", tokens: [TOKEN] });
    db = await freshDatabase("main_handover");
  });
  after(async () => {
    for (const p of procs) if (p.exitCode() === null) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    await api.stop();
    await db.drop();
  });

  it("kill -9 of the active one, SIGTERM of a standby, then of the active one: each time a standby takes over", async () => {
    const env = { BOT_TOKEN: TOKEN, DATABASE_URL: db.url, TELEGRAM_API_ROOT: api.url, LOG_LEVEL: "info" };
    const start = async (name: string) => {
      const p = startBot(name, await freeLoopbackPort(), env);
      procs.push(p);
      return p;
    };
    const a = await start("A");
    await untilHealth(a, role("active"));
    const standbys = await Promise.all(["B", "C", "D"].map(start));
    for (const p of standbys) {
      const h = await untilHealth(p, role("standby"));
      expect(h.body).to.deep.equal({ ok: true, role: "standby", release: p.name });
    }

    let chat = 500;
    const answered = async () => {
      const id = ++chat;
      api.pushUpdate(message(id, "/help"));
      await api.waitForMessage(id, 30_000);
    };
    await answered();

    a.kill("SIGKILL");
    const healths = async () => Promise.all(standbys.map(async (p) => ({ p, h: await p.health() })));
    let x: Proc | undefined;
    while (!x) {
      x = (await healths()).find(({ h }) => role("active")(h))?.p;
      if (!x) await new Promise((r) => setTimeout(r, 100));
    }
    await answered();

    // A standby told to stop just exits.
    const idle = standbys.filter((p) => p !== x);
    const d = idle.pop()!;
    d.kill("SIGTERM");
    expect(await d.exited).to.equal(0);
    expect(d.messages()).to.not.include("active: polling lease held, polling");
    expect(d.messages().at(-1)).to.equal("stopped");

    const y = idle.pop()!;
    x.kill("SIGTERM");
    expect(await x.exited).to.equal(0);
    const xs = x.messages();
    expect(xs.indexOf("polling lease released")).to.be.greaterThan(-1).and.lessThan(xs.indexOf("stopped"));
    const took = await untilHealth(y, role("active"));
    await answered();
    const handover = took.body.handover as { gapMs: number } | undefined;
    console.log(`      handover gap between processes: ${handover ? `${handover.gapMs} ms` : "not reported yet"}`);
    expect((await y.health()).body.handover)
      .to.have.property("gapMs")
      .that.is.a("number");

    y.kill("SIGTERM");
    expect(await y.exited).to.equal(0);
    const sends = api.calls().filter((c) => c.method.toLowerCase() === "sendmessage");
    expect(sends.map((c) => Number(c.params.chat_id))).to.deep.equal([501, 502, 503]);
  });
});
