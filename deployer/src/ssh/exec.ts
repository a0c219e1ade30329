/**
 * Runs one command through node-ssh's execCommand on an open connection: input sent first, output
 * decoded, redacted and split into lines as it arrives, stdin kept open until the command exits
 * (the wrapper of remote-command.ts kills the command when it closes early: that is how abort
 * works).
 *
 * What is ours, and which shortfall of execCommand it covers:
 * - Decoding (shortfall 3): execCommand turns each chunk into a string on its own (a UTF-8
 *   character split across two chunks becomes two U+FFFD) and trims the result. We decode the
 *   Buffers of its onStdout/onStderr callbacks with a StringDecoder (inside the redactor) and
 *   ignore its stdout/stderr.
 * - Memory (shortfall 4): execCommand also keeps every chunk until the command ends, without
 *   bound: a `logs --follow` would grow for as long as it runs. Once it has attached its "data"
 *   listeners we put ours (the same callbacks, without the copy) in their place; our own capture
 *   stops at MAX_CAPTURED.
 * - Dropped connection (shortfall 5): when the connection drops, execCommand resolves as if the
 *   command had ended, with code null. The client's "end"/"close" events (ctx.onLost) name it:
 *   ConnectionLostError.
 * - stdin: given a string, execCommand ends stdin right after writing it, which would make the
 *   wrapper kill the command at once; we give it a stream instead and end that when the command
 *   exits (or on abort).
 * - Lines: every line streamed to onLine, and the captured stderr (only ever shown to people), is
 *   sanitised (sanitize.ts: no escape sequence but colours reaches a terminal or log) and redacted
 *   again, as removing controls could join the pieces of a secret. Captured stdout stays as sent:
 *   callers parse it.
 * - cwd: execCommand's option runs `cd dir ; command`, so a missing directory runs the command
 *   elsewhere (shortfall 6); commandLine() of remote-command.ts puts `cd dir &&` inside the command.
 */
import { constants } from "node:os";
import { PassThrough } from "node:stream";
import type { NodeSSH } from "node-ssh";
import type { ClientChannel } from "ssh2";
import { ConnectionLostError, SshError, messageOf } from "./errors.js";
import { createLineSplitter } from "./lines.js";
import { createRedactor, textRedactor } from "./redact.js";
import { wrapCommand } from "./remote-command.js";
import { sanitizeLine } from "./sanitize.js";
import type { RunOptions, RunResult } from "./types.js";

/** Output kept in RunResult per stream; beyond it only onLine sees the lines (e.g. logs --follow). */
export const MAX_CAPTURED = 16 * 1024 * 1024;
const TRUNCATED = "\n[output truncated]\n";

export interface ExecContext {
  ssh: NodeSSH;
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
    const redactLine = textRedactor(ctx.secrets);
    const capture = (stream: "stdout" | "stderr", text: string) => {
      if (full[stream]) return;
      if (captured[stream].length + text.length > MAX_CAPTURED) {
        captured[stream] += text.slice(0, MAX_CAPTURED - captured[stream].length) + TRUNCATED;
        full[stream] = true;
      } else captured[stream] += text;
    };
    const emit = (stream: "stdout" | "stderr", text: string, last: boolean) => {
      if (stream === "stdout") capture(stream, text);
      const { lines } = streams[stream];
      for (const raw of [...lines.push(text), ...(last ? lines.end() : [])]) {
        const line = redactLine(sanitizeLine(raw));
        if (stream === "stderr") capture(stream, `${line}\n`);
        options.onLine?.(line, stream);
      }
    };
    const onData = (stream: "stdout" | "stderr") => (chunk: Buffer) =>
      emit(stream, streams[stream].redactor.push(chunk), false);

    const onStdout = onData("stdout");
    const onStderr = onData("stderr");
    const stdin = new PassThrough();
    if (input.length > 0) stdin.write(input);

    let channel: ClientChannel | undefined;
    let done = false;
    let aborted = false;
    let abortTimer: NodeJS.Timeout | undefined;

    const finish = (err?: Error, exit?: { code: number | null; signal: string | null }) => {
      if (done) return;
      done = true;
      unregisterLost();
      signal?.removeEventListener("abort", onAbort);
      clearTimeout(abortTimer);
      stdin.end();
      if (err) return reject(err);
      for (const stream of ["stdout", "stderr"] as const) emit(stream, streams[stream].redactor.end(), true);
      if (aborted && signal) return reject(abortError(signal));
      resolve({ code: exitCode(exit?.code, exit?.signal ?? undefined), ...captured });
    };
    const onAbort = () => {
      aborted = true;
      // EOF on the command's stdin makes the wrapper's watcher kill the process group; then the
      // channel closes. Bounded: after 10 s we stop waiting for the server to confirm.
      stdin.end();
      abortTimer = setTimeout(() => {
        channel?.close();
        finish();
      }, 10_000);
      if (!channel) finish();
    };
    const unregisterLost = ctx.onLost(() => finish(new ConnectionLostError(ctx.host, describe)));
    signal?.addEventListener("abort", onAbort, { once: true });

    /** Shortfall 4: replaces execCommand's "data" listeners (callback + copy) by the callbacks alone. */
    const dropCopies = (ch: ClientChannel) => {
      for (const [stream, callback] of [
        [ch, onStdout],
        [ch.stderr, onStderr],
      ] as const) {
        for (const listener of stream.listeners("data")) stream.removeListener("data", listener as () => void);
        stream.on("data", callback);
      }
    };

    ctx.ssh
      .execCommand(wrapCommand(command, input.length), {
        stdin,
        noTrim: true,
        onStdout,
        onStderr,
        onChannel: (ch) => {
          channel = ch;
          // execCommand attaches its listeners right after this callback returns, synchronously.
          queueMicrotask(() => dropCopies(ch));
          ch.on("exit", () => stdin.end()); // the command is over: release the wrapper's watcher
        },
      })
      .then(
        (result) => {
          if (result.code !== null || result.signal !== null || aborted) return finish(undefined, result);
          // The channel closed without an exit status while the connection stayed up.
          finish(new SshError(`ssh: ${ctx.host}: ${describe} ended without an exit status`));
        },
        (err: Error & { level?: string }) =>
          finish(
            err.level === "client-socket" || err.level === "client-timeout"
              ? new ConnectionLostError(ctx.host, describe)
              : new SshError(`ssh: ${ctx.host}: cannot start ${describe}: ${messageOf(err)}`),
          ),
      );
  });
}
