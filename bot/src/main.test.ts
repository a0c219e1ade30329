/** The bot as a process (tsx main.ts) against the fake Bot API and a fresh database. */
import { expect } from "chai";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freeLoopbackPort, freshDatabase } from "../../test/support/postgres.js";
import type { TestDatabase } from "../../test/support/postgres.js";
import { startFakeBotApi } from "@remindbot/fake-telegram";
import type { FakeBotApi } from "@remindbot/fake-telegram";
import { message } from "@remindbot/fake-telegram";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const HEALTHCHECK = fileURLToPath(new URL("./healthcheck.ts", import.meta.url));

function start(file: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ["--import", "tsx", file], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => ({ out, err }) };
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>(
    (_, rej) => (timer = setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms)),
  );
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

describe("main: the bot process", function () {
  this.timeout(60_000);
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it("exits 1 naming a missing or bad key, never printing a secret", async () => {
    const p = start(MAIN, { DATABASE_URL: "postgres://u:sup3rsecret@127.0.0.1:1/d" });
    child = p.child;
    expect(await within(p.exited, 20_000, "exit")).to.equal(1);
    expect(p.output().err.trim()).to.equal("config: BOT_TOKEN is missing");
    const q = start(MAIN, {
      BOT_TOKEN: "123:test",
      DATABASE_URL: "postgres://u:sup3rsecret@127.0.0.1:1/d",
      HEALTH_PORT: "x",
    });
    child = q.child;
    expect(await within(q.exited, 20_000, "exit")).to.equal(1);
    expect(q.output().err).to.contain("HEALTH_PORT").and.not.contain("sup3rsecret");
  });

  it("exits 1 with one line when Telegram refuses the token", async () => {
    const api = await startFakeBotApi({ tokens: ["999:right"] });
    const db = await freshDatabase("main");
    try {
      const p = start(MAIN, {
        BOT_TOKEN: "123:wrong",
        DATABASE_URL: db.url,
        TELEGRAM_API_ROOT: api.url,
        HEALTH_PORT: String(await freeLoopbackPort()),
      });
      child = p.child;
      expect(await within(p.exited, 30_000, "exit")).to.equal(1);
      expect(p.output().err.trim().split("\n")).to.have.length(1);
      expect(p.output().err)
        .to.match(/startup: telegram/)
        .and.not.contain("123:wrong");
    } finally {
      await api.stop();
      await db.drop();
    }
  });

  describe("running", () => {
    let api: FakeBotApi;
    let db: TestDatabase;
    before(async () => {
      api = await startFakeBotApi({ tokens: ["123:test"] });
      db = await freshDatabase("main");
    });
    after(async () => {
      await api.stop();
      await db.drop();
    });

    it("starts, answers a user, is healthy (healthcheck.ts exits 0), and exits 0 on SIGTERM", async () => {
      const port = await freeLoopbackPort();
      const env = {
        BOT_TOKEN: "123:test",
        DATABASE_URL: db.url,
        TELEGRAM_API_ROOT: api.url,
        HEALTH_PORT: String(port),
        LOG_LEVEL: "debug",
        NODE_ENV: "production",
      };
      const p = start(MAIN, env);
      child = p.child;
      // Startup under tsx is slow on a busy machine; the update waits in the fake until the bot polls.
      const [update] = api.pushUpdate(message(3001, "/help", { languageCode: "ru" }));
      const reply = await api.waitForMessage(3001, 40_000);
      expect(String(reply.params.text)).to.contain("Как создать напоминание");

      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(status).to.equal(200);
      const hc = start(HEALTHCHECK, { HEALTH_PORT: String(port) });
      expect(await within(hc.exited, 20_000, "healthcheck")).to.equal(0);

      p.child.kill("SIGTERM");
      expect(await within(p.exited, 20_000, "exit after SIGTERM")).to.equal(0);
      const { out } = p.output();
      const lines = out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.some((l) => l.message === "update handled" && l.updateId === update!.update_id)).to.equal(true);
      expect(lines.at(-1)?.message).to.equal("stopped");
      expect(out).to.not.contain("123:test");

      const down = start(HEALTHCHECK, { HEALTH_PORT: String(port) });
      expect(await within(down.exited, 20_000, "healthcheck")).to.equal(1);
    });
  });
});
