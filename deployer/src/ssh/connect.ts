/**
 * Opens one authenticated SSH connection whose host key was verified, or fails with one of the
 * one-line errors of errors.ts.
 *
 * Built on node-ssh: NodeSSH.connect() creates the ssh2 Client and passes our config through to it
 * (hostVerifier, authHandler with the agent and the parsed identity files, algorithms, keep-alive,
 * and `sock` for ProxyJump). Ours, where node-ssh falls short:
 * - Agent errors (shortfall 1): node-ssh's connect() rejects on the client's first "error" event,
 *   but ssh2 reports an ssh-agent that fails (unreachable socket, or it will not sign with one of
 *   its keys) as an "error" of level "agent" and goes on with the next key. We ignore that
 *   rejection and wait for the client's own verdict (see settle below).
 * - Failure: node-ssh leaves the client running after rejecting; we destroy it. It reports a close
 *   during the handshake (the server ended the connection) as SSHError "No response from server"
 *   with code ETIMEDOUT (shortfall 2), which is not a timeout: mapConnectError names it.
 * - The connect timeout is ours (ssh2's readyTimeout cannot pause while the user is asked).
 *
 * - Host key: known -> go on; changed or @revoked (in any file, the global ones too) -> refuse,
 *   always; unknown -> onUnknownHostKey decides (the UI), or acceptHostKey must equal its
 *   fingerprint (the CLI); an accepted key is recorded (hashed) in the first known_hosts file.
 *   With a HostKeyAlias, keys are looked up and recorded under that name.
 * - Authentication: ssh-agent first (SSH_AUTH_SOCK), then the identity files in order; an
 *   encrypted key asks the passphrase callback once.
 * - The connect timeout covers TCP connect, handshake and authentication, but not the time spent
 *   waiting for the user (passphrase, host key question).
 * - ProxyJump: one jump host, connected (and verified) first; the target is reached through a
 *   direct-tcpip channel of it.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { NodeSSH, SSHError as NodeSshError } from "node-ssh";
import type { Config as NodeSshConfig } from "node-ssh";
import ssh2 from "ssh2";
import type { AuthenticationType, Client as SshClient, ConnectConfig, ParsedKey } from "ssh2";
import {
  AuthFailedError,
  ConnectTimeoutError,
  ConnectionRefusedError,
  HostKeyChangedError,
  HostKeyRevokedError,
  HostKeyUnknownError,
  HostNotFoundError,
  SshError,
  messageOf,
} from "./errors.js";
import type { HostKeyInfo } from "./errors.js";
import {
  appendKnownHost,
  checkHostKey,
  fingerprintSha256,
  formatKnownHostLine,
  hostKeyAlgorithmsFor,
  keyTypeOf,
  knownKeyTypes,
  loadKnownHosts,
} from "./known-hosts.js";

const { utils } = ssh2;

export interface JumpHost {
  host: string;
  port?: number;
  user: string;
  /** Identity files for the jump host; the target's when omitted. */
  identityFiles?: string[];
  /** The jump host's own HostKeyAlias (the target's never applies to it). */
  hostKeyAlias?: string;
}

export interface ConnectOptions {
  host: string;
  port?: number;
  user: string;
  /** Private key files to try after the agent, in order. Missing files are skipped (and named). */
  identityFiles?: readonly string[];
  /** known_hosts files consulted in order; an accepted key is recorded in the first. */
  knownHostsFiles: readonly string[];
  /** Read-only known_hosts files consulted after them (GlobalKnownHostsFile, /etc/ssh/ssh_known_hosts). */
  globalKnownHostsFiles?: readonly string[];
  /** Look host keys up and record them under this name instead of host:port (HostKeyAlias). */
  hostKeyAlias?: string;
  /** Asked once per encrypted identity file. */
  passphrase?: (keyPath: string) => Promise<string>;
  /** Asked when the host key is not known (the UI shows the fingerprint); true accepts and records it. */
  onUnknownHostKey?: (info: HostKeyInfo) => Promise<boolean>;
  /** Accept an unknown host key when its fingerprint is exactly this (`SHA256:...`). */
  acceptHostKey?: string;
  /** Default 15 s. */
  connectTimeoutMs?: number;
  /** SSH keep-alive interval (3 unanswered ones end the connection); default 15 s, 0 disables. */
  keepaliveIntervalMs?: number;
  /** ssh-agent socket; default $SSH_AUTH_SOCK; null disables the agent. */
  agentSocket?: string | null;
  /** Write accepted host keys hashed (default) or plain. */
  hashKnownHosts?: boolean;
  /** Reach the host through this one jump host (ProxyJump). */
  jump?: JumpHost;
}

export interface Connection {
  /** The node-ssh connection: exec and SFTP go through it. */
  ssh: NodeSSH;
  /** Its ssh2 Client (NodeSSH.connection), for the events node-ssh does not surface. */
  client: SshClient;
  /** Ends the connection (and the jump host's). */
  end(): void;
}

const HOST_KEY_ALGORITHMS = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
] as const;

type HostKeyAlgorithm = (typeof HOST_KEY_ALGORITHMS)[number];

