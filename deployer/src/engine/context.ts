/** What a running task needs: the connection, the target, and a way to report. */
import type { Remote, Argv, RunResult } from "../ssh/types.js";
import type { EventSink } from "./events.js";
import type { Target } from "../config/targets.js";
import { quoteArgv } from "../ssh/quote.js";

export interface UnitFile {
  name: string;
  content: string;
}

export type RenderUnits = (o: { app: string; appDir: string; deployUser: string }) => UnitFile[];

export interface EngineContext {
  remote: Remote;
  target: Target;
  sink: EventSink;
  now?: () => number;
}

export class StepError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 3 | 4 = 1,
  ) {
    super(message);
  }
}

/** Generous upper bounds, so nothing waits forever without saying why. */
export const TIMEOUTS = { short: 60_000, build: 30 * 60_000, long: 15 * 60_000 };

function withTimeout(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const t = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, t]) : t;
}

/** Runs argv for a step, streaming its output as events; logs the command itself as an output line. */
export async function exec(
  ctx: EngineContext,
  stepId: string,
  argv: Argv,
  opts: { signal?: AbortSignal; timeoutMs?: number; quiet?: boolean; stdin?: string | Buffer } = {},
): Promise<RunResult> {
  const at = () => (ctx.now ?? Date.now)();
  if (!opts.quiet) ctx.sink({ type: "output", at: at(), stepId, stream: "stdout", line: `$ ${quoteArgv(argv)}` });
  const signal = withTimeout(opts.signal, opts.timeoutMs ?? TIMEOUTS.long);
  try {
    return await ctx.remote.run(argv, {
      signal,
      ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
      ...(opts.quiet ? {} : { onLine: (line, stream) => ctx.sink({ type: "output", at: at(), stepId, stream, line }) }),
    });
  } catch (e) {
    if (signal.aborted && !opts.signal?.aborted)
      throw new StepError(
        `${argv.slice(0, 3).join(" ")} did not finish within ${Math.round((opts.timeoutMs ?? TIMEOUTS.long) / 1000)} s`,
      );
    throw e;
  }
}

/** exec that fails the step on a non-zero exit, with the last stderr line as the reason. */
export async function mustExec(
  ctx: EngineContext,
  stepId: string,
  argv: Argv,
  what: string,
  opts: Parameters<typeof exec>[3] = {},
): Promise<RunResult> {
  const r = await exec(ctx, stepId, argv, opts);
  if (r.code !== 0) throw new StepError(`${what} failed (exit ${r.code})${lastLine(r.stderr || r.stdout)}`);
  return r;
}

export function lastLine(text: string): string {
  const l = text.trim().split("\n").filter(Boolean).at(-1);
  return l ? `: ${l.slice(0, 300)}` : "";
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });
}
