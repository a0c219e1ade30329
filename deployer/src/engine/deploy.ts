/**
 * The runner of a deploy (or rollback) plan: executes its steps over one Remote, emits TaskEvents,
 * undoes what it must when a later step fails, and always records history and releases the lock
 * it took.
 */
import * as backup from "../commands/backup.js";
import * as checks from "../commands/checks.js";
import * as compose from "../commands/compose.js";
import * as docker from "../commands/docker.js";
import * as history from "../commands/history.js";
import * as lockCmd from "../commands/lock.js";
import * as migrate from "../commands/migrate.js";
import * as release from "../commands/release.js";
import type { ReleaseArchive } from "../local/git.js";
import type { EngineContext, RenderUnits } from "./context.js";
import { StepError, TIMEOUTS, exec, mustExec, lastLine } from "./context.js";
import { INTERRUPTED, type TaskEvent, type TaskResult } from "./events.js";
import { waitHealthy } from "./health.js";
import type { DeployPlan, Step } from "./plan.js";
import { installUnits } from "./units.js";

export interface DeployInputs {
  plan: DeployPlan;
  archive: () => Promise<ReleaseArchive>;
  envData: Buffer;
  renderUnits?: RenderUnits;
  healthTimeoutSec: number;
  deployUser: string;
}

interface Progress {
  lockTaken: boolean;
  migratedUp: number;
  reverted: number;
  switched: boolean;
  upStartedAt?: number;
  healthyAt?: number;
  backupName?: string;
  /** The target image's migration status, once asked (reused while nothing was reverted since). */
  status?: migrate.MigrationStatus;
  /** The pre-deploy backup, started while the image builds; its events wait for the backup step. */
  earlyBackup?: Early;
  /** The revert step's `migrate status`, started while the backup runs (both only read). */
  earlyStatus?: Early;
}

type Early = ReturnType<typeof startEarly>;

/**
 * Starts a later step's command now, in the background (the backup while the image builds, the
 * revert step's status while the backup runs): its output events are held back until `flush()`
 * (called when that step starts), so the step log reads as if it ran in order.
 */
function startEarly(ctx: EngineContext, stepId: string, argv: readonly string[], signal?: AbortSignal) {
  const held: TaskEvent[] = [];
  let live: ((e: TaskEvent) => void) | undefined;
  const sink = (e: TaskEvent) => (live ? live(e) : held.push(e));
  const now = ctx.now ?? Date.now;
  const started = now();
  let tookMs: number | undefined;
  const result = exec({ ...ctx, sink }, stepId, argv, { ...(signal ? { signal } : {}), timeoutMs: TIMEOUTS.long });
  result.then(
    () => (tookMs = now() - started),
    () => undefined, // awaited by the backup step, or on the way out
  );
  return {
    result,
    tookMs: () => tookMs,
    flush: () => {
      for (const e of held.splice(0)) ctx.sink(e);
      live = ctx.sink;
    },
  };
}

class Interrupted extends StepError {
  constructor() {
    super(INTERRUPTED);
  }
}

