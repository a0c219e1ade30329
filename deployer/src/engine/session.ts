/**
 * TargetSession over the engine: one lazily opened SSH connection per session, local checks
 * before it opens, plans built from a probe, tasks run by the runners.
 */
import { limitChannels } from "./channels.js";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative } from "node:path";
import * as backupCmd from "../commands/backup.js";
import * as checks from "../commands/checks.js";
import * as compose from "../commands/compose.js";
import * as docker from "../commands/docker.js";
import { layout, type Layout } from "../commands/layout.js";
import * as lockCmd from "../commands/lock.js";
import * as systemd from "../commands/systemd.js";
import { tagProblem } from "../commands/names.js";
import { checkEnvFile } from "../config/env-file.js";
import { ConfigError, type Target } from "../config/targets.js";
import { isTracked, releaseArchive, tagCommit } from "../local/git.js";
import type { Remote } from "../ssh/types.js";
import { quoteArgv } from "../ssh/quote.js";
import type {
  BackupInfo,
  LogOptions,
  PlanView,
  ReleaseInfo,
  ServerStatus,
  TargetSession,
  TargetSummary,
  ContainerStatus,
} from "./api.js";
import type { RenderUnits } from "./context.js";
import { StepError, TIMEOUTS, exec, lastLine } from "./context.js";
import { runDeploy } from "./deploy.js";
import type { EventSink, TaskResult } from "./events.js";
import { deployPlan, type DeployPlan } from "./plan.js";
import { probe } from "./probe.js";
import { provisionPlan, runProvision } from "./provision.js";
import { waitHealthy } from "./health.js";

export interface SessionDeps {
  target: Target;
  /** The git repository whose tags are deployed. */
  repoDir: string;
  /** Opens the deploy user's connection (host key checks inside). */
  connect: () => Promise<Remote>;
  /** Opens root's (or a sudoer's) connection, for provision. */
  connectRoot: () => Promise<Remote>;
  by: string;
  renderUnits?: RenderUnits;
  now?: () => number;
}

export function summarize(t: Target): TargetSummary {
  return {
    name: t.name,
    host: t.host,
    port: t.port ?? 22,
    user: t.user ?? "deploy",
    appDir: t.appDir,
    source: t.source,
  };
}

/** Local checks before any connection: tag well-formed and in git, env complete and untracked. */
export async function localChecks(deps: SessionDeps, tag: string): Promise<{ commit: string; envData: Buffer }> {
  const problem = tagProblem(tag);
  if (problem) throw new StepError(problem);
  const commit = await tagCommit(deps.repoDir, tag);
  const envData = await checkedEnv(deps);
  return { commit, envData };
}

export async function checkedEnv(deps: SessionDeps): Promise<Buffer> {
  const t = deps.target;
  const rel = relative(deps.repoDir, t.envFile);
  const inside = !rel.startsWith("..");
  const tracked = inside && existsSync(t.envFile) ? await isTracked(deps.repoDir, rel) : false;
  try {
    checkEnvFile({ envPath: t.envFile, examplePath: t.envExample, tracked, display: inside ? rel : t.envFile });
  } catch (e) {
    // A bad env file is a configuration error (exit 2), like a bad targets file.
    throw new ConfigError(e instanceof Error ? e.message : String(e));
  }
  return readFileSync(t.envFile);
}

export class EngineSession implements TargetSession {
  readonly target: TargetSummary;
  readonly layout: Layout;
  private remote?: Remote;
  private opening?: Promise<Remote>;

