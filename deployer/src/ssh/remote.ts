/**
 * `Remote` over one SSH connection: commands on exec channels multiplexed over it, one SFTP
 * session opened on first use, keep-alive from connect.ts. Once the connection is gone every
 * pending and later call fails with ConnectionLostError; there is no silent reconnect.
 */
import type { Client as SshClient, SFTPWrapper } from "ssh2";
import { openConnection } from "./connect.js";
import type { ConnectOptions } from "./connect.js";
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

export function createRemote(
  client: SshClient,
  end: () => void,
  host: string,
  user: string,
  secrets: readonly string[],
): SshRemote {
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
    client,
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
    sftpSession ??= new Promise<SFTPWrapper>((ok, fail) =>
      client.sftp((err, s) => {
        if (err) {
          sftpSession = undefined;
          return fail(new SshError(`ssh: ${host}: cannot start SFTP: ${messageOf(err)}`));
        }
        s.on("close", () => (sftpSession = undefined));
        ok(s);
      }),
    );
    return sftpSession;
  };

  const run = async (argv: Argv, options?: RunOptions): Promise<RunResult> => {
    ensureConnected(describeArgv(argv));
    return execCommand(ctx, commandLine(argv, options?.cwd), describeArgv(argv), options);
  };

  const transfer: TransferContext = {
    host,
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
  return createRemote(conn.client, conn.end, options.host, options.user, options.secrets ?? []);
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
