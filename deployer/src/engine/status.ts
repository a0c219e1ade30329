/** `status`: what runs on the server now, gathered in one round of parallel questions. */
import * as backupCmd from "../commands/backup.js";
import * as checks from "../commands/checks.js";
import * as docker from "../commands/docker.js";
import type { Layout } from "../commands/layout.js";
import * as lockCmd from "../commands/lock.js";
import { APP } from "../stack/contract.js";
import * as systemd from "../commands/systemd.js";
import * as watch from "../commands/watch.js";
import { formatBytes } from "../format.js";
import type { Remote } from "../ssh/types.js";
import type { ContainerStatus, ServerStatus } from "./api.js";
import { ask, probe } from "./probe.js";

interface Inspected {
  Id: string;
  RestartCount?: number;
  Config?: { Image?: string; Labels?: Record<string, string> };
  State?: { Status?: string; StartedAt?: string; Running?: boolean; Health?: { Status?: string } };
}

/** One container as the status screen shows it (pure). */
export function containerStatus(
  c: Inspected,
  m: { mem: string; cpu: string } | undefined,
  now: number,
): ContainerStatus {
  const started = Date.parse(c.State?.StartedAt ?? "");
  const service = c.Config?.Labels?.["com.docker.compose.service"] ?? c.Id.slice(0, 12);
  const image = c.Config?.Image ?? "";
  const tag = service === "bot" && image.startsWith(`${APP}-bot:`) ? image.slice(`${APP}-bot:`.length) : undefined;
  return {
    service: tag ? `${service} (${tag})` : service,
    state: c.State?.Status ?? "unknown",
    health: c.State?.Health?.Status ?? "none",
    uptime: c.State?.Running && Number.isFinite(started) ? lockCmd.formatAge(now - started) : "-",
    restarts: c.RestartCount ?? 0,
    cpu: m?.cpu ?? "-",
    memory: m?.mem ?? "-",
  };
}

export async function readStatus(remote: Remote, l: Layout, now: () => number): Promise<ServerStatus> {
  const [state, ps, stats, df, timers, backups, clk, report, recovery] = await Promise.all([
    probe(remote, l),
    ask(remote, ["docker", "ps", "-aq", "--filter", `label=com.docker.compose.project=${APP}`]),
    ask(remote, docker.stats()),
    ask(remote, checks.diskFree(l.appDir)),
    ask(remote, systemd.listTimers()),
    ask(remote, backupCmd.list(l)),
    ask(remote, checks.clockState()),
    ask(remote, watch.readReport(l)),
    ask(remote, backupCmd.readRecoveryState(l)),
  ]);
  const recorded = backupCmd.parseRecoveryState(recovery.stdout);
  const offsite = recorded.get("offsite");
  const drill = recorded.get("drill");
  const ids = ps.stdout
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => /^[0-9a-f]{12,64}$/.test(s));
  const containers: ContainerStatus[] = [];
  if (ids.length > 0) {
    const ins = await ask(remote, ["docker", "inspect", "--format", "{{json .}}", ...ids]);
    const memById = new Map<string, { mem: string; cpu: string }>();
    for (const line of stats.stdout.split("\n")) {
      try {
        const s = JSON.parse(line) as { ID?: string; MemUsage?: string; CPUPerc?: string };
        if (s.ID) memById.set(s.ID.slice(0, 12), { mem: s.MemUsage ?? "", cpu: s.CPUPerc ?? "" });
      } catch {
        continue;
      }
    }
    for (const line of ins.stdout.split("\n")) {
      try {
        const c = JSON.parse(line) as Inspected;
        if (c.Config?.Labels?.["com.docker.compose.oneoff"] === "True") continue;
        containers.push(containerStatus(c, memById.get(c.Id.slice(0, 12)), now()));
      } catch {
        continue;
      }
    }
  }
  const kb = checks.parseDfKb(df.stdout);
  const next = timers.code === 0 ? systemd.parseNextTimer(timers.stdout) : undefined;
  const watched = report.code === 0 ? watch.parseReport(report.stdout) : undefined;
  const newest = backups.code === 0 ? backupCmd.parseList(backups.stdout)[0] : undefined;
  const clock = clk.code === 0 ? checks.parseClock(clk.stdout) : undefined;
  // The release that runs is the bot's image; `current` may differ after an interrupted deploy.
  const running = state.bots.filter((b) => b.running).map((b) => b.tag);
  const mismatch = state.currentTag && running.length > 0 && !running.every((t) => t === state.currentTag);
  return {
    ...(state.currentTag ? { currentRelease: state.currentTag } : {}),
    ...(mismatch
      ? {
          warning: `current is ${state.currentTag}, but the bot runs ${running.join(", ")}: a deploy was interrupted; deploy again (or roll back) to settle it`,
        }
      : {}),
    containers: containers.sort((a, b) => a.service.localeCompare(b.service)),
    diskFree: kb === undefined ? "unknown" : formatBytes(kb * 1024),
    ...(newest ? { lastBackup: `${newest.name} (${newest.createdAt})` } : {}),
    ...(next ? { nextBackup: next } : {}),
    ...(clock ? { clock: { synchronized: clock.synchronized === true, text: checks.describeClock(clock) } } : {}),
    ...(watched ? { watch: watched } : {}),
    ...(offsite ? { offsite: backupCmd.describeRecord(offsite) } : {}),
    ...(drill ? { lastDrill: backupCmd.describeRecord(drill) } : {}),
    ...(state.lock
      ? {
          lock: {
            by: state.lock.by,
            at: state.lock.at,
            action: state.lock.action,
            ...(state.lock.tag ? { tag: state.lock.tag } : {}),
          },
        }
      : {}),
  };
}
