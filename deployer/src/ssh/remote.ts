/**
 * `Remote` over one node-ssh connection: commands through its execCommand (exec.ts), one SFTP
 * session from its requestSFTP opened on first use (transfer.ts), keep-alive from connect.ts.
 *
 * Dropped connection (shortfall 5): node-ssh only notes it (isConnected() turns false) and lets a
 * running execCommand resolve with code null; we listen to the underlying ssh2 Client's "end" and
 * "close" (NodeSSH.connection) so that every pending and later call fails with ConnectionLostError.
 * There is no silent reconnect.
 */
import type { SFTPWrapper } from "ssh2";
import { openConnection } from "./connect.js";
import type { Connection, ConnectOptions } from "./connect.js";
import { ConnectionLostError, SshError, messageOf } from "./errors.js";
import { execCommand } from "./exec.js";
import type { ExecContext } from "./exec.js";
import { quoteArg } from "./quote.js";
import { SCRIPT_COMMAND, commandLine, scriptInput } from "./remote-command.js";
import { download, upload } from "./transfer.js";
import type { TransferContext, UploadOptions, UploadSource } from "./transfer.js";
import type { Argv, Remote, RunOptions, RunResult } from "./types.js";

export interface ConnectRemoteOptions extends ConnectOptions {
  /** Values (of 6+ characters) replaced by [REDACTED] in everything streamed back. */
  secrets?: readonly string[];
}

/** A Remote that also offers verified uploads (the `verify` upload option). */
export interface SshRemote extends Remote {
  upload(source: UploadSource, remotePath: string, options: UploadOptions): Promise<void>;
  /** Whether the connection is still up. */
  readonly connected: boolean;
}

function describeArgv(argv: Argv): string {
  const text = argv.join(" ");
  return `"${text.length > 60 ? `${text.slice(0, 57)}...` : text}"`;
}

/** node-ssh adds an "error" listener to the client per channel being opened (shortfall 7). */
const MAX_CLIENT_LISTENERS = 100;

export function createRemote(conn: Connection, host: string, user: string, secrets: readonly string[]): SshRemote {
  const { ssh, client, end } = conn;
  // Shortfall 7: execCommand and requestSFTP each listen for the client's "error" until their
  // channel is open, so a dozen commands started at once would print MaxListenersExceededWarning.
  client.setMaxListeners(MAX_CLIENT_LISTENERS);
  let connected = true;
  const lostListeners = new Set<() => void>();
  const onGone = () => {
    if (!connected) return;
    connected = false;
    for (const listener of [...lostListeners]) listener();
  };
  client.on("close", onGone);
  client.on("end", onGone);
  client.on("error", () => undefined); // reported through "close" as a lost connection

  const ctx: ExecContext = {
    ssh,
    host,
    secrets,
    onLost(listener) {
      if (!connected) {
        queueMicrotask(listener);
        return () => undefined;
      }
      lostListeners.add(listener);
      return () => lostListeners.delete(listener);
    },
  };

  const ensureConnected = (what: string) => {
    if (!connected) throw new ConnectionLostError(host, what);
  };

  let sftpSession: Promise<SFTPWrapper> | undefined;
  const sftp = async (): Promise<SFTPWrapper> => {
    ensureConnected("SFTP");
    sftpSession ??= ssh.requestSFTP().then(
      (s) => {
        s.on("close", () => (sftpSession = undefined));
        return s;
      },
      (err: unknown) => {
        sftpSession = undefined;
        throw new SshError(`ssh: ${host}: cannot start SFTP: ${messageOf(err)}`);
      },
    );
    return sftpSession;
  };

  const run = async (argv: Argv, options?: RunOptions): Promise<RunResult> => {
    ensureConnected(describeArgv(argv));
    return execCommand(ctx, commandLine(argv, options?.cwd), describeArgv(argv), options);
  };

  const transfer: TransferContext = {
    host,
    ssh,
    sftp,
    run: (argv) => run(argv),
    isConnected: () => connected,
    onLost: ctx.onLost,
  };

  return {
    host,
    user,
    get connected() {
      return connected;
    },
    run,
    async script(text, options) {
      ensureConnected("a script");
      if (options?.stdin !== undefined)
        throw new SshError("ssh: a script reads itself from stdin; it takes no other input");
      const command = options?.cwd === undefined ? SCRIPT_COMMAND : `cd ${quoteArg(options.cwd)} && ${SCRIPT_COMMAND}`;
      return execCommand(ctx, command, "a script", { ...options, stdin: scriptInput(text) });
    },
    upload: (source, remotePath, options) => upload(transfer, source, remotePath, options),
    download: (remotePath, localPath, onProgress) => download(transfer, remotePath, localPath, onProgress),
    async close() {
      if (!connected) return;
      await new Promise<void>((ok) => {
        const timer = setTimeout(ok, 5_000);
        client.once("close", () => {
          clearTimeout(timer);
          ok();
        });
        end();
      });
    },
  };
}

/** Connects (host key verified, authenticated) and returns the Remote over that one connection. */
export async function connectRemote(options: ConnectRemoteOptions): Promise<SshRemote> {
  const conn = await openConnection(options);
  return createRemote(conn, options.host, options.user, options.secrets ?? []);
}

/** Uploads a local file, checks its sha256 on the server, then renames it over remotePath. */
export function uploadVerified(
  remote: SshRemote,
  localPath: string,
  remotePath: string,
  options: { mode: number; onProgress?: (done: number, total: number) => void },
): Promise<void> {
  return remote.upload({ localPath }, remotePath, { ...options, verify: true });
}