export async function runDeploy(ctx: EngineContext, inp: DeployInputs, signal?: AbortSignal): Promise<TaskResult> {
  const now = ctx.now ?? Date.now;
  const started = now();
  const { plan } = inp;
  const req = plan.request;
  const l = plan.layout;
  const dir = l.release(req.tag);
  const figures: Record<string, string> = {};
  const p: Progress = { lockTaken: false, migratedUp: 0, reverted: 0, switched: false };
  const emit = ctx.sink;
  emit({
    type: "plan",
    at: now(),
    task: `${req.action} ${req.tag}`,
    steps: plan.steps.map((s) => ({ id: s.id, title: s.title })),
  });

  let result: TaskResult | undefined;
  let current: Step | undefined;
  const done = new Set<string>();

  const handlers: Partial<Record<Step["id"], (s: Step) => Promise<string | void>>> = {
    checks: async (s) => {
      const outs: string[] = [];
      // Asked together (one round trip instead of five), judged in order.
      const list = checks.remoteChecks(l);
      const results = await Promise.all(
        list.map((c) => exec(ctx, s.id, c.argv, { signal, timeoutMs: TIMEOUTS.short })),
      );
      for (const [i, c] of list.entries()) {
        const r = results[i]!;
        if (r.code !== 0) throw new StepError(c.failure);
        if (c.id === "compose" && !checks.composeIsV2(r.stdout))
          throw new StepError(`compose ${r.stdout.trim()} is not v2`);
        if (c.id === "disk") {
          figures["disk free"] = docker.formatBytes((checks.parseDfKb(r.stdout) ?? 0) * 1024);
          const low = checks.lowDisk(r.stdout, ctx.target.backup.minFreeMb);
          if (low) throw new StepError(low);
        }
        outs.push(`${c.what} ok`);
      }
      return outs.join(", ");
    },
    lock: async (s) => {
      const r = await exec(ctx, s.id, s.commands[0]!, { signal, timeoutMs: TIMEOUTS.short, quiet: true });
      if (r.code === lockCmd.LOCK_HELD)
        throw new StepError(lockCmd.describeLock(lockCmd.parseLockInfo(r.stdout), now()), 3);
      if (r.code !== 0) throw new StepError(`cannot take the lock${lastLine(r.stderr)}`);
      p.lockTaken = true;
    },
    upload: async (s) => {
      const archive = await inp.archive();
      for (const argv of release.prepareTmp(l, req.tag))
        await mustExec(ctx, s.id, argv, "preparing the release dir", { signal });
      const dest = release.archivePath(l, req.tag);
      await ctx.remote.upload({ data: archive.data }, dest, {
        mode: 0o600,
        onProgress: (d, t) => emit({ type: "progress", at: now(), stepId: s.id, done: d, total: t }),
      });
      const sum = release.parseChecksum(
        (await mustExec(ctx, s.id, release.checksum(dest), "checksum", { signal })).stdout,
      );
      if (sum !== archive.sha256)
        throw new StepError(
          `the uploaded archive's checksum does not match (${sum ?? "none"} != ${archive.sha256}); nothing was used`,
        );
      for (const argv of release.unpack(l, req.tag))
        await mustExec(ctx, s.id, argv, "unpacking the release", { signal });
      await ctx.remote.upload({ data: release.releaseEnv(l, req.tag) }, `${l.releaseTmp(req.tag)}/release.env`, {
        mode: 0o644,
      });
      await ctx.remote.upload(
        { data: release.releaseJson({ tag: req.tag, commit: req.commit, deployedAt: req.at, by: req.by }) },
        `${l.releaseTmp(req.tag)}/release.json`,
        { mode: 0o644 },
      );
      for (const argv of release.publish(l, req.tag))
        await mustExec(ctx, s.id, argv, "publishing the release", { signal });
      return `${docker.formatBytes(archive.data.length)}, sha256 ${archive.sha256.slice(0, 12)} verified`;
    },
    env: async (s) => {
      for (const argv of s.commands) await mustExec(ctx, s.id, argv, "creating shared/ and backups/", { signal });
      await ctx.remote.upload({ data: inp.envData }, l.envFile, { mode: 0o600 });
      return "mode 0600";
    },
    build: async (s) => {
      // The pre-deploy backup only reads the running database: it is taken while the image builds.
      const backupStep = plan.steps.find((x) => x.id === "backup");
      if (backupStep && !backupStep.skip && !plan.steps.some((x) => x.id === "database"))
        p.earlyBackup = startEarly(ctx, "backup", backupStep.commands[0]!, signal);
      const r = await exec(ctx, s.id, compose.build(dir), { signal, timeoutMs: TIMEOUTS.build });
      if (signal?.aborted) throw new Interrupted();
      if (r.code !== 0)
        throw new StepError(
          `the build of remindbot-bot:${req.tag} failed (exit ${r.code})${lastLine(r.stderr || r.stdout)}`,
        );
      const size = await exec(ctx, s.id, docker.imageSize(req.tag), { quiet: true, timeoutMs: TIMEOUTS.short });
      if (size.code === 0) figures["image size"] = docker.formatBytes(Number(size.stdout.trim()));
      return figures["image size"];
    },
    database: async (s) => {
      await mustExec(ctx, s.id, s.commands[0]!, "starting PostgreSQL", { signal });
    },
    backup: async (s) => {
      // The revert step's status needs the target's image (built or kept by now) and only reads:
      // asked meanwhile (a rollback, whose backup is not taken during a build, saves ~2 s).
      const revertStep = plan.steps.find((x) => x.id === "revert");
      if (revertStep && !revertStep.skip && !p.status)
        p.earlyStatus = startEarly(ctx, "revert", migrate.status(dir), signal);
      const early = p.earlyBackup;
      early?.flush();
      const r = await (early?.result ?? exec(ctx, s.id, s.commands[0]!, { signal, timeoutMs: TIMEOUTS.long }));
      p.earlyBackup = undefined;
      const took = early?.tookMs();
      if (r.code !== 0)
        throw new StepError(
          `the backup failed: ${backup.BACKUP_EXIT[r.code] ?? `exit ${r.code}`}${lastLine(r.stderr)}`,
        );
      p.backupName = backup.parseCreated(r.stdout);
      if (p.backupName) figures.backup = p.backupName;
      const during = took === undefined ? "" : ` (taken while the image built, ${(took / 1000).toFixed(1)} s)`;
      return p.backupName ? `${p.backupName}${during}` : undefined;
    },
    revert: async (s) => {
      const curDir = l.release(ctxCurrent(plan));
      // "applied" is the database's: the target's image reports it as the current one's would.
      const early = p.earlyStatus;
      early?.flush();
      p.earlyStatus = undefined;
      const st = await (early?.result ?? exec(ctx, s.id, migrate.status(dir), { signal }));
      if (st.code !== 0)
        throw new StepError(`migrate status (target) failed (exit ${st.code})${lastLine(st.stderr || st.stdout)}`);
      const target = migrate.parseStatus(st.stdout);
      p.status = target;
      let down: string[];
      try {
        down = migrate.unknownToTarget(target.applied, target.known);
      } catch (e) {
        throw new StepError((e as Error).message);
      }
      if (down.length === 0) return `nothing to revert`;
      await mustExec(ctx, s.id, migrate.down(curDir, down.length), `reverting ${down.join(", ")}`, { signal });
      p.reverted = down.length;
      p.status = undefined;
      return `reverted ${down.join(", ")}`;
    },
    migrate: async (s) => {
      // Asked already in this run (revert step) or by the probe: one `compose run` less (~3 s).
      const before =
        p.status ??
        (p.reverted === 0 ? plan.migrationStatus : undefined) ??
        migrate.parseStatus((await mustExec(ctx, s.id, migrate.status(dir), "migrate status", { signal })).stdout);
      const applied = new Set(before.applied);
      const pending = before.known.filter((m) => !applied.has(m));
      if (pending.length === 0) return "nothing pending";
      const up = await exec(ctx, s.id, migrate.up(dir), { signal });
      const after = migrate.parseStatus((await mustExec(ctx, s.id, migrate.status(dir), "migrate status", {})).stdout);
      p.migratedUp = Math.max(0, after.applied.length - before.applied.length);
      if (up.code !== 0) throw new StepError(`migrations failed (exit ${up.code})${lastLine(up.stderr)}`);
      return p.migratedUp === 0 ? "nothing pending" : `${p.migratedUp} applied`;
    },
    switch: async (s) => {
      for (const argv of release.switchCurrent(l, req.tag)) await mustExec(ctx, s.id, argv, "switching current", {});
      p.switched = true;
      return `current -> releases/${req.tag}`;
    },
    up: async (s) => {
      p.upStartedAt = now();
      const r = await exec(ctx, s.id, s.commands[0]!, { timeoutMs: TIMEOUTS.long });
      // A first deploy's `up --wait` exits non-zero on an unhealthy bot: the gate below says why.
      if (r.code !== 0 && !plan.firstDeploy)
        throw new StepError(`docker compose up failed (exit ${r.code})${lastLine(r.stderr)}`);
    },
    health: async (s) => {
      const h = await waitHealthy(ctx, s.id, dir, inp.healthTimeoutSec, signal);
      if (!h.ok) throw new StepError(h.reason, 4);
      p.healthyAt = h.healthyAt;
      if (p.upStartedAt !== undefined && h.healthyAt !== undefined && !plan.firstDeploy)
        figures["bot downtime"] = `${((h.healthyAt - p.upStartedAt) / 1000).toFixed(1)} s (at most)`;
      return h.reason;
    },
    rescue: async () => "not needed: the new release is healthy",
    units: async (s) => {
      if (!inp.renderUnits) return "no unit renderer in this build";
      return installUnits(
        ctx,
        s.id,
        inp.renderUnits({ app: "remindbot", appDir: l.appDir, deployUser: inp.deployUser }),
        false,
      );
    },
    prune: async (s) => {
      let failed = 0;
      for (const argv of s.commands)
        if ((await exec(ctx, s.id, argv, { timeoutMs: TIMEOUTS.short })).code !== 0) failed++;
      for (const argv of docker.pruneDangling()) await exec(ctx, s.id, argv, { quiet: true, timeoutMs: TIMEOUTS.long });
      if (failed) emit({ type: "warning", at: now(), message: `prune: ${failed} command(s) failed (see the log)` });
      return `${plan.prune.tags.length} release(s), ${plan.prune.images.length} image(s) removed`;
    },
  };

  try {
    for (const step of plan.steps) {
      if (step.id === "history" || step.id === "unlock") continue;
      current = step;
      if (signal?.aborted) throw new Interrupted();
      const t = now();
      emit({ type: "step-start", at: t, stepId: step.id });
      if (step.skip) {
        emit({ type: "step-done", at: now(), stepId: step.id, status: "skipped", note: step.skip });
        done.add(step.id);
        continue;
      }
      const note = await handlers[step.id]?.(step);
      emit({ type: "step-done", at: now(), stepId: step.id, status: "done", ...(note ? { note } : {}) });
      done.add(step.id);
    }
    result = {
      ok: true,
      exitCode: 0,
      message: `${req.action === "rollback" ? "rolled back to" : "deployed"} ${req.tag}`,
      durationMs: now() - started,
      figures,
    };
  } catch (e) {
    const err = e instanceof StepError ? e : new StepError(oneLine(e));
    if (current) emit({ type: "step-failed", at: now(), stepId: current.id, error: err.message });
    if (err.exitCode === 3) {
      result = { ok: false, exitCode: 3, message: err.message, durationMs: now() - started };
    } else if (p.switched || p.migratedUp > 0 || p.reverted > 0) {
      result = await rescue(ctx, inp, p, err.message, started);
    } else {
      const what = current?.id === "build" ? "; nothing changed on the server, the old release keeps running" : "";
      result = {
        ok: false,
        exitCode: 1,
        message: `${req.action} ${req.tag} failed: ${err.message}${what}`,
        durationMs: now() - started,
      };
    }
    result.figures = { ...figures, ...(result.figures ?? {}) };
  } finally {
    // A build that failed while the backup ran: let the backup end before the lock is released.
    if (p.earlyBackup) await p.earlyBackup.result.catch(() => undefined);
    if (p.earlyStatus) await p.earlyStatus.result.catch(() => undefined);
    if (p.lockTaken) await finish(ctx, inp, result, started, p);
  }
  result ??= { ok: false, exitCode: 1, message: `${req.action} ${req.tag} interrupted`, durationMs: 0 };
  figures.duration = `${((now() - started) / 1000).toFixed(1)} s`;
  result.durationMs = now() - started;
  result.figures = { ...figures, ...(result.figures ?? {}) };
  emit({ type: "summary", at: now(), result });
  return result;
}

