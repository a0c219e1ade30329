/** The health gate: wait for Docker's health status of the bot container to be `healthy`. */
import * as compose from "../commands/compose.js";
import * as docker from "../commands/docker.js";
import { exec, sleep, type EngineContext } from "./context.js";

interface DockerState {
  Status?: string;
  Running?: boolean;
  StartedAt?: string;
  Health?: { Status?: string; Log?: Array<{ Start?: string; ExitCode?: number; Output?: string }> };
}

export interface HealthResult {
  ok: boolean;
  reason: string;
  healthyAt?: number;
}

export async function waitHealthy(
  ctx: EngineContext,
  stepId: string,
  releaseDir: string,
  timeoutSec: number,
  signal?: AbortSignal,
  pollMs = 500,
): Promise<HealthResult> {
  const now = ctx.now ?? Date.now;
  const deadline = now() + timeoutSec * 1000;
  const seen = new Set<string>();
  let last = "no bot container yet";
  // Found once with `compose ps` (~0.5 s), then only `docker inspect` (~0.1 s): a restart keeps the id.
  let id: string | undefined;
  // While Docker says "starting", the gate also asks the bot's /health itself (from the server, over
  // the bridge network, ~30 ms): Docker runs its first check only `interval` (5 s) after the start,
  // and a bot that is healthy sooner need not wait for it. A failure here decides nothing; Docker's does.
  let address: { ip: string; port: number } | null | undefined;
  while (now() < deadline) {
    if (signal?.aborted) return { ok: false, reason: "interrupted while waiting for health" };
    if (!id) {
      const ps = await exec(ctx, stepId, compose.compose(releaseDir, "ps", "-q", "bot"), {
        quiet: true,
        timeoutMs: 30_000,
      });
      id = ps.stdout
        .split("\n")
        .map((s) => s.trim())
        .find((s) => /^[0-9a-f]{12,64}$/.test(s));
    }
    if (id) {
      const r = await exec(ctx, stepId, docker.inspectHealth(id), { quiet: true, timeoutMs: 30_000 });
      if (r.code !== 0) id = undefined; // removed meanwhile: look it up again
      let st: DockerState = {};
      try {
        st = JSON.parse(r.stdout.trim()) as DockerState;
      } catch {
        st = {};
      }
      for (const entry of st.Health?.Log ?? []) {
        const key = `${entry.Start}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const out = (entry.Output ?? "").trim().split("\n").filter(Boolean).at(-1) ?? "";
        ctx.sink({
          type: "output",
          at: now(),
          stepId,
          stream: "stdout",
          line: `health check: exit ${entry.ExitCode ?? "?"}${out ? ` ${out}` : ""}`,
        });
      }
      const health = st.Health?.Status;
      last = `container ${st.Status ?? "unknown"}${health ? `, health ${health}` : ""}`;
      if (health === "healthy") return { ok: true, reason: "healthy", healthyAt: now() };
      if (health === "unhealthy") return { ok: false, reason: `the bot is unhealthy (${last})` };
      if (!st.Health && st.Running) return { ok: true, reason: "running (no health check defined)", healthyAt: now() };
      if (id && health === "starting" && st.Running) {
        address ??= await containerAddress(ctx, stepId, id);
        if (address) {
          const g = await exec(ctx, stepId, docker.getHealth(address.ip, address.port), {
            quiet: true,
            timeoutMs: 10_000,
          }).catch(() => undefined);
          if (g?.code === 0 && /^HTTP\/1\.[01] 200/.test(g.stdout.trim())) {
            ctx.sink({ type: "output", at: now(), stepId, stream: "stdout", line: `GET /health: ${g.stdout.trim()}` });
            return { ok: true, reason: "healthy (/health answered 200)", healthyAt: now() };
          }
        }
      }
    }
    await sleep(pollMs, signal);
  }
  return { ok: false, reason: `the bot was not healthy within ${timeoutSec} s (${last})` };
}

/** The bot container's first IP and its HEALTH_PORT (default 8080), or null when it has none. */
async function containerAddress(
  ctx: EngineContext,
  stepId: string,
  id: string,
): Promise<{ ip: string; port: number } | null> {
  const r = await exec(ctx, stepId, docker.inspectAddress(id), { quiet: true, timeoutMs: 30_000 });
  const [envJson = "", ips = ""] = r.stdout.trim().split("\t");
  let env: string[] = [];
  try {
    env = (JSON.parse(envJson) as string[] | null) ?? [];
  } catch {
    return null;
  }
  const port = Number(env.find((e) => e.startsWith("HEALTH_PORT="))?.slice("HEALTH_PORT=".length) ?? 8080);
  const ip = ips.split(" ").find((x) => /^[0-9.]+$/.test(x));
  return r.code === 0 && ip && Number.isInteger(port) ? { ip, port } : null;
}
