/** OpenSSH client arguments for the sandbox (pure), and running them. */
import type { SandboxTarget } from "../../../deployer/src/config/sandbox-target.js";
import { run } from "../../../deployer/src/local/process.js";
import type { RunResult } from "../../../deployer/src/local/process.js";

export interface SshOptions {
  user?: string;
  /** Allocate a terminal (an interactive shell). */
  tty?: boolean;
  /** Another identity, e.g. for "a foreign key is refused". */
  identityFile?: string;
}

/** Strict host key checking against the sandbox's own known_hosts; key only; bounded connect. */
export function sshArgs(target: SandboxTarget, command: readonly string[], options: SshOptions = {}): string[] {
  return [
    "-p",
    String(target.port),
    "-i",
    options.identityFile ?? target.identityFile,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    `UserKnownHostsFile=${target.knownHostsFile}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    "PasswordAuthentication=no",
    "-o",
    "KbdInteractiveAuthentication=no",
    "-o",
    "ConnectTimeout=10",
    "-o",
    "LogLevel=ERROR",
    ...(options.tty ? ["-t"] : ["-o", "BatchMode=yes"]),
    `${options.user ?? target.rootUser}@${target.host}`,
    ...(command.length ? ["--", ...command] : []),
  ];
}

export function ssh(
  target: SandboxTarget,
  command: readonly string[],
  options: SshOptions & { input?: string; timeoutMs?: number; inherit?: boolean } = {},
): Promise<RunResult> {
  return run("ssh", sshArgs(target, command, options), {
    timeoutMs: options.timeoutMs ?? 10 * 60_000,
    inherit: options.inherit ?? false,
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}
