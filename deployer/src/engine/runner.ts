/**
 * The one task runner: executes a TaskPlan's steps, exactly their actions, over one Remote; emits
 * TaskEvents; on a failure before the commit point runs the plan's recovery; then always the final
 * steps (history with the real result, unlock) once the lock was taken.
 */
import { setTimeout as delay } from "node:timers/promises";
import { historyLine } from "../commands/history.js";
import { scriptText } from "../commands/script.js";
import type { Remote, RunResult } from "../ssh/types.js";
import { commandLine, resolveArgv, resolvePath, type Action, type Command, type Verdict } from "./actions.js";
import { INTERRUPTED, type EventSink, type TaskEvent, type TaskResult } from "./events.js";
import type { Progress, Recovery } from "./recovery.js";
import { StepError } from "./context.js";
import type { Step, TaskPlan } from "./steps.js";

export interface RunnerContext {
  remote: Remote;
  sink: EventSink;
  now?: () => number;
  /** Opens a new connection as `user` with the workstation's key (for a run action's `login`). */
  loginAs?: (user: string) => Promise<Remote>;
}

export interface TaskRecord {
  /** What history.jsonl says about this run (result and duration are the runner's). */
  history?: { action: string; tag: string; commit: string; by: string };
  /** Undo after a failure before the commit point. */
  recover?: (p: Progress, why: string) => Recovery | undefined;
}

/** Generous upper bound for a command without its own, so nothing waits forever without saying why. */
const DEFAULT_TIMEOUT_MS = 15 * 60_000;

interface RunState {
  values: Map<string, string>;
  figures: Record<string, string>;
  warnings: string[];
}

/** Events of a step started early are held until its turn, so the log reads in order. */
function heldSink(sink: EventSink) {
  const held: TaskEvent[] = [];
  let live: EventSink | undefined;
  return {
    sink: (e: TaskEvent) => (live ? live(e) : held.push(e)),
    flush: () => {
      for (const e of held.splice(0)) sink(e);
      live = sink;
    },
  };
}

export async function runTask(
  ctx: RunnerContext,
  plan: TaskPlan,
  record: TaskRecord = {},
  signal?: AbortSignal,
): Promise<TaskResult> {
  const now = ctx.now ?? Date.now;
  const started = now();
  const emit = ctx.sink;
  const st: RunState = { values: new Map(), figures: {}, warnings: [] };
  const done = new Set<string>();
  const main = plan.steps.filter((s) => !s.final);
  const finals = plan.steps.filter((s) => s.final);
  const early = new Map<string, { result: Promise<string | undefined>; flush: () => void }>();
  emit({ type: "plan", at: now(), task: plan.task, steps: plan.steps.map((s) => ({ id: s.id, title: s.title })) });
  for (const w of plan.warnings) emit({ type: "warning", at: now(), message: w });

  let failure: { step: string; error: StepError } | undefined;
  let committed = false;
  for (const step of main) {
    if (signal?.aborted) {
      failure = { step: step.id, error: new StepError(INTERRUPTED) };
      break;
    }
    emit({ type: "step-start", at: now(), stepId: step.id });
    if (step.skip) {
      emit({ type: "step-done", at: now(), stepId: step.id, status: "skipped", note: step.skip });
      done.add(step.id);
      continue;
    }
    for (const s of main)
      if (s.startsWith === step.id && !s.skip) {
        const h = heldSink(emit);
        const result = runStep({ ...ctx, sink: h.sink }, s, st, signal);
        result.catch(() => undefined); // awaited at its turn, or on the way out
        early.set(s.id, { result, flush: h.flush });
      }
    try {
      const pre = early.get(step.id);
      pre?.flush();
      early.delete(step.id);
      const note = await (pre?.result ?? runStep(ctx, step, st, signal));
      emit({ type: "step-done", at: now(), stepId: step.id, status: "done", ...(note ? { note } : {}) });
      done.add(step.id);
      if (step.commits) committed = true;
    } catch (e) {
      const err = asStepError(e, signal);
      emit({ type: "step-failed", at: now(), stepId: step.id, error: err.message });
      if (committed || step.optional) {
        warn(emit, st, now, `${step.title}: ${err.message}`);
        continue;
      }
      failure = { step: step.id, error: err };
      break;
    }
  }
  // A step started early whose turn never came (the build failed): let it end before unlocking.
  for (const e of early.values()) await e.result.catch(() => undefined);

  let result: TaskResult;
  if (!failure) {
    const message = typeof plan.success === "string" ? plan.success : plan.success(st.values);
    Object.assign(st.figures, plan.figures?.(st.values));
    result = { ok: true, exitCode: 0, message, durationMs: 0 };
  } else {
    const recovery =
      failure.error.exitCode === 3
        ? undefined
        : record.recover?.({ done, failed: failure.step, values: st.values }, failure.error.message);
    result = recovery
      ? await runRecovery(ctx, recovery, st)
      : {
          ok: false,
          exitCode: failure.error.exitCode,
          message:
            failure.error.exitCode === 3
              ? failure.error.message
              : `${plan.task} failed at ${failure.step}: ${failure.error.message}`,
          durationMs: 0,
        };
  }

  const lockTaken = !plan.steps.some((s) => s.id === "lock") || done.has("lock");
  if (lockTaken && finals.length > 0) {
    if (record.history) {
      const interrupted = failure?.error.message === INTERRUPTED;
      st.values.set(
        "history-entry",
        historyLine({
          at: new Date(started).toISOString(),
          ...record.history,
          result: result.ok ? "ok" : interrupted ? "interrupted" : result.exitCode === 4 ? "rolled-back" : "failed",
          durationMs: now() - started,
          ...(result.ok ? {} : { detail: result.message }),
        }),
      );
    }
    // History and unlock do not wait for each other: asked at once, reported in order.
    const running = finals.map((step) => {
      const h = heldSink(emit);
      const result = runStep({ ...ctx, sink: h.sink }, step, st);
      result.catch(() => undefined); // awaited in order below
      return { step, flush: h.flush, result };
    });
    for (const { step, flush, result } of running) {
      emit({ type: "step-start", at: now(), stepId: step.id });
      flush();
      try {
        const note = await result;
        emit({ type: "step-done", at: now(), stepId: step.id, status: "done", ...(note ? { note } : {}) });
      } catch (e) {
        const err = asStepError(e);
        emit({ type: "step-failed", at: now(), stepId: step.id, error: err.message });
        warn(emit, st, now, err.message);
      }
    }
  }
  result.durationMs = now() - started;
  st.figures.duration = `${(result.durationMs / 1000).toFixed(1)} s`;
  result.figures = { ...st.figures, ...(result.figures ?? {}) };
  if (st.warnings.length > 0) result.warnings = [...st.warnings];
  emit({ type: "summary", at: now(), result });
  return result;
}

