/**
 * The only way the engine reaches a server. Implemented over node-ssh (remote.ts: one connection
 * per command run, channels multiplexed over it): its connect, execCommand and SFTP session, with
 * a thin layer of ours where it falls short, each part saying which shortfall (connect.ts,
 * exec.ts, remote.ts, transfer.ts). Tests run it against an in-process ssh2 server and the sandbox.
 */

/** A command as data: program and arguments, never a shell string built by concatenation. */
export type Argv = readonly string[];

export interface RunOptions {
  /** Data written to the command's stdin, then closed. */
  stdin?: string | Buffer;
  /** Called for each complete output line (already passed through the redactor). */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Aborting ends the remote process too (the channel is closed and the process signalled). */
  signal?: AbortSignal;
  /** Working directory on the server. */
  cwd?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Remote {
  /** Host and user, for messages and the lock's "who". */
  readonly host: string;
  readonly user: string;
  /** Runs argv (quoted by quote.ts); resolves with the exit code, never rejects for a non-zero exit. */
  run(argv: Argv, options?: RunOptions): Promise<RunResult>;
  /** Runs a shell script (bash -s, strict mode) given as text; for multi-step remote work. */
  script(text: string, options?: RunOptions): Promise<RunResult>;
  /**
   * Writes `data` (or streams a local file) to remotePath with `mode` from the first byte on
   * (temp name, then rename). onProgress reports bytes sent.
   */
  upload(
    source: { data: string | Buffer } | { localPath: string },
    remotePath: string,
    options: { mode: number; onProgress?: (done: number, total: number) => void },
  ): Promise<void>;
  /** Streams remotePath to localPath. */
  download(remotePath: string, localPath: string, onProgress?: (done: number, total: number) => void): Promise<void>;
  close(): Promise<void>;
}
