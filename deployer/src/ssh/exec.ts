/**
 * Runs one command over an exec channel of an open connection: input sent first, output decoded,
 * redacted and split into lines as it arrives, stdin kept open until the command exits (the
 * wrapper of remote-command.ts kills the command when it closes early: that is how abort works).
 */
import { constants } from "node:os";
import type { Client as SshClient, ClientChannel } from "ssh2";
import { ConnectionLostError, SshError, messageOf } from "./errors.js";
import { createLineSplitter } from "./lines.js";
import { createRedactor } from "./redact.js";
import { wrapCommand } from "./remote-command.js";
import type { RunOptions, RunResult } from "./types.js";

/** Output kept in RunResult per stream; beyond it only onLine sees the lines (e.g. logs --follow). */
export const MAX_CAPTURED = 16 * 1024 * 1024;
const TRUNCATED = "\n[output truncated]\n";

export interface ExecContext {
  client: SshClient;
  host: string;
  secrets: readonly string[];
  /** Fails when the connection is gone; registered for the duration of the command. */
  onLost(listener: () => void): () => void;
}

function exitCode(code: number | null | undefined, signal: string | undefined): number {
  if (typeof code === "number") return code;
  const num = signal ? constants.signals[`SIG${signal}` as NodeJS.Signals] : undefined;
  return num === undefined ? 255 : 128 + num;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException("the command was aborted", "AbortError");
}

/** Runs `command` (shell text) under the abort wrapper; `describe` names it in errors. */
export function execCommand(
  ctx: ExecContext,
  command: string,
  describe: string,
  options: RunOptions = {},
): Promise<RunResult> {
  const input = options.stdin === undefined ? Buffer.alloc(0) : Buffer.from(options.stdin);
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(abortError(signal));

  return new Promise<RunResult>((resolve, reject) => {
    const captured = { stdout: "", stderr: "" };
    const full = { stdout: false, stderr: false };
    const streams = {
      stdout: { redactor: createRedactor(ctx.secrets), lines: createLineSplitter() },
      stderr: { redactor: createRedactor(ctx.secrets), lines: createLineSplitter() },
    };
    const emit = (stream: "stdout" | "stderr", text: string, last: boolean) => {
      if (!full[stream]) {
        if (captured[stream].length + text.length > MAX_CAPTURED) {
          captured[stream] += text.slice(0, MAX_CAPTURED - captured[stream].length) + TRUNCATED;
          full[stream] = true;
        } else captured[stream] += text;
      }
      const { lines } = streams[stream];
      for (const line of [...lines.push(text), ...(last ? lines.end() : [])]) options.onLine?.(line, stream);
    };
    const onData = (stream: "stdout" | "stderr") => (chunk: Buffer) =>
      emit(stream, streams[stream].redactor.push(chunk), false);

    let channel: ClientChannel | undefined;
    let exit: { code: number | null | undefined; signal: string | undefined } | undefined;
    let done = false;
    let aborted = false;
    let abortTimer: NodeJS.Timeout | undefined;

    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      unregisterLost();
      signal?.removeEventListener("abort", onAbort);
      clearTimeout(abortTimer);
      if (err) return reject(err);
      for (const stream of ["stdout", "stderr"] as const) emit(stream, streams[stream].redactor.end(), true);
      if (aborted && signal) return reject(abortError(signal));
      resolve({ code: exitCode(exit?.code, exit?.signal), ...captured });
    };
    const onAbort = () => {
      aborted = true;
      // EOF on the command's stdin makes the wrapper's watcher kill the process group; then the
      // channel closes. Bounded: after 10 s we stop waiting for the server to confirm.
      channel?.end();
      abortTimer = setTimeout(() => {
        channel?.close();
        finish();
      }, 10_000);
      if (!channel) finish();
    };
    const unregisterLost = ctx.onLost(() => finish(new ConnectionLostError(ctx.host, describe)));
    signal?.addEventListener("abort", onAbort, { once: true });

    try {
      ctx.client.exec(wrapCommand(command, input.length), (err, ch) => {
        if (err) return finish(new SshError(`ssh: ${ctx.host}: cannot start ${describe}: ${messageOf(err)}`));
        channel = ch;
        if (done) return void ch.close();
        if (aborted) return void ch.end();
        ch.on("data", onData("stdout"));
        ch.stderr.on("data", onData("stderr"));
        ch.on("exit", (code: number | null, sig?: string) => {
          exit = { code, signal: sig };
          ch.end(); // the command is over: release the wrapper's watcher
        });
        ch.on("close", () => (exit || aborted ? finish() : finish(new ConnectionLostError(ctx.host, describe))));
        if (input.length > 0) ch.write(input);
      });
    } catch (err) {
      finish(new ConnectionLostError(ctx.host, `${describe} (${messageOf(err)})`));
    }
  });
}
