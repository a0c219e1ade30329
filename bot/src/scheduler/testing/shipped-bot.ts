/**
 * The bot as shipped, for the capacity bench: the production image (tools/sandbox/src/bot-image.ts)
 * run as a container with the compose file's limits for the bot, on the host's network so it
 * reaches the bench's PostgreSQL and fake Bot API on 127.0.0.1, and measured from the host: its
 * node process's RSS and CPU from /proc, the container's memory from its cgroup (v1 or v2).
 */
import { readFileSync } from "node:fs";
import { botLimits, ensureBotImage, type ServiceLimits } from "../../../../tools/sandbox/src/bot-image.js";
import { docker, dockerOk } from "../../../../tools/sandbox/src/docker.js";
import { procStat } from "./proc-stat.js";

export interface ShippedBotEnv {
  BOT_TOKEN: string;
  DATABASE_URL: string;
  TELEGRAM_API_ROOT: string;
  HEALTH_PORT: string;
}

export interface ShippedBot {
  image: string;
  limits: ServiceLimits;
  /**
   * The node process's RSS now and its peak so far (VmRSS, VmHWM), and now its anonymous part (the
   * heap and the like) and its file-backed part (node's binary and libraries, shared), bytes.
   */
  rss(): { now: number; peak: number; anon: number; file: number };
  /** The container's memory cgroup now and its peak (v2 memory.current/peak, v1 usage/max_usage: page cache included). */
  cgroup(): { now: number; peak: number } | undefined;
  /** CPU seconds (user + system) of the node process. */
  cpuSeconds(): number;
  /** docker stop (SIGTERM, the bot's own shutdown), then removal. */
  stop(): Promise<void>;
}

function status(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${field}:`));
  return Number(/(\d+)\s*kB/.exec(line ?? "")?.[1] ?? NaN) * 1024;
}

/** The memory cgroup's directory of `pid`, from /proc/PID/cgroup (v2: "0::/path"; v1: "N:memory:/path"). */
function cgroupReader(pid: number): ShippedBot["cgroup"] {
  const lines = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n");
  const v1 = lines.find((l) => /^\d+:[^:]*\bmemory\b[^:]*:/.test(l));
  const v2 = lines.find((l) => l.startsWith("0::"));
  const [dir, now, peak] = v1
    ? [`/sys/fs/cgroup/memory${v1.split(":")[2]}`, "memory.usage_in_bytes", "memory.max_usage_in_bytes"]
    : [`/sys/fs/cgroup${v2?.slice(3) ?? ""}`, "memory.current", "memory.peak"];
  const read = (f: string) => Number(readFileSync(`${dir}/${f}`, "utf8").trim());
  return () => {
    try {
      return { now: read(now), peak: read(peak) };
    } catch {
      return undefined; // not visible from here (another cgroup namespace)
    }
  };
}

/** The container's node process: its init's child (the image runs under `init: true`), or init itself. */
function nodePid(initPid: number): number {
  const children = readFileSync(`/proc/${initPid}/task/${initPid}/children`, "utf8")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  for (const pid of [initPid, ...children.map(Number)]) {
    if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "node") return pid;
  }
  throw new Error(`no node process in the container (init ${initPid}, children ${children.join(" ") || "none"})`);
}

async function waitActive(container: string, healthPort: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await fetch(`http://127.0.0.1:${healthPort}/health`)
      .then((r) => r.json() as Promise<{ role?: string }>)
      .catch(() => undefined);
    if (body?.role === "active") return;
    const running = (await docker(["inspect", "-f", "{{.State.Running}}", container])).stdout.trim();
    if (running !== "true" || Date.now() > deadline) {
      const logs = await docker(["logs", "--tail", "5", container]);
      throw new Error(
        `the shipped bot did not become active (${running === "true" ? "timeout" : "exited"}): ${(logs.stdout + logs.stderr).trim()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Builds the image if its content changed, starts the bot with the production limits and waits
 * until it holds the polling lease (its scheduler runs then). Values of `env` reach docker through
 * its environment (`-e NAME`), never its command line.
 */
export async function startShippedBot(env: ShippedBotEnv, log: (line: string) => void): Promise<ShippedBot> {
  const image = await ensureBotImage(log);
  const limits = botLimits();
  const name = `remindbot-capacity-bench-${process.pid}`;
  // As compose runs the service (init, read-only root, a small /tmp, no new privileges), limits included.
  const args = [
    "run",
    "-d",
    "--name",
    name,
    "--network",
    "host",
    "--memory",
    limits.memory,
    "--cpus",
    limits.cpus,
    "--init",
    "--read-only",
    "--tmpfs",
    "/tmp:size=64m,mode=1777",
    "--security-opt",
    "no-new-privileges:true",
    ...Object.keys(env).flatMap((k) => ["-e", k]),
    image,
  ];
  await dockerOk(args, "starting the shipped bot", { env: { ...process.env, ...env } });
  const stop = async () => {
    await docker(["stop", "-t", "30", name], { timeoutMs: 60_000 });
    await docker(["rm", "-f", name]);
  };
  try {
    await waitActive(name, env.HEALTH_PORT, 120_000);
    const init = Number((await dockerOk(["inspect", "-f", "{{.State.Pid}}", name], "inspecting the bot")).trim());
    const pid = nodePid(init);
    return {
      image,
      limits,
      rss: () => ({
        now: status(pid, "VmRSS"),
        peak: status(pid, "VmHWM"),
        anon: status(pid, "RssAnon"),
        file: status(pid, "RssFile"),
      }),
      cgroup: cgroupReader(pid),
      cpuSeconds: () => procStat(pid)?.cpu ?? NaN,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
