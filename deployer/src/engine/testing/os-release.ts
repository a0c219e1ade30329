/** The os-release fixtures (real files, see os-release/README.md) and machines for provision's tests. */
import { readFileSync } from "node:fs";
import type { MachineFacts } from "../server-facts.js";

export const SUPPORTED_FIXTURES = ["debian-11", "debian-12", "debian-13", "ubuntu-22.04", "ubuntu-24.04"] as const;
export const REFUSED_FIXTURES = ["debian-10", "ubuntu-20.04", "rocky-9", "alpine-3.23"] as const;

export function osReleaseFixture(name: string): string {
  return readFileSync(new URL(`./os-release/${name}`, import.meta.url), "utf8");
}

export const DEBIAN_12 = osReleaseFixture("debian-12");

/** A comfortable VDS: 4 GiB, no swap, 40 GiB free, systemd 252, cgroup v2. */
export const BIG_MACHINE: MachineFacts = {
  arch: "amd64",
  memKb: 4 * 1024 * 1024,
  swapKb: 0,
  diskFreeKb: 40 * 1024 * 1024,
  systemd: 252,
  cgroup: "v2",
  container: "none",
};

/** The usual cheap offer: "1 GB" (the kernel reports about 960 MiB), no swap, 15 GiB free. */
export const SMALL_MACHINE: MachineFacts = { ...BIG_MACHINE, memKb: 983_040, diskFreeKb: 15 * 1024 * 1024 };
