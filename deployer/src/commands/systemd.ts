/** systemd: units from remote/ installed under /etc/systemd/system only when they differ. */
import type { Argv } from "../ssh/types.js";
import type { Arg } from "./late.js";
import { UNITS } from "../stack/contract.js";
import { scriptCall, type ScriptCall } from "./script.js";

export const UNIT_DIR = "/etc/systemd/system";

const unitName = (name: string): string => {
  if (!/^[A-Za-z0-9@._-]+\.(service|timer)$/.test(name)) throw new Error(`not a unit name: ${JSON.stringify(name)}`);
  return name;
};

export const unitPath = (name: string): string => `${UNIT_DIR}/${unitName(name)}`;

/** sha256 of each installed unit ("-" when missing): "<hex>  <path>" lines (remote/bin/units.sh). */
export const checksums = (names: string[]): ScriptCall =>
  scriptCall("remote/bin/units.sh", "checksums", ...names.map(unitPath));

export function parseChecksums(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const m = /^(\S+)\s+(\S+)$/.exec(line.trim());
    if (m?.[1] && m[2]) out.set(m[2].slice(m[2].lastIndexOf("/") + 1), m[1]);
  }
  return out;
}

/** Optional prefix for a deploy user with a sudoers rule; root runs without it. */
export type Sudo = readonly string[];

export const daemonReload = (sudo: Sudo = []): Argv => [...sudo, "systemctl", "daemon-reload"];
export const enable = (names: string[], sudo: Sudo = []): Argv => [
  ...sudo,
  "systemctl",
  "enable",
  ...names.map(unitName),
];
export const enableNow = (names: string[], sudo: Sudo = []): Argv => [
  ...sudo,
  "systemctl",
  "enable",
  "--now",
  ...names.map(unitName),
];

/** Moves an uploaded temp file over the unit (same filesystem: atomic), 0644 root. */
export const installFrom = (tmp: Arg, name: string, sudo: Sudo = []): readonly Arg[] => [
  ...sudo,
  "install",
  "-m",
  "0644",
  "-o",
  "root",
  "-g",
  "root",
  "-T",
  "--",
  tmp,
  unitPath(name),
];

export const listTimers = (): Argv => ["systemctl", "list-timers", "--all", "--output=json", UNITS.backupTimer];

/** `systemctl list-timers --output=json` -> the next elapse of our timer, as ISO text. */
export function parseNextTimer(stdout: string): string | undefined {
  try {
    const v = JSON.parse(stdout) as Array<{ next?: number | null; unit?: string }>;
    const t = v.find((x) => x.unit === UNITS.backupTimer) ?? v[0];
    if (!t || typeof t.next !== "number" || t.next <= 0) return undefined;
    // systemd gives microseconds since the epoch.
    return new Date(Math.floor(t.next / 1000)).toISOString();
  } catch {
    return undefined;
  }
}