/** The key types already known for the host first, as OpenSSH orders them. */
function hostKeyPreference(known: readonly string[]): HostKeyAlgorithm[] {
  const preferred = hostKeyAlgorithmsFor(known).filter((a): a is HostKeyAlgorithm =>
    (HOST_KEY_ALGORITHMS as readonly string[]).includes(a),
  );
  return [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])];
}

function displayPath(path: string): string {
  const home = homedir();
  return path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

/** A timer that can be paused while the user is being asked something. */
class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private remaining: number;
  private startedAt = 0;
  constructor(
    ms: number,
    private readonly onFire: () => void,
  ) {
    this.remaining = ms;
    this.resume();
  }
  pause(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remaining -= Date.now() - this.startedAt;
  }
  resume(): void {
    if (this.timer || this.remaining === Infinity) return;
    this.startedAt = Date.now();
    this.timer = setTimeout(this.onFire, Math.max(0, this.remaining));
  }
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remaining = Infinity;
  }
  async whilePaused<T>(work: () => Promise<T>): Promise<T> {
    this.pause();
    try {
      return await work();
    } finally {
      this.resume();
    }
  }
}

type AuthAttempt =
  { type: "agent"; username: string; agent: string } | { type: "publickey"; username: string; key: ParsedKey };

/** Yields the next credential to offer: the agent, then each usable identity file. */
function credentials(options: ConnectOptions, deadline: Deadline, tried: string[]): () => Promise<AuthAttempt | false> {
  const agent = options.agentSocket === undefined ? process.env.SSH_AUTH_SOCK : options.agentSocket;
  const queue: ({ kind: "agent"; socket: string } | { kind: "file"; path: string })[] = [];
  if (agent && existsSync(agent)) queue.push({ kind: "agent", socket: agent });
  for (const path of options.identityFiles ?? []) queue.push({ kind: "file", path });

  return async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      if (item.kind === "agent") {
        tried.push("ssh-agent");
        return { type: "agent", username: options.user, agent: item.socket };
      }
      const name = displayPath(item.path);
      let data: Buffer;
      try {
        data = await readFile(item.path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        tried.push(`${name} (${code === "ENOENT" ? "missing" : "unreadable"})`);
        continue;
      }
      let parsed = utils.parseKey(data);
      if (parsed instanceof Error && /passphrase|encrypted/i.test(parsed.message)) {
        if (!options.passphrase) {
          tried.push(`${name} (encrypted, no passphrase given)`);
          continue;
        }
        const ask = options.passphrase;
        const passphrase = await deadline.whilePaused(() => ask(item.path));
        parsed = utils.parseKey(data, passphrase);
        if (parsed instanceof Error) {
          tried.push(`${name} (wrong passphrase)`);
          continue;
        }
      }
      const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
      if (!key || key instanceof Error || !key.isPrivateKey()) {
        tried.push(`${name} (not a private key)`);
        continue;
      }
      tried.push(name);
      return { type: "publickey", username: options.user, key };
    }
    return false;
  };
}

function mapConnectError(
  err: Error & { level?: string; code?: string },
  options: ConnectOptions,
  tried: string[],
): SshError {
  const port = options.port ?? 22;
  if (err instanceof SshError) return err;
  if (err instanceof NodeSshError) {
    // Shortfall 2: node-ssh's rejection when the client closed before "ready", "No response from
    // server" with code ETIMEDOUT: not a timeout.
    return new SshError(`ssh: ${options.host}:${port} closed the connection during the handshake`);
  }
  if (err.level === "client-authentication") return new AuthFailedError(options.user, options.host, tried);
  switch (err.code) {
    case "ECONNREFUSED":
      return new ConnectionRefusedError(options.host, port);
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return new HostNotFoundError(options.host);
    case "ETIMEDOUT":
      return new ConnectTimeoutError(options.host, port, options.connectTimeoutMs ?? 15_000);
  }
  return new SshError(`ssh: ${options.host}:${port}: ${messageOf(err)}`);
}

/** Opens the direct-tcpip channel through the jump host that the target's SSH runs over. */
async function throughJump(
  options: ConnectOptions,
  jump: JumpHost,
): Promise<{ jumpConn: Connection; sock: NodeJS.ReadWriteStream }> {
  const { hostKeyAlias: _targetAlias, ...rest } = options; // the target's alias is not the jump host's
  const jumpConn = await openConnection({
    ...rest,
    host: jump.host,
    port: jump.port ?? 22,
    user: jump.user,
    identityFiles: jump.identityFiles ?? options.identityFiles,
    jump: undefined,
    acceptHostKey: undefined, // the fingerprint given on the command line is the target's
    ...(jump.hostKeyAlias !== undefined ? { hostKeyAlias: jump.hostKeyAlias } : {}),
  });
  const port = options.port ?? 22;
  try {
    const sock = await jumpConn.ssh.forwardOut("127.0.0.1", 0, options.host, port);
    return { jumpConn, sock };
  } catch (err) {
    jumpConn.end();
    if (/refused/i.test(messageOf(err))) throw new ConnectionRefusedError(`${options.host} (via ${jump.host})`, port);
    throw new SshError(`ssh: jump host ${jump.host} cannot reach ${options.host}:${port}: ${messageOf(err)}`);
  }
}

