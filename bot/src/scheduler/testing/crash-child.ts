/**
 * A scheduler process that dies (SIGKILL, no clean-up) right after its KILL_AT-th send resolved,
 * before the scheduler could record it: the crash window, made to happen on purpose.
 * Env: DATABASE_URL, SINK_URL (an HTTP endpoint that records each send), KILL_AT, BATCH, CONCURRENCY, LEASE_MS.
 */
import { createDataSource } from "../../db/data-source.js";
import { createScheduler } from "../scheduler.js";

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`crash-child: ${name} is not set`);
  return v;
};

const killAt = Number(env("KILL_AT"));
const sink = env("SINK_URL");
const ds = await createDataSource({ url: env("DATABASE_URL"), poolSize: 4 }).initialize();
let sent = 0;
const scheduler = createScheduler({
  dataSource: ds,
  instanceId: "doomed",
  batchSize: Number(env("BATCH")),
  concurrency: Number(env("CONCURRENCY")),
  leaseMs: Number(env("LEASE_MS")),
  send: async (r) => {
    const res = await fetch(sink, { method: "POST", body: JSON.stringify({ id: r.id, by: "doomed" }) });
    const { messageId } = (await res.json()) as { messageId: number };
    if (++sent === killAt) process.kill(process.pid, "SIGKILL");
    return { ok: true, messageId };
  },
});
await scheduler.start();