  constructor(private readonly deps: SessionDeps) {
    this.target = summarize(deps.target);
    this.layout = layout(deps.target.appDir);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  async open(): Promise<Remote> {
    if (this.remote) return this.remote;
    this.opening ??= this.deps.connect().then((r) => (this.remote = limitChannels(r)));
    return this.opening;
  }

  private planConfig() {
    const t = this.deps.target;
    return {
      appDir: t.appDir,
      keepReleases: t.keepReleases,
      healthTimeoutSec: t.healthTimeoutSec,
      backupBeforeDeploy: t.backup.beforeDeploy,
      backupMinFreeMb: t.backup.minFreeMb,
    };
  }

  /**
   * `probeMigrations`: ask the target's image which migrations it knows before planning (a
   * `compose run`, ~2.5 s). `plan` does, to print what would be reverted; a run does not: its
   * revert step asks while the backup runs.
   */
  async buildDeployPlan(
    action: "deploy" | "rollback",
    tag: string,
    commit: string,
    probeMigrations = true,
  ): Promise<DeployPlan> {
    const remote = await this.open();
    const state = await probe(remote, this.layout, probeMigrations ? { migrationsFor: tag } : {});
    return deployPlan(this.planConfig(), state, {
      action,
      tag,
      commit,
      by: this.deps.by,
      at: new Date(this.now()).toISOString(),
      pid: process.pid,
    });
  }

  async plan(action: "deploy" | "rollback" | "provision", tag?: string): Promise<PlanView> {
    if (action === "provision") {
      const remote = await this.deps.connectRoot();
      try {
        return await provisionPlan(remote, this.deps);
      } finally {
        await remote.close();
      }
    }
    if (!tag) throw new StepError(`plan ${action} needs a tag`);
    const { commit } = await localChecks(this.deps, tag);
    const p = await this.buildDeployPlan(action, tag, commit);
    return {
      action,
      tag,
      steps: p.steps.map((s) => ({
        id: s.id,
        title: s.skip ? `${s.title} (skipped: ${s.skip})` : s.title,
        commands: [...(s.notes ?? []).map((n) => `# ${n}`), ...s.commands.map(quoteArgv)],
      })),
      migrationsUp: [],
      migrationsDown: p.migrationsDown,
      warnings: p.warnings,
    };
  }

  deploy(tag: string, sink: EventSink, signal?: AbortSignal): Promise<TaskResult> {
    return this.runTask("deploy", tag, sink, signal);
  }

  rollback(tag: string, sink: EventSink, signal?: AbortSignal): Promise<TaskResult> {
    return this.runTask("rollback", tag, sink, signal);
  }

  private async runTask(
    action: "deploy" | "rollback",
    tag: string,
    sink: EventSink,
    signal?: AbortSignal,
  ): Promise<TaskResult> {
    const started = this.now();
    try {
      const { commit, envData } = await localChecks(this.deps, tag);
      const remote = await this.open();
      const plan = await this.buildDeployPlan(action, tag, commit, false);
      if (action === "rollback" && !plan.previous && plan.firstDeploy)
        sink({
          type: "warning",
          at: this.now(),
          message: `nothing is deployed yet: rolling back to ${tag} is a first deploy of it`,
        });
      const onServer = plan.steps.find((s) => s.id === "upload")?.skip;
      if (action === "rollback")
        sink({
          type: "warning",
          at: this.now(),
          message: onServer
            ? `${tag} is on the server: no upload${plan.steps.find((s) => s.id === "build")?.skip ? ", no rebuild" : ""}`
            : `${tag} is not on the server: this is a deploy of that tag`,
        });
      return await runDeploy(
        { remote, target: this.deps.target, sink },
        {
          plan,
          archive: () => releaseArchive(this.deps.repoDir, tag),
          envData,
          ...(this.deps.renderUnits ? { renderUnits: this.deps.renderUnits } : {}),
          healthTimeoutSec: this.deps.target.healthTimeoutSec,
          deployUser: this.target.user,
        },
        signal,
      );
    } catch (e) {
      const msg = e instanceof Error ? e.message.split("\n")[0]! : String(e);
      const result: TaskResult = {
        ok: false,
        exitCode: e instanceof StepError ? e.exitCode : e instanceof ConfigError ? 2 : 1,
        message: msg,
        durationMs: this.now() - started,
      };
      sink({ type: "summary", at: this.now(), result });
      return result;
    }
  }

  async releases(): Promise<ReleaseInfo[]> {
    const remote = await this.open();
    const state = await probe(remote, this.layout);
    const hist = await remote.run(["tail", "-n", "1000", "--", this.layout.history]);
    const { parseHistory } = await import("../commands/history.js");
    const entries = hist.code === 0 ? parseHistory(hist.stdout) : [];
    return state.releases.map((r) => {
      const last = entries.filter((e) => e.tag === r.dir).at(-1);
      return {
        tag: r.dir,
        commit: r.commit,
        deployedAt: r.deployedAt,
        by: r.by,
        result: r.complete ? (last?.result ?? "unknown") : "incomplete",
        current: r.dir === state.currentTag,
        imagePresent: state.images.includes(r.dir),
      };
    });
  }

  async status(): Promise<ServerStatus> {
    const remote = await this.open();
    const l = this.layout;
    const [state, ps, stats, df, timers, backups] = await Promise.all([
      probe(remote, l),
      remote.run(["docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=remindbot"]),
      remote.run(docker.stats()),
      remote.run(checks.diskFree(l.appDir)),
      remote.run(systemd.listTimers()),
      this.backups().catch(() => [] as BackupInfo[]),
    ]);
    const ids = ps.stdout
      .split("\n")
      .map((s) => s.trim())
      .filter((s) => /^[0-9a-f]{12,64}$/.test(s));
    const containers: ContainerStatus[] = [];
    if (ids.length > 0) {
      const ins = await remote.run(["docker", "inspect", "--format", "{{json .}}", ...ids]);
      const memById = new Map<string, { mem: string; cpu: string }>();
      for (const line of stats.stdout.split("\n")) {
        try {
          const s = JSON.parse(line) as { ID?: string; MemUsage?: string; CPUPerc?: string };
          if (s.ID) memById.set(s.ID.slice(0, 12), { mem: s.MemUsage ?? "", cpu: s.CPUPerc ?? "" });
        } catch {
          continue;
        }
      }
      for (const line of ins.stdout.split("\n")) {
        try {
          const c = JSON.parse(line) as {
            Id: string;
            RestartCount?: number;
            State?: { Status?: string; StartedAt?: string; Running?: boolean; Health?: { Status?: string } };
            Config?: { Labels?: Record<string, string> };
          };
          const started = Date.parse(c.State?.StartedAt ?? "");
          const m = memById.get(c.Id.slice(0, 12));
          containers.push({
            service: c.Config?.Labels?.["com.docker.compose.service"] ?? c.Id.slice(0, 12),
            state: c.State?.Status ?? "unknown",
            health: c.State?.Health?.Status ?? "none",
            uptime: c.State?.Running && Number.isFinite(started) ? lockCmd.formatAge(this.now() - started) : "-",
            restarts: c.RestartCount ?? 0,
            cpu: m?.cpu ?? "-",
            memory: m?.mem ?? "-",
          });
        } catch {
          continue;
        }
      }
    }
    const kb = checks.parseDfKb(df.stdout);
    const next = timers.code === 0 ? systemd.parseNextTimer(timers.stdout) : undefined;
    return {
      ...(state.currentTag ? { currentRelease: state.currentTag } : {}),
      containers: containers.sort((a, b) => a.service.localeCompare(b.service)),
      diskFree: kb === undefined ? "unknown" : docker.formatBytes(kb * 1024),
      ...(backups[0] ? { lastBackup: `${backups[0].name} (${backups[0].createdAt})` } : {}),
      ...(next ? { nextBackup: next } : {}),
      ...(state.lock
        ? {
            lock: {
              by: state.lock.by,
              at: state.lock.at,
              action: state.lock.action,
              ...(state.lock.tag ? { tag: state.lock.tag } : {}),
            },
          }
        : {}),
    };
  }

  private async currentDir(remote: Remote): Promise<string> {
    const state = await probe(remote, this.layout);
    if (!state.currentTag) throw new StepError("nothing is deployed on this server yet (no current release)");
    return this.layout.release(state.currentTag);
  }

  async logs(o: LogOptions, onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
    const remote = await this.open();
    const dir = await this.currentDir(remote);
    let r;
    try {
      r = await remote.run(
        compose.logs(dir, {
          service: o.service,
          follow: o.follow,
          ...(o.tail !== undefined ? { tail: o.tail } : {}),
          ...(o.since !== undefined ? { since: o.since } : {}),
        }),
        {
          ...(signal ? { signal } : {}),
          onLine: (line) => onLine(compose.cleanLogLine(line)),
        },
      );
    } catch (e) {
      // Ctrl+C is how a follow ends: the remote process was ended with it, nothing failed.
      if (signal?.aborted) return;
      throw e;
    }
    if (r.code !== 0 && !signal?.aborted)
      throw new StepError(`docker compose logs failed (exit ${r.code})${lastLine(r.stderr)}`);
  }

  async backups(): Promise<BackupInfo[]> {
    const remote = await this.open();
    const r = await remote.run(backupCmd.list(this.layout));
    if (r.code !== 0) throw new StepError(`cannot list ${this.layout.backups}${lastLine(r.stderr)}`);
    return backupCmd.parseList(r.stdout);
  }

  async createBackup(sink: EventSink, signal?: AbortSignal): Promise<TaskResult> {
    const started = this.now();
    const ctx = { remote: await this.open(), target: this.deps.target, sink };
    sink({ type: "plan", at: started, task: "backup", steps: [{ id: "backup", title: "Back up the database" }] });
    sink({ type: "step-start", at: this.now(), stepId: "backup" });
    let result: TaskResult;
    try {
      const dir = await this.currentDir(ctx.remote);
      const r = await exec(
        ctx,
        "backup",
        backupCmd.create(dir, this.layout, { label: "manual", minFreeMb: this.deps.target.backup.minFreeMb }),
        { timeoutMs: TIMEOUTS.long, ...(signal ? { signal } : {}) },
      );
      if (r.code !== 0)
        throw new StepError(
          `the backup failed: ${backupCmd.BACKUP_EXIT[r.code] ?? `exit ${r.code}`}${lastLine(r.stderr)}`,
        );
      const name = backupCmd.parseCreated(r.stdout) ?? "?";
      sink({ type: "step-done", at: this.now(), stepId: "backup", status: "done", note: name });
      result = {
        ok: true,
        exitCode: 0,
        message: `backup ${name} written`,
        durationMs: this.now() - started,
        figures: { backup: name },
      };
    } catch (e) {
      const msg = (e as Error).message;
      sink({ type: "step-failed", at: this.now(), stepId: "backup", error: msg });
      result = { ok: false, exitCode: 1, message: msg, durationMs: this.now() - started };
    }
    sink({ type: "summary", at: this.now(), result });
    return result;
  }

  async pullBackup(name: string, localPath: string, onProgress: (done: number, total: number) => void): Promise<void> {
    const remote = await this.open();
    await remote.download(backupCmd.path(this.layout, name), localPath, onProgress);
  }

  async restoreBackup(name: string, sink: EventSink, signal?: AbortSignal): Promise<TaskResult> {
    const started = this.now();
    const remote = await this.open();
    const ctx = { remote, target: this.deps.target, sink };
    const l = this.layout;
    sink({
      type: "plan",
      at: started,
      task: `restore ${name}`,
      steps: [
        { id: "lock", title: "Take the deploy lock" },
        { id: "restore", title: `Restore ${name} (safety backup first, bot stopped meanwhile)` },
        { id: "health", title: "Wait for the bot to be healthy" },
      ],
    });
    let result: TaskResult;
    let locked = false;
    let step = "lock";
    try {
      backupCmd.path(l, name);
      sink({ type: "step-start", at: this.now(), stepId: "lock" });
      const info: lockCmd.LockInfo = {
        by: this.deps.by,
        at: new Date(started).toISOString(),
        action: "restore",
        tag: name,
        pid: process.pid,
      };
      const lk = await exec(ctx, "lock", lockCmd.acquire(l, info), { quiet: true, timeoutMs: TIMEOUTS.short });
      if (lk.code === lockCmd.LOCK_HELD)
        throw new StepError(lockCmd.describeLock(lockCmd.parseLockInfo(lk.stdout), this.now()), 3);
      if (lk.code !== 0) throw new StepError(`cannot take the lock${lastLine(lk.stderr)}`);
      locked = true;
      sink({ type: "step-done", at: this.now(), stepId: "lock", status: "done" });
      step = "restore";
      sink({ type: "step-start", at: this.now(), stepId: "restore" });
      const dir = await this.currentDir(remote);
      const r = await exec(ctx, "restore", backupCmd.restore(dir, l, name, this.deps.target.healthTimeoutSec), {
        timeoutMs: TIMEOUTS.long,
        ...(signal ? { signal } : {}),
      });
      if (r.code !== 0 && r.code !== 6)
        throw new StepError(
          `restore failed: ${backupCmd.RESTORE_EXIT[r.code] ?? `exit ${r.code}`}${lastLine(r.stderr)}`,
        );
      sink({ type: "step-done", at: this.now(), stepId: "restore", status: "done" });
      step = "health";
      sink({ type: "step-start", at: this.now(), stepId: "health" });
      const h = await waitHealthy(ctx, "health", dir, this.deps.target.healthTimeoutSec, signal);
      if (!h.ok) throw new StepError(`restored, but ${h.reason}`);
      sink({ type: "step-done", at: this.now(), stepId: "health", status: "done" });
      result = { ok: true, exitCode: 0, message: `restored ${name}`, durationMs: this.now() - started };
    } catch (e) {
      const err = e instanceof StepError ? e : new StepError((e as Error).message);
      sink({ type: "step-failed", at: this.now(), stepId: step, error: err.message });
      result = {
        ok: false,
        exitCode: err.exitCode === 3 ? 3 : 1,
        message: err.message,
        durationMs: this.now() - started,
      };
    } finally {
      if (locked) {
        const { append } = await import("../commands/history.js");
        await remote
          .run(
            append(l, {
              at: new Date(started).toISOString(),
              action: "restore",
              tag: name,
              commit: "",
              by: this.deps.by,
              result: "pending",
              durationMs: this.now() - started,
            }),
          )
          .catch(() => undefined);
        await remote.run(lockCmd.release(l)).catch(() => undefined);
      }
    }
    sink({ type: "summary", at: this.now(), result });
    return result;
  }

  async provision(sink: EventSink, signal?: AbortSignal): Promise<TaskResult> {
    const started = this.now();
    let remote: Remote | undefined;
    try {
      remote = await this.deps.connectRoot();
      return await runProvision({ remote, target: this.deps.target, sink }, this.deps, signal);
    } catch (e) {
      const result: TaskResult = {
        ok: false,
        exitCode: 1,
        message: (e as Error).message.split("\n")[0] ?? "failed",
        durationMs: this.now() - started,
      };
      sink({ type: "summary", at: this.now(), result });
      return result;
    } finally {
      await remote?.close();
    }
  }

  async unlock(): Promise<void> {
    const remote = await this.open();
    const r = await remote.run(lockCmd.release(this.layout));
    if (r.code !== 0) throw new StepError(`cannot remove ${this.layout.lock}${lastLine(r.stderr)}`);
  }

  async close(): Promise<void> {
    await this.remote?.close();
    this.remote = undefined;
    this.opening = undefined;
  }
}

/** The workstation's public key for provision: the identity's .pub, else the usual defaults. */
export function findPublicKey(identityFile?: string): string {
  const candidates = [
    ...(identityFile ? [`${identityFile}.pub`] : []),
    ...["id_ed25519", "id_ecdsa", "id_rsa"].map((n) => join(homedir(), ".ssh", `${n}.pub`)),
  ];
  for (const c of candidates) if (existsSync(c)) return readFileSync(c, "utf8").trim();
  throw new StepError(`no public key found (tried ${candidates.join(", ")}); create one with ssh-keygen -t ed25519`);
}
