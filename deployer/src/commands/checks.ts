/** What the server must have before a deploy: docker, compose v2, systemd, disk, write access. */
import type { Argv } from "../ssh/types.js";
import type { Layout } from "./layout.js";
import { scriptCall, type ScriptCall } from "./script.js";

export interface Check {
  id: string;
  what: string;
  command: Argv | ScriptCall;
  /** The one-line error when the command fails. */
  failure: string;
}

export const dockerVersion = (): Argv => ["docker", "version", "--format", "{{.Server.Version}}"];
export const composeVersion = (): Argv => ["docker", "compose", "version", "--short"];
export const systemdVersion = (): Argv => ["systemctl", "--version"];
/**
 * POSIX df in 1K blocks for the app dir's filesystem and Docker's data root (images, build cache,
 * the database volume), which is often another disk: a line for each (remote/bin/checks.sh).
 */
export const diskFree = (dir: string): ScriptCall => scriptCall("remote/bin/checks.sh", "disk-free", dir);

/** The clock's state (remote/bin/checks.sh clock): the one place it is read, by status and deploys. */
export const clockState = (): ScriptCall => scriptCall("remote/bin/checks.sh", "clock");

export interface ClockState {
  source: "chrony" | "timesyncd" | "ntp" | "none";
  active: boolean;
  /** undefined: timedatectl could not tell. */
  synchronized?: boolean;
  offsetMs?: number;
}

/** checks.sh clock's key=value lines; undefined when they are not there. */
export function parseClock(stdout: string): ClockState | undefined {
  const kv = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const m = /^([a-z_]+)=(.*)$/.exec(line.trim());
    if (m) kv.set(m[1]!, m[2]!);
  }
  const source = kv.get("source");
  if (source !== "chrony" && source !== "timesyncd" && source !== "ntp" && source !== "none") return undefined;
  const synced = kv.get("synchronized");
  const offset = kv.get("offset_ms") ?? "";
  return {
    source,
    active: kv.get("active") === "yes",
    ...(synced === "yes" ? { synchronized: true } : synced === "no" ? { synchronized: false } : {}),
    ...(/^-?\d+(\.\d+)?$/.test(offset) ? { offsetMs: Number(offset) } : {}),
  };
}

/** "synchronised (timesyncd, offset +1.2 ms)", "NOT synchronised (no time service)"... */
export function describeClock(c: ClockState): string {
  const service = c.source === "none" ? "no time service" : `${c.source}${c.active ? "" : ", not running"}`;
  const offset = c.offsetMs !== undefined ? `, offset ${c.offsetMs >= 0 ? "+" : ""}${c.offsetMs.toFixed(1)} ms` : "";
  const state = c.synchronized === true ? "synchronised" : c.synchronized === false ? "NOT synchronised" : "unknown";
  return `${state} (${service}${offset})`;
}

/** The deploy's warning when the clock is not known to be synchronised, else undefined. */
export function clockWarning(c: ClockState | undefined): string | undefined {
  if (c?.synchronized === true) return undefined;
  const what = c ? describeClock(c) : "its state could not be read";
  return `the server's clock: ${what}; reminders are only as punctual as this clock (provision turns time synchronisation on)`;
}

export function remoteChecks(l: Layout): Check[] {
  return [
    {
      id: "docker",
      what: "Docker engine",
      command: dockerVersion(),
      failure: "Docker is not installed or not reachable for this user (in the docker group?)",
    },
    {
      id: "compose",
      what: "Compose v2",
      command: composeVersion(),
      failure: "the Docker Compose v2 plugin (`docker compose`) is missing",
    },
    { id: "systemd", what: "systemd", command: systemdVersion(), failure: "systemd is missing (systemctl not found)" },
    {
      id: "write",
      what: "write access",
      command: ["test", "-w", l.appDir],
      failure: `${l.appDir} is missing or not writable by this user (run provision)`,
    },
    {
      id: "disk",
      what: "free disk",
      command: diskFree(l.appDir),
      failure: `cannot read the free space of ${l.appDir}`,
    },
    // Never fails a deploy: an unsynchronised clock is a warning.
    { id: "clock", what: "clock", command: clockState(), failure: "cannot read the clock's state" },
  ];
}

export interface DfLine {
  mountedOn: string;
  availKb: number;
}

/** The fullest filesystem of `df -Pk` output (the least available KiB), if any line parses. */
export function fullestFs(stdout: string): DfLine | undefined {
  let fullest: DfLine | undefined;
  for (const line of stdout.trim().split("\n").slice(1)) {
    const f = line.split(/\s+/);
    const availKb = Number(f[3]);
    if (f.length < 6 || !Number.isFinite(availKb)) continue;
    if (!fullest || availKb < fullest.availKb) fullest = { mountedOn: f.slice(5).join(" "), availKb };
  }
  return fullest;
}

/** Available KiB of the fullest filesystem in `df -Pk` output. */
export const parseDfKb = (stdout: string): number | undefined => fullestFs(stdout)?.availKb;

/** The refusal when the fullest filesystem has less than `minFreeMb` MiB free, else undefined. */
export function lowDisk(stdout: string, minFreeMb: number): string | undefined {
  const fs = fullestFs(stdout);
  const kb = fs?.availKb ?? 0;
  if (kb >= minFreeMb * 1024) return undefined;
  const where = fs ? ` on ${fs.mountedOn}` : "";
  return `only ${Math.floor(kb / 1024)} MiB free${where} on the server (need ${minFreeMb} MiB): see docs/DEPLOYMENT.md, "Low disk"`;
}

export function composeIsV2(versionOut: string): boolean {
  const m = /v?(\d+)\./.exec(versionOut.trim());
  return m !== null && Number(m[1]) >= 2;
}