function ctxCurrent(plan: DeployPlan): string {
  if (!plan.previous) throw new StepError("no current release to revert migrations with");
  return plan.previous;
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "unknown error";
}

/** Undo after a failure past the point of no return: back to the previous release, loudly. */
async function rescue(
  ctx: EngineContext,
  inp: DeployInputs,
  p: Progress,
  why: string,
  started: number,
): Promise<TaskResult> {
  const now = ctx.now ?? Date.now;
  const { plan } = inp;
  const l = plan.layout;
  const dir = l.release(plan.request.tag);
  const id = "rescue";
  const emit = ctx.sink;
  emit({ type: "step-start", at: now(), stepId: id });
  if (!plan.previous) {
    await exec(ctx, id, compose.compose(dir, "stop", "bot"), { timeoutMs: TIMEOUTS.short });
    emit({
      type: "step-failed",
      at: now(),
      stepId: id,
      error: "first deploy: nothing to roll back to; the bot is stopped",
    });
    return {
      ok: false,
      exitCode: 1,
      message: `${plan.request.tag} failed: ${why}; first deploy, nothing to roll back to (bot stopped)`,
      durationMs: now() - started,
    };
  }
  const prev = plan.previous;
  const prevDir = l.release(prev);
  emit({ type: "warning", at: now(), message: `ROLLING BACK to ${prev}: ${why}` });
  const problems: string[] = [];
  try {
    if (p.migratedUp > 0) {
      const r = await exec(ctx, id, migrate.down(dir, p.migratedUp), { timeoutMs: TIMEOUTS.long });
      if (r.code !== 0) {
        if (p.backupName) {
          emit({
            type: "warning",
            at: now(),
            message: `reverting the migrations failed; restoring the pre-deploy backup ${p.backupName}`,
          });
          const rr = await exec(ctx, id, backup.restore(prevDir, l, p.backupName, inp.healthTimeoutSec), {
            timeoutMs: TIMEOUTS.long,
          });
          if (rr.code !== 0 && rr.code !== 6)
            problems.push(`restore of ${p.backupName} failed: ${backup.RESTORE_EXIT[rr.code] ?? rr.code}`);
        } else problems.push("reverting the migrations failed and there is no pre-deploy backup");
      }
    }
    if (p.reverted > 0) {
      const r = await exec(ctx, id, migrate.up(prevDir), { timeoutMs: TIMEOUTS.long });
      if (r.code !== 0) problems.push(`re-applying ${prev}'s migrations failed`);
    }
    for (const argv of release.switchCurrent(l, prev)) await mustExec(ctx, id, argv, "switching back", {});
    await mustExec(ctx, id, compose.upBot(prevDir), `starting ${prev}`, { timeoutMs: TIMEOUTS.long });
    const h = await waitHealthy(ctx, id, prevDir, inp.healthTimeoutSec);
    if (!h.ok) problems.push(`${prev} is not healthy either: ${h.reason}`);
  } catch (e) {
    problems.push(oneLine(e));
  }
  if (problems.length > 0) {
    emit({ type: "step-failed", at: now(), stepId: id, error: problems.join("; ") });
    return {
      ok: false,
      exitCode: 1,
      message: `${plan.request.tag} failed (${why}) and the rollback to ${prev} had problems: ${problems.join("; ")}`,
      durationMs: now() - started,
    };
  }
  emit({ type: "step-done", at: now(), stepId: id, status: "done", note: `${prev} restored and healthy` });
  emit({
    type: "warning",
    at: now(),
    message: `ROLLED BACK: ${plan.request.tag} failed its health gate; ${prev} is running again`,
  });
  return {
    ok: false,
    exitCode: 4,
    message: `${plan.request.tag} failed (${why}); rolled back to ${prev}`,
    durationMs: now() - started,
  };
}

