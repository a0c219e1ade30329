/**
 * Argument builders for the docker commands that create the sandbox's containers (pure: tests assert
 * on them; docker.ts runs them).
 */
import type { VdsNames } from "./names.js";
import { NETWORK, OWNER_LABEL, TELEGRAM } from "./names.js";

export type CgroupVersion = "v1" | "v2";

/** What the host's engine allows, probed by host-probe.ts. */
export interface HostProfile {
  cgroup: CgroupVersion;
  /** Capabilities missing from dockerd's bounding set; empty means --privileged works. */
  missingCaps: readonly string[];
}

/** Linux capability names by number (linux/capability.h), as docker's --cap-drop spells them. */
export const CAPABILITIES = [
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
  "PERFMON",
  "BPF",
  "CHECKPOINT_RESTORE",
] as const;

/**
 * Capabilities absent from a bounding set given as /proc/PID/status prints it (CapBnd, hex), up to
 * the kernel's cap_last_cap. Docker's --privileged asks for all of them and fails
 * ("unable to apply caps") when dockerd itself lacks one.
 */
export function missingCapabilities(capBndHex: string, lastCap: number): string[] {
  const bits = BigInt(`0x${capBndHex.trim()}`);
  const last = Math.min(lastCap, CAPABILITIES.length - 1);
  const missing: string[] = [];
  for (let i = 0; i <= last; i++) {
    if (((bits >> BigInt(i)) & 1n) === 0n) missing.push(CAPABILITIES[i] as string);
  }
  return missing;
}

/** --privileged where the engine allows it; else everything it has, without the confinement. */
export function privilegeArgs(missingCaps: readonly string[]): string[] {
  if (missingCaps.length === 0) return ["--privileged"];
  return [
    "--cap-add",
    "ALL",
    ...missingCaps.flatMap((cap) => ["--cap-drop", cap]),
    "--security-opt",
    "seccomp=unconfined",
    "--security-opt",
    "apparmor=unconfined",
    "--security-opt",
    "systempaths=unconfined",
    "--device-cgroup-rule",
    "a *:* rwm",
  ];
}

/**
 * systemd needs a writable cgroup tree. v1: the host's tree in the host's cgroup namespace (systemd
 * finds its own subtree from /proc/self/cgroup). v2 with --privileged: a private namespace, mounted
 * read-write by docker. v2 without it: docker mounts cgroupfs read-only, so bind it as on v1.
 */
export function cgroupArgs(host: HostProfile): string[] {
  const bindHostTree = ["--cgroupns=host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw"];
  if (host.cgroup === "v1") return bindHostTree;
  return host.missingCaps.length === 0 ? ["--cgroupns=private"] : bindHostTree;
}

export interface VdsCreateOptions {
  names: VdsNames;
  host: HostProfile;
  /** A resolv.conf with the host's real resolvers (see resolv.ts). */
  resolvConf: string;
}

/**
 * The file a VDS container mounts from another checkout of the repo, if any (`mounts`: its bind
 * sources, one a line). Such a server answers that checkout's key and host-key records, not ours,
 * and does not start once that checkout is gone.
 */
export function foreignMount(mounts: string, ownResolvConf: string): string | undefined {
  return mounts
    .split("\n")
    .map((m) => m.trim())
    .find((m) => m.endsWith("/.sandbox/resolv.conf") && m !== ownResolvConf);
}

/** `docker create` arguments for a VDS container (without the leading "create"). */
export function vdsCreateArgs({ names, host, resolvConf }: VdsCreateOptions): string[] {
  return [
    "--name",
    names.container,
    "--hostname",
    names.hostname,
    "--label",
    `${OWNER_LABEL}=vds`,
    "--label",
    `${OWNER_LABEL}.flavour=${names.flavour}`,
    ...privilegeArgs(host.missingCaps),
    ...cgroupArgs(host),
    "--tmpfs",
    "/run",
    "--tmpfs",
    "/run/lock",
    "-v",
    `${names.volume}:/var/lib/docker`,
    "--network",
    NETWORK.name,
    "--ip",
    names.ip,
    // on a user-defined network docker points the container at its embedded DNS (127.0.0.11), which
    // the VDS's own dockerd cannot hand on to its containers (it falls back to 8.8.8.8): use the real one
    "-v",
    `${resolvConf}:/etc/resolv.conf:ro`,
    "-p",
    `${names.sshHost}:${names.sshPort}:22`,
    "--stop-timeout",
    "60",
    names.image,
  ];
}

export interface TelegramRunOptions {
  image: string;
  /** Absolute path of tools/fake-telegram on the host (it runs from its own files: node: imports only). */
  dir: string;
  /** sha256 of its files, recorded so `up` recreates the container when one changed. */
  hash: string;
}

/** `docker create` arguments for the fake Bot API container. */
export function telegramCreateArgs({ image, dir, hash }: TelegramRunOptions): string[] {
  return [
    "--name",
    TELEGRAM.container,
    "--label",
    `${OWNER_LABEL}=telegram`,
    "--label",
    `${OWNER_LABEL}.file-hash=${hash}`,
    "--network",
    NETWORK.name,
    "--ip",
    TELEGRAM.ip,
    "-p",
    `${TELEGRAM.hostBind}:${TELEGRAM.port}:${TELEGRAM.port}`,
    "-v",
    `${dir}:${TELEGRAM.mountPath}:ro`,
    "--init",
    image,
    "node",
    "--experimental-strip-types",
    "--no-warnings",
    TELEGRAM.entry,
    "--host",
    "0.0.0.0",
    "--port",
    String(TELEGRAM.port),
  ];
}

export function networkCreateArgs(): string[] {
  return ["--subnet", NETWORK.subnet, "--gateway", NETWORK.gateway, "--label", `${OWNER_LABEL}=network`, NETWORK.name];
}
