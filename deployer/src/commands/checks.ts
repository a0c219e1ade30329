/** What the server must have before a deploy: docker, compose v2, systemd, disk, write access. */
import type { Argv } from "../ssh/types.js";
import type { Layout } from "./layout.js";

export interface Check {
  id: string;
  what: string;
  argv: Argv;
  /** The one-line error when the command fails. */
  failure: string;
}

export const dockerVersion = (): Argv => ["docker", "version", "--format", "{{.Server.Version}}"];
export const composeVersion = (): Argv => ["docker", "compose", "version", "--short"];
export const systemdVersion = (): Argv => ["systemctl", "--version"];
/** POSIX df in 1K blocks, for the app dir's filesystem. */
export const diskFree = (dir: string): Argv => ["df", "-Pk", "--", dir];

export function remoteChecks(l: Layout): Check[] {
  return [
    {
      id: "docker",
      what: "Docker engine",
      argv: dockerVersion(),
      failure: "Docker is not installed or not reachable for this user (in the docker group?)",
    },
    {
      id: "compose",
      what: "Compose v2",
      argv: composeVersion(),
      failure: "the Docker Compose v2 plugin (`docker compose`) is missing",
    },
    { id: "systemd", what: "systemd", argv: systemdVersion(), failure: "systemd is missing (systemctl not found)" },
    {
      id: "write",
      what: "write access",
      argv: ["test", "-w", l.appDir],
      failure: `${l.appDir} is missing or not writable by this user (run provision)`,
    },
    { id: "disk", what: "free disk", argv: diskFree(l.appDir), failure: `cannot read the free space of ${l.appDir}` },
  ];
}

/** Available KiB from `df -Pk` output. */
export function parseDfKb(stdout: string): number | undefined {
  const line = stdout.trim().split("\n")[1];
  const n = Number(line?.split(/\s+/)[3]);
  return Number.isFinite(n) ? n : undefined;
}

export function composeIsV2(versionOut: string): boolean {
  const m = /v?(\d+)\./.exec(versionOut.trim());
  return m !== null && Number(m[1]) >= 2;
}