/** Every path ends here when we hold the lock: history, then the lock itself. */
async function finish(
  ctx: EngineContext,
  inp: DeployInputs,
  result: TaskResult | undefined,
  started: number,
  _p: Progress,
): Promise<void> {
  const now = ctx.now ?? Date.now;
  const { plan } = inp;
  const req = plan.request;
  const l = plan.layout;
  const emit = ctx.sink;
  const resultText = !result
    ? "interrupted"
    : result.exitCode === 0
      ? "ok"
      : result.exitCode === 4
        ? "rolled-back"
        : "failed";
  emit({ type: "step-start", at: now(), stepId: "history" });
  const entry = {
    at: new Date(started).toISOString(),
    action: req.action,
    tag: req.tag,
    commit: req.commit,
    by: req.by,
    result: resultText,
    durationMs: now() - started,
    ...(result && !result.ok ? { detail: result.message } : {}),
  };
  const h = await exec(ctx, "history", history.append(l, entry), { quiet: true, timeoutMs: TIMEOUTS.short }).catch(
    () => undefined,
  );
  if (h?.code === 0) emit({ type: "step-done", at: now(), stepId: "history", status: "done", note: resultText });
  else emit({ type: "step-failed", at: now(), stepId: "history", error: "could not append to history.jsonl" });
  emit({ type: "step-start", at: now(), stepId: "unlock" });
  const u = await exec(ctx, "unlock", lockCmd.release(l), { quiet: true, timeoutMs: TIMEOUTS.short }).catch(
    () => undefined,
  );
  if (u?.code === 0) emit({ type: "step-done", at: now(), stepId: "unlock", status: "done" });
  else
    emit({
      type: "step-failed",
      at: now(),
      stepId: "unlock",
      error: "could not remove the lock: run `unlock` once you are sure no deploy runs",
    });
}
