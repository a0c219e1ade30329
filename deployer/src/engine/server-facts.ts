/**
 * What provision knows of a server before it changes anything, and what it concludes (pure): the
 * distribution from /etc/os-release, the machine from `provision.sh facts`, then the preflight
 * verdict: supported or refused in one line, the swap a small machine needs, and warnings.
 */
import { formatBytes } from "../format.js";
import { STACK_MEMORY_MB } from "../stack/contract.js";

/** The releases Docker publishes packages for and we test against (docs/DEPLOYMENT.md, "Which servers"). */
export const SUPPORTED_OS = [
  { dist: "debian", version: "11", codename: "bullseye" },
  { dist: "debian", version: "12", codename: "bookworm" },
  { dist: "debian", version: "13", codename: "trixie" },
  { dist: "ubuntu", version: "22.04", codename: "jammy" },
  { dist: "ubuntu", version: "24.04", codename: "noble" },
] as const;
export const SUPPORTED_ARCH = ["amd64", "arm64"] as const;

export type Dist = (typeof SUPPORTED_OS)[number]["dist"];
export interface Distro {
  dist: Dist;
  codename: string;
  /** PRETTY_NAME, for messages. */
  name: string;
}

/** Below this much free disk provision refuses: the images, the database and a backup need it. */
export const MIN_DISK_MB = 2048;
/** Below this it warns. */
export const LOW_DISK_MB = 5120;
/** What the OS and dockerd take besides the stack, for sizing swap. */
const SYSTEM_MB = 512;

const SUPPORTED_TEXT = "Debian 11, 12, 13 and Ubuntu 22.04, 24.04 (" + SUPPORTED_ARCH.join(", ") + ")";

/** os-release's KEY=value lines (values optionally quoted, shell escapes inside double quotes). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!;
    if (/^".*"$/.test(v)) v = v.slice(1, -1).replace(/\\(["$`\\])/g, "$1");
    else if (/^'.*'$/.test(v)) v = v.slice(1, -1);
    out[m[1]!] = v;
  }
  return out;
}

/** The supported distribution this os-release names, or the one-line refusal. */
export function distroOf(os: Record<string, string>): Distro | string {
  const id = os.ID ?? "";
  const version = os.VERSION_ID ?? "";
  const name = os.PRETTY_NAME || [os.NAME, os.VERSION].filter(Boolean).join(" ") || "this system (no /etc/os-release)";
  const found = SUPPORTED_OS.find((s) => s.dist === id && s.version === version);
  if (!found) return `${name} is not supported: provision supports ${SUPPORTED_TEXT}`;
  // A codename that disagrees with the version would give apt a repository that does not exist.
  const codename = os.VERSION_CODENAME || os.UBUNTU_CODENAME || "";
  if (codename !== found.codename)
    return `${name}: os-release says codename ${JSON.stringify(codename)}, expected ${found.codename}; not changing anything`;
  return { dist: found.dist, codename, name };
}

export interface MachineFacts {
  arch: string;
  memKb: number;
  swapKb: number;
  /** Free KiB on the file system of / (Docker's data root and the app dir by default). */
  diskFreeKb: number;
  /** systemd's version, undefined when it is not the init system. */
  systemd?: number;
  cgroup: "v1" | "v2" | "unknown";
  /** systemd-detect-virt --container: "none" on a VM or bare metal. */
  container: string;
}

/** `provision.sh facts` output: key=value lines. */
export function parseFacts(stdout: string): MachineFacts {
  const kv = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const num = (k: string) => {
    const n = Number(kv.get(k));
    return Number.isFinite(n) && kv.get(k) !== "" ? n : 0;
  };
  const systemd = Number(kv.get("systemd"));
  const cgroup = kv.get("cgroup");
  return {
    arch: kv.get("arch") ?? "unknown",
    memKb: num("mem_kb"),
    swapKb: num("swap_kb"),
    diskFreeKb: num("disk_free_kb"),
    ...(kv.get("systemd") && Number.isInteger(systemd) ? { systemd } : {}),
    cgroup: cgroup === "v1" || cgroup === "v2" ? cgroup : "unknown",
    container: kv.get("container") || "none",
  };
}

/** What provision was asked about swap: none, sized by need ("auto"), or a size in MiB. */
export type SwapRequest = "auto" | number | undefined;

export interface Preflight {
  distro?: Distro;
  /** One line: the machine as found. */
  summary: string;
  /** Set when provision must not change anything. */
  refusal?: string;
  warnings: string[];
  /** The swap file to make (MiB), or why none is made. */
  swap: { mb: number } | { skip: string };
}

const mib = (kb: number) => Math.floor(kb / 1024);
const size = (kb: number) => formatBytes(kb * 1024);

/** The swap a machine needs so that RAM + swap covers the stack's limits and the system, in 512 MiB steps. */
export function neededSwapMb(f: MachineFacts): number {
  const short = STACK_MEMORY_MB.limits + SYSTEM_MB - mib(f.memKb) - mib(f.swapKb);
  return short <= 0 ? 0 : Math.max(512, Math.ceil(short / 512) * 512);
}

export function preflight(os: Record<string, string>, f: MachineFacts, swap: SwapRequest): Preflight {
  const d = distroOf(os);
  const distro = typeof d === "string" ? undefined : d;
  const summary = [
    distro?.name ?? (os.PRETTY_NAME || "unknown system"),
    f.arch,
    `RAM ${size(f.memKb)}`,
    `swap ${size(f.swapKb)}`,
    `${size(f.diskFreeKb)} free on /`,
    f.systemd !== undefined ? `systemd ${f.systemd}` : "no systemd",
    `cgroup ${f.cgroup}`,
    ...(f.container !== "none" ? [`container ${f.container}`] : []),
  ].join(", ");
  const refusal =
    typeof d === "string"
      ? d
      : !(SUPPORTED_ARCH as readonly string[]).includes(f.arch)
        ? `${f.arch} is not supported: provision supports ${SUPPORTED_TEXT}`
        : f.systemd === undefined
          ? "systemd is not the init system: the stack's units need it"
          : mib(f.diskFreeKb) < MIN_DISK_MB
            ? `only ${size(f.diskFreeKb)} free on /: the images, the database and its backups need at least ${formatBytes(MIN_DISK_MB * 1024 * 1024)}`
            : undefined;
  const warnings: string[] = [];
  if (!refusal && mib(f.diskFreeKb) < LOW_DISK_MB)
    warnings.push(
      `${size(f.diskFreeKb)} free on /: images and backups grow; ${formatBytes(LOW_DISK_MB * 1024 * 1024)} or more is comfortable`,
    );
  const need = neededSwapMb(f);
  const limits = formatBytes(STACK_MEMORY_MB.limits * 1024 * 1024);
  const low = `RAM ${size(f.memKb)} + swap ${size(f.swapKb)} is less than the stack may use (${limits}) and the system`;
  let plan: Preflight["swap"];
  if (typeof swap === "number") plan = { mb: swap };
  else if (swap === "auto")
    plan = need > 0 ? { mb: need } : { skip: `not needed: RAM ${size(f.memKb)} + swap ${size(f.swapKb)} is enough` };
  else {
    plan = { skip: "not asked" };
    if (need > 0) warnings.push(`${low}: a ${formatBytes(need * 1024 * 1024)} swap file is advised (--swap auto)`);
  }
  return { ...(distro ? { distro } : {}), summary, ...(refusal ? { refusal } : {}), warnings, swap: plan };
}