function isAgentError(err: unknown): boolean {
  return (err as { level?: unknown } | null)?.level === "agent";
}

export async function openConnection(options: ConnectOptions): Promise<Connection> {
  const port = options.port ?? 22;
  const timeoutMs = options.connectTimeoutMs ?? 15_000;
  const entries = await loadKnownHosts([...options.knownHostsFiles, ...(options.globalKnownHostsFiles ?? [])]);
  // As ssh: with HostKeyAlias the known_hosts name is the alias alone, without a port.
  const keyHost = options.hostKeyAlias ?? options.host;
  const keyPort = options.hostKeyAlias === undefined ? port : 22;
  const via = options.jump ? await throughJump(options, options.jump) : undefined;
  const ssh = new NodeSSH();
  const tried: string[] = [];
  let failure: SshError | undefined;

  return new Promise<Connection>((resolve, reject) => {
    let settled = false;
    const fail = (err: SshError) => {
      if (settled) return;
      settled = true;
      deadline.clear();
      // node-ssh does not end the client it rejected for.
      ssh.connection?.destroy();
      ssh.connection = null;
      via?.jumpConn.end();
      reject(err);
    };
    const succeed = (client: SshClient) => {
      if (settled) return;
      settled = true;
      deadline.clear();
      resolve({
        ssh,
        client,
        end() {
          client.end();
          via?.jumpConn.end();
        },
      });
    };
    const deadline = new Deadline(timeoutMs, () => fail(new ConnectTimeoutError(options.host, port, timeoutMs)));
    const nextCredential = credentials(options, deadline, tried);

    const verifyHostKey = async (key: Buffer): Promise<boolean> => {
      const info: HostKeyInfo = {
        host: options.host,
        port,
        keyType: keyTypeOf(key),
        fingerprint: fingerprintSha256(key),
      };
      const check = checkHostKey(entries, keyHost, keyPort, key);
      if (check.status === "match") return true;
      if (check.status === "revoked") throw new HostKeyRevokedError(info, check.entry.file, check.entry.line);
      if (check.status === "changed") {
        throw new HostKeyChangedError(info, check.knownFingerprint, check.entry.file, check.entry.line);
      }
      let accepted: boolean;
      if (options.onUnknownHostKey) {
        const ask = options.onUnknownHostKey;
        accepted = await deadline.whilePaused(() => ask(info));
        if (!accepted) throw new HostKeyUnknownError(info, "not accepted");
      } else if (options.acceptHostKey !== undefined) {
        if (options.acceptHostKey !== info.fingerprint) {
          throw new HostKeyUnknownError(info, `--accept-host-key ${options.acceptHostKey} does not match it; refusing`);
        }
        accepted = true;
      } else {
        throw new HostKeyUnknownError(info);
      }
      const file = options.knownHostsFiles[0];
      if (file) await appendKnownHost(file, formatKnownHostLine(keyHost, keyPort, key, options.hashKnownHosts ?? true));
      return accepted;
    };

    const config = {
      host: options.host,
      port,
      username: options.user,
      readyTimeout: 0, // our Deadline, which pauses while the user is asked
      keepaliveInterval: options.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
      algorithms: { serverHostKey: hostKeyPreference(knownKeyTypes(entries, keyHost, keyPort)) },
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        verifyHostKey(key).then(verify, (err: unknown) => {
          failure = err instanceof SshError ? err : new SshError(`ssh: host key check failed: ${messageOf(err)}`);
          verify(false);
        });
      },
      authHandler: (
        methodsLeft: AuthenticationType[] | null,
        _partial: boolean | null,
        next: (auth: AuthAttempt | false) => void,
      ) => {
        if (methodsLeft !== null && !methodsLeft.includes("publickey")) return next(false);
        nextCredential().then(next, (err: unknown) => {
          failure = new SshError(`ssh: ${messageOf(err)}`);
          next(false);
        });
      },
      ...(via ? { sock: via.sock as unknown as ConnectConfig["sock"] } : {}),
    } as NodeSshConfig;

    // Shortfall 1: node-ssh's connect() rejects on an agent's non-fatal "error" while ssh2 goes on
    // with the next key; from then on the client itself says how the attempt ends.
    const settle = (client: SshClient) => {
      client.on("ready", () => succeed(client));
      client.on("error", (err: Error & { level?: string }) => {
        if (!isAgentError(err)) fail(failure ?? mapConnectError(err, options, tried));
      });
      client.on("close", () =>
        fail(failure ?? new SshError(`ssh: ${options.host}:${port} closed the connection during the handshake`)),
      );
    };
    ssh.connect(config).then(
      () => succeed(ssh.connection as SshClient),
      (err: Error & { level?: string; code?: string }) => {
        const client = ssh.connection; // still set: node-ssh clears it on "end"/"close" only
        if (isAgentError(err) && client) return settle(client);
        fail(failure ?? mapConnectError(err, options, tried));
      },
    );
  });
}
