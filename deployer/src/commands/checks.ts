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
