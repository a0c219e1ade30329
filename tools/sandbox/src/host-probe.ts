/** Probes what the host's Docker engine allows: cgroup version and dockerd's capabilities. */
import { readdirSync, readFileSync, readlinkSync, statfsSync } from "node:fs";
import type { HostProfile } from "./docker-args.js";
import { missingCapabilities } from "./docker-args.js";

const CGROUP2_SUPER_MAGIC = 0x63677270;

export function cgroupVersion(): "v1" | "v2" {
  return statfsSync("/sys/fs/cgroup").type === CGROUP2_SUPER_MAGIC ? "v2" : "v1";
}

/** The pid of the host's dockerd: in our pid namespace (not the ones running inside VDS containers). */
function hostDockerdPid(): number | undefined {
  const self = readlinkSync("/proc/self/ns/pid");
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== "dockerd") continue;
      if (readlinkSync(`/proc/${entry}/ns/pid`) === self) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/**
 * Capabilities dockerd lacks. Unknown (a remote engine, no /proc access) counts as none missing:
 * --privileged is then tried, as on any ordinary machine.
 */
function dockerdMissingCaps(): string[] {
  const pid = hostDockerdPid();
  if (pid === undefined) return [];
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const capBnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    const lastCap = Number(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8"));
    return capBnd ? missingCapabilities(capBnd, lastCap) : [];
  } catch {
    return [];
  }
}

export function probeHost(): HostProfile {
  return { cgroup: cgroupVersion(), missingCaps: dockerdMissingCaps() };
}
