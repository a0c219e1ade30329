import { expect } from "chai";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createScheduler, type Scheduler } from "./scheduler.js";
import { count, insertReminders, migratedDatabase, type MigratedDatabase } from "./testing/fixtures.js";
import { ManualClock, passUntil } from "./testing/manual-clock.js";

const ROWS = 300;
const BATCH = 50;
const CONCURRENCY = 8;
const LEASE_MS = 4_000;

/** Records every message a sender delivered: who sent which reminder. */
async function startSink(): Promise<{ url: string; sends: { id: number; by: string }[]; server: Server }> {
  const sends: { id: number; by: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      sends.push(JSON.parse(body) as { id: number; by: string });
      // A little jitter, so several sends are in flight at once as with the real Telegram.
      setTimeout(() => res.end(JSON.stringify({ messageId: sends.length })), Math.random() * 4);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, sends, server };
}

describe("scheduler: the crash window", function () {
  this.timeout(60_000);
  let m: MigratedDatabase;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let survivor: Scheduler | undefined;

  before(async () => {
    m = await migratedDatabase("crash");
    sink = await startSink();
  });
  after(async () => {
    await survivor?.stop({ graceMs: 2_000 });
    await new Promise((r) => sink.server.close(r));
    await m.close();
  });

  it("a process killed right after a send resolves re-sends exactly its unrecorded in-flight sends, never more than the batch", async () => {
    await insertReminders(
      m.ds,
      Array.from({ length: ROWS }, (_, i) => ({ chatId: 5000 + i, dueAt: new Date(Date.now() - 10_000 + i) })),
    );
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "testing", "crash-child.ts")], {
      env: {
        ...process.env,
        DATABASE_URL: m.db.url,
        SINK_URL: sink.url,
        KILL_AT: "100",
        BATCH: String(BATCH),
        CONCURRENCY: String(CONCURRENCY),
        LEASE_MS: String(LEASE_MS),
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const killed = setTimeout(() => child.kill("SIGKILL"), 30_000); // bounded even if it never reaches KILL_AT
    const signal = await new Promise<NodeJS.Signals | null>((r) => child.on("exit", (_code, s) => r(s)));
    clearTimeout(killed);
    expect(signal, stderr).to.equal("SIGKILL");

    const childSends = sink.sends.filter((s) => s.by === "doomed").map((s) => s.id);
    const sentByChild = new Set(childSends);
    expect(sentByChild.size, "the doomed process sent nothing twice").to.equal(childSends.length);
    const recorded = new Set(
      ((await m.ds.query(`SELECT reminder_id FROM deliveries`)) as { reminder_id: string }[]).map((r) =>
        Number(r.reminder_id),
      ),
    );
    const unrecorded = [...sentByChild].filter((id) => !recorded.has(id)).sort((a, b) => a - b);
    // Telegram may have received a few more than the process saw answered: those in flight with it.
    expect(sentByChild.size).to.be.within(100, 100 + CONCURRENCY - 1);
    // Sent and not recorded: those in flight plus those answered while the last mark was running.
    expect(unrecorded.length, "at least the send it died after").to.be.at.least(1);
    expect(unrecorded.length, "never more than one batch").to.be.at.most(BATCH);

    // The survivor's clock starts where the doomed process's leases have all run out (rather than
    // waiting for them in real time).
    const clock = new ManualClock(Date.now() + LEASE_MS + 1);
    survivor = createScheduler({
      dataSource: await m.connect(),
      instanceId: "survivor",
      batchSize: BATCH,
      concurrency: CONCURRENCY,
      leaseMs: 10_000,
      safetyPollMs: 60_000,
      clock,
      send: async (r) => {
        const res = await fetch(sink.url, { method: "POST", body: JSON.stringify({ id: r.id, by: "survivor" }) });
        return { ok: true, messageId: ((await res.json()) as { messageId: number }).messageId };
      },
    });
    await survivor.start();
    expect(
      await passUntil(clock, async () => (await count(m.ds, `SELECT 1 FROM deliveries`)) === ROWS, 20_000),
    ).to.equal(true);

    const resent = sink.sends
      .filter((s) => s.by === "survivor" && sentByChild.has(s.id))
      .map((s) => s.id)
      .sort((a, b) => a - b);
    expect(resent, "re-sent: exactly those sent and not recorded when the process died").to.deep.equal(unrecorded);
    expect(sink.sends.length).to.equal(ROWS + unrecorded.length);
    expect(new Set(sink.sends.map((s) => s.id)).size, "every reminder reached the chat").to.equal(ROWS);
    expect(await count(m.ds, `SELECT 1 FROM reminders WHERE status = 'done'`)).to.equal(ROWS);
  });
});