async function runRecovery(ctx: RunnerContext, rec: Recovery, st: RunState): Promise<TaskResult> {
  const now = ctx.now ?? Date.now;
  const problems: string[] = [];
  for (const step of rec.steps) {
    ctx.sink({ type: "step-start", at: now(), stepId: step.id });
    try {
      const note = await runStep(ctx, step, st);
      ctx.sink({ type: "step-done", at: now(), stepId: step.id, status: "done", ...(note ? { note } : {}) });
    } catch (e) {
      const err = asStepError(e);
      problems.push(err.message);
      ctx.sink({ type: "step-failed", at: now(), stepId: step.id, error: err.message });
    }
  }
  if (problems.length > 0)
    return {
      ok: false,
      exitCode: 1,
      message: `${rec.restored.replace(/;.*$/, "")}; the undo had problems: ${problems.join("; ")}`,
      durationMs: 0,
    };
  ctx.sink({ type: "warning", at: now(), message: rec.restored });
  return { ok: false, exitCode: rec.exitCode, message: rec.restored, durationMs: 0 };
}

function warn(emit: EventSink, st: RunState, now: () => number, message: string): void {
  st.warnings.push(message);
  emit({ type: "warning", at: now(), message });
}

function asStepError(e: unknown, signal?: AbortSignal): StepError {
  if (e instanceof StepError) return e;
  if (signal?.aborted) return new StepError(INTERRUPTED);
  return new StepError((e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "unknown error");
}

/** Runs a step's actions (in order, or at once for a parallel step); the notes joined are its note. */
async function runStep(
  ctx: RunnerContext,
  step: Step,
  st: RunState,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const notes: string[] = [];
  const take = (v: Verdict | undefined) => {
    if (!v) return;
    if (!v.ok) throw new StepError(v.error, v.exitCode ?? 1);
    if (v.note) notes.push(v.note);
    if (v.figures) Object.assign(st.figures, v.figures);
    for (const [k, val] of Object.entries(v.set ?? {})) st.values.set(k, val);
    if (v.warn) warn(ctx.sink, st, ctx.now ?? Date.now, v.warn);
  };
  if (step.parallel) {
    const verdicts = await Promise.all(step.actions.map((a) => runAction(ctx, step.id, a, st, signal)));
    verdicts.forEach(take);
  } else {
    for (const a of step.actions) take(await runAction(ctx, step.id, a, st, signal));
  }
  return notes.length ? notes.join(", ") : undefined;
}

async function runAction(
  ctx: RunnerContext,
  stepId: string,
  a: Action,
  st: RunState,
  signal?: AbortSignal,
): Promise<Verdict | undefined> {
  const now = ctx.now ?? Date.now;
  if (a.when && !a.when.holds(st.values)) return undefined;
  if (signal?.aborted) throw new StepError(INTERRUPTED);
  if (a.kind === "upload") {
    const data = await a.data();
    for (const [k, v] of Object.entries(a.set?.(data) ?? {})) st.values.set(k, v);
    const to = resolvePath(a.to, st.values);
    if (!a.quiet) out(ctx, stepId, `# upload ${a.what} to ${to}`);
    await ctx.remote.upload({ data }, to, {
      mode: a.mode,
      ...(a.progress
        ? { onProgress: (d: number, t: number) => ctx.sink({ type: "progress", at: now(), stepId, done: d, total: t }) }
        : {}),
    });
    return undefined;
  }
  if (a.kind === "run") {
    const remote = a.login ? await loginAs(ctx, a.login) : ctx.remote;
    let r: RunResult;
    try {
      r = await exec({ ...ctx, remote }, stepId, a.cmd, st.values, {
        quiet: !!a.quiet,
        timeoutMs: a.timeoutMs,
        signal,
      });
    } finally {
      if (remote !== ctx.remote) await remote.close().catch(() => undefined);
    }
    // A command cut short by Ctrl+C may still end with an exit code: it was interrupted, not failed.
    if (signal?.aborted) throw new StepError(INTERRUPTED);
    if (a.judge) return a.judge(r, st.values);
    if (r.code === 0) return undefined;
    const last = (r.stderr || r.stdout).trim().split("\n").filter(Boolean).at(-1);
    return {
      ok: false,
      error: `${a.what ?? commandLine(a.cmd, st.values).slice(0, 80)} failed (exit ${r.code})${last ? `: ${last.slice(0, 300)}` : ""}`,
    };
  }
  const deadline = now() + a.timeoutMs;
  let last = "";
  if (!a.quiet) out(ctx, stepId, `# until ${a.until}: $ ${commandLine(a.cmd, st.values)}`);
  for (;;) {
    const r = await exec(ctx, stepId, a.cmd, st.values, { quiet: true, timeoutMs: 30_000, signal });
    const v = a.judge(r, st.values);
    if (!("wait" in v)) return v;
    if (v.wait !== last) out(ctx, stepId, v.wait);
    last = v.wait;
    if (now() + a.everyMs > deadline)
      return { ok: false, error: `${a.until}: not within ${Math.round(a.timeoutMs / 1000)} s (${last})`, exitCode: 4 };
    try {
      await delay(a.everyMs, undefined, signal ? { signal } : {});
    } catch {
      throw new StepError(INTERRUPTED);
    }
  }
}

/** A new connection as `user`; its failure is the step's, in one line. */
async function loginAs(ctx: RunnerContext, user: string): Promise<Remote> {
  if (!ctx.loginAs) throw new StepError(`cannot open a connection as ${user} here`);
  try {
    return await ctx.loginAs(user);
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    throw new StepError(`a key login as ${user} failed: ${why}`);
  }
}

function out(ctx: RunnerContext, stepId: string, line: string): void {
  ctx.sink({ type: "output", at: (ctx.now ?? Date.now)(), stepId, stream: "stdout", line });
}

/** Runs one command, streaming its output as events unless quiet; a script goes on stdin. */
async function exec(
  ctx: RunnerContext,
  stepId: string,
  c: Command,
  values: ReadonlyMap<string, string>,
  o: { quiet: boolean; timeoutMs: number | undefined; signal: AbortSignal | undefined },
): Promise<RunResult> {
  const argv = resolveArgv(c, values);
  if (!o.quiet) out(ctx, stepId, `$ ${commandLine(c, values)}`);
  const ms = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(ms);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  const ran = (code: number | null) =>
    ctx.sink({
      type: "command",
      at: (ctx.now ?? Date.now)(),
      stepId,
      line: commandLine(c, values) + (c.script ? ` < ${c.script}` : ""),
      code,
    });
  try {
    const r = await ctx.remote.run(argv, {
      signal,
      ...(c.script ? { stdin: scriptText({ argv, script: c.script }) } : {}),
      ...(o.quiet
        ? {}
        : {
            onLine: (line: string, stream: "stdout" | "stderr") =>
              ctx.sink({ type: "output", at: (ctx.now ?? Date.now)(), stepId, stream, line }),
          }),
    });
    ran(r.code);
    return r;
  } catch (e) {
    ran(null);
    if (o.signal?.aborted) throw new StepError(INTERRUPTED);
    if (timeout.aborted)
      throw new StepError(`${argv.slice(0, 3).join(" ")} did not finish within ${Math.round(ms / 1000)} s`);
    throw e;
  }
}
