/**
 * TargetSession over the engine: one lazily opened SSH connection per session, local checks before
 * it opens, plans made from a probe of the server, and every task run by the one runner.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import * as backupCmd from "../commands/backup.js";
import * as compose from "../commands/compose.js";
import * as history from "../commands/history.js";
import * as release from "../commands/release.js";
import { layout, type Layout } from "../commands/layout.js";
import * as lockCmd from "../commands/lock.js";
import { APP, backupNameProblem, DEPLOY_USER } from "../stack/contract.js";
import { ConfigError, type Target } from "../config/targets.js";
import { decryptFile } from "../local/age.js";
import { checkChecksumFile, checkDigest, sha256File, writeChecksumFile } from "../local/backup-file.js";
import { releaseArchive } from "../local/git.js";
import type { Remote } from "../ssh/types.js";
import type {
  BackupInfo,
  LogOptions,
  PlanView,
  PullResult,
  ReleaseInfo,
  ServerStatus,
  TargetSession,
  TargetSummary,
  TaskOptions,
  ProvisionOptions,
} from "./api.js";
import { limitChannels } from "./channels.js";
import { StepError, type RenderUnits } from "./context.js";
import type { EventSink, TaskResult } from "./events.js";
import { findPublicKey } from "./keys.js";
import { lastLine } from "./judges.js";
import { localChecks } from "./local-checks.js";
import { deployPlan, type DeployPlan } from "./plan.js";
import { planView } from "./plan-view.js";
import { ask, probe, probeProvision } from "./probe.js";
import { recoveryPlan } from "./recovery.js";
import { runTask, type TaskRecord } from "./runner.js";
import { encryptedName, type RestoreSource } from "./restore-source.js";
import { readStatus } from "./status.js";
import type { TaskPlan } from "./steps.js";
import {
  backupPlan,
  drillPlan,
  provisionPlan,
  restorePlan,
  type ProvisionChoices,
  type TaskRequest,
} from "./task-plans.js";

/** Only provision's own choices reach its plan (a deploy's stopFirst does not). */
function provisionChoices(o: ProvisionOptions): ProvisionChoices {
  return {
    ...(o.swap !== undefined ? { swap: o.swap } : {}),
    ...(o.hardenSsh ? { hardenSsh: true } : {}),
    ...(o.securityUpgrades ? { securityUpgrades: true } : {}),
  };
}

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
  /** Opens a connection to another host as the workstation reaches it (restore from off-site). */
  connectHost?: (h: { host: string; port?: number; user?: string }) => Promise<Remote>;
}

export function summarize(t: Target): TargetSummary {
  return {
    name: t.name,
    host: t.host,
    port: t.port ?? 22,
    user: t.user ?? DEPLOY_USER,
    appDir: t.appDir,
    source: t.source,
  };
}

function failed(e: unknown, started: number, now: number): TaskResult {
  return {
    ok: false,
    exitCode: e instanceof StepError ? e.exitCode : e instanceof ConfigError ? 2 : 1,
    message: (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "failed",
    durationMs: now - started,
  };
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

  private request(): TaskRequest {
    return { by: this.deps.by, at: new Date(this.now()).toISOString(), pid: process.pid, now: () => this.now() };
  }

  private units(user: string) {
    const b = this.deps.target.backup;
    return this.deps.renderUnits?.({
      app: APP,
      appDir: this.layout.appDir,
      deployUser: user,
      backupEveryHours: b.everyHours,
      backupKeep: b.keep,
      ...(b.offsite ? { backupOffsite: b.offsite } : {}),
    });
  }

  /** Local checks, a probe, then the plan: what `plan` prints and what `deploy` runs. */
  async deployPlan(action: "deploy" | "rollback", tag: string, o: TaskOptions = {}): Promise<DeployPlan> {
    const t = this.deps.target;
    const facts = await localChecks(t, this.deps.repoDir, tag);
    const remote = await this.open();
    const state = await probe(remote, this.layout, {
      migrationsFor: tag,
      ...(facts.migrations ? { targetMigrations: facts.migrations } : {}),
    });
    const plan = deployPlan(
      {
        appDir: t.appDir,
        keepReleases: t.keepReleases,
        healthTimeoutSec: t.healthTimeoutSec,
        backupBeforeDeploy: t.backup.beforeDeploy,
        backupMinFreeMb: t.backup.minFreeMb,
        backupKeep: t.backup.keep,
        ...(t.publishHealth ? { publishHealth: t.publishHealth } : {}),
      },
      state,
      {
        action,
        tag,
        commit: facts.commit,
        by: this.deps.by,
        at: new Date(this.now()).toISOString(),
        pid: process.pid,
        envSha256: facts.envSha256,
        sourceKnowsLease: facts.sourceKnowsLease,
        ...(o.stopFirst ? { stopFirst: true } : {}),
        ...(o.noRollback ? { noRollback: true } : {}),
      },
      {
        archive: () => releaseArchive(this.deps.repoDir, tag),
        env: async () => facts.envData,
        ...(this.deps.renderUnits ? { units: this.units(this.target.user) } : {}),
        deployUser: this.target.user,
        asRoot: this.target.user === "root",
        now: () => this.now(),
      },
    );
    if (facts.alertsOffNote) plan.warnings.push(facts.alertsOffNote);
    if (action === "rollback") {
      const onServer = plan.steps.find((s) => s.id === "upload")?.skip;
      if (plan.firstDeploy)
        plan.warnings.push(`nothing is deployed yet: rolling back to ${tag} is a first deploy of it`);
      plan.warnings.push(
        onServer
          ? `${tag} is on the server: no upload${plan.steps.find((s) => s.id === "build")?.skip ? ", no rebuild" : ""}`
          : `${tag} is not on the server: this is a deploy of that tag`,
      );
    }
    return plan;
  }

  async plan(
    action: "deploy" | "rollback" | "provision",
    tag?: string,
    o: TaskOptions & ProvisionOptions = {},
  ): Promise<PlanView> {
    if (action === "provision") {
      const remote = await this.deps.connectRoot();
      try {
        return planView(await this.provisionPlan(remote, provisionChoices(o)));
      } finally {
        await remote.close();
      }
    }
    if (!tag) throw new StepError(`plan ${action} needs a tag`);
    return planView(await this.deployPlan(action, tag, o));
  }

  deploy(tag: string, sink: EventSink, signal?: AbortSignal, o: TaskOptions = {}): Promise<TaskResult> {
    return this.runDeploy("deploy", tag, sink, signal, o);
  }

  rollback(tag: string, sink: EventSink, signal?: AbortSignal, o: TaskOptions = {}): Promise<TaskResult> {
    return this.runDeploy("rollback", tag, sink, signal, o);
  }

  private async runDeploy(
    action: "deploy" | "rollback",
    tag: string,
    sink: EventSink,
    signal: AbortSignal | undefined,
    o: TaskOptions,
  ): Promise<TaskResult> {
    return this.guard(sink, async () => {
      const plan = await this.deployPlan(action, tag, o);
      return runTask(
        { remote: await this.open(), sink, now: () => this.now() },
        plan,
        {
          history: { action, tag, commit: plan.request.commit, by: this.deps.by },
          recover: (p, why) => recoveryPlan(plan, p, why),
        },
        signal,
      );
    });
  }

  /** Runs `work`; a failure before the task starts (local checks, connecting) is still a summary. */
  private async guard(sink: EventSink, work: () => Promise<TaskResult>): Promise<TaskResult> {
    const started = this.now();
    try {
      return await work();
    } catch (e) {
      const result = failed(e, started, this.now());
      sink({ type: "summary", at: this.now(), result });
      return result;
    }
  }

  private async run(plan: TaskPlan, record: TaskRecord, sink: EventSink, signal?: AbortSignal): Promise<TaskResult> {
    return runTask({ remote: await this.open(), sink, now: () => this.now() }, plan, record, signal);
  }

  async releases(): Promise<ReleaseInfo[]> {
    const remote = await this.open();
    const state = await probe(remote, this.layout);
    const hist = await ask(remote, history.read(this.layout, 1000));
    const entries = hist.code === 0 ? history.parseHistory(hist.stdout) : [];
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
    return readStatus(await this.open(), this.layout, () => this.now());
  }

  /** The current release's dir: one readlink (logs, backup and restore need nothing else of a probe). */
  private async currentDir(remote: Remote): Promise<string> {
    const cur = await ask(remote, release.readCurrent(this.layout));
    const currentTag = cur.code === 0 ? release.currentTagFrom(cur.stdout) : undefined;
    if (!currentTag) throw new StepError("nothing is deployed on this server yet (no current release)");
    return this.layout.release(currentTag);
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

  /** With each file's rule and checksum state when the current release's backup.sh has --list. */
  async backups(): Promise<BackupInfo[]> {
    const remote = await this.open();
    const cur = await ask(remote, release.readCurrent(this.layout));
    const currentTag = cur.code === 0 ? release.currentTagFrom(cur.stdout) : undefined;
    if (currentTag) {
      const dir = this.layout.release(currentTag);
      const rich = await remote.run(backupCmd.listWithRules(dir, this.layout, this.deps.target.backup.keep));
      if (rich.code === 0) return backupCmd.parseList(rich.stdout);
    }
    const r = await remote.run(backupCmd.list(this.layout));
    if (r.code !== 0) throw new StepError(`cannot list ${this.layout.backups}${lastLine(r.stderr)}`);
    return backupCmd.parseList(r.stdout);
  }

  createBackup(sink: EventSink, signal?: AbortSignal): Promise<TaskResult> {
    return this.guard(sink, async () => {
      const dir = await this.currentDir(await this.open());
      const b = this.deps.target.backup;
      const plan = backupPlan(this.layout, dir, b.minFreeMb, this.request(), b.keep, b.offsite);
      return this.run(
        plan,
        { history: { action: "backup", tag: "manual", commit: "", by: this.deps.by } },
        sink,
        signal,
      );
    });
  }

  /**
   * Downloads a backup and checks it against the sha256 recorded beside it on the server; a copy
   * that does not match is deleted and the pull fails. The digest is kept as `<localPath>.sha256`.
   */
  async pullBackup(
    name: string,
    localPath: string,
    onProgress: (done: number, total: number) => void,
  ): Promise<PullResult> {
    const problem = backupNameProblem(name);
    if (problem) throw new ConfigError(problem);
    const remote = await this.open();
    const recorded = await remote.run(backupCmd.readChecksum(this.layout, name));
    const want = recorded.code === 0 ? release.parseChecksum(recorded.stdout) : undefined;
    await remote.download(backupCmd.path(this.layout, name), localPath, onProgress);
    if (!want) return { checksum: "none" };
    const verdict = await checkDigest(localPath, want);
    if (!verdict.ok) {
      await rm(localPath, { force: true });
      throw new StepError(`pulled ${name}, but ${verdict.problem}; the local copy was deleted`);
    }
    await writeChecksumFile(localPath, want);
    return { checksum: "verified" };
  }

  restoreBackup(name: string, sink: EventSink, signal?: AbortSignal): Promise<TaskResult> {
    return this.guard(sink, async () => {
      const problem = backupNameProblem(name);
      if (problem) throw new ConfigError(problem);
      const dir = await this.currentDir(await this.open());
      const plan = restorePlan(this.layout, dir, name, this.deps.target.healthTimeoutSec, this.request());
      return this.run(plan, { history: { action: "restore", tag: name, commit: "", by: this.deps.by } }, sink, signal);
    });
  }

  drill(sink: EventSink, signal?: AbortSignal): Promise<TaskResult> {
    return this.guard(sink, async () => {
      const dir = await this.currentDir(await this.open());
      return this.run(
        drillPlan(this.layout, dir, this.request()),
        { history: { action: "drill", tag: "newest", commit: "", by: this.deps.by } },
        sink,
        signal,
      );
    });
  }

  /**
   * `backup restore NAME --from SOURCE`: brings NAME from the workstation or an off-site copy to the
   * server's backups/ (decrypting `NAME.age` here with the identity file, for this run only; the
   * sha256 recorded beside whichever file is used is checked first), then restores it as
   * restoreBackup does. The plaintext exists on the workstation only in a private temp folder.
   */
  restoreFrom(
    name: string,
    source: RestoreSource,
    o: { identityFile?: string; onNote?: (line: string) => void },
    sink: EventSink,
    signal?: AbortSignal,
  ): Promise<TaskResult> {
    if (source.kind === "server") return this.restoreBackup(name, sink, signal);
    return this.guard(sink, async () => {
      const problem = backupNameProblem(name);
      if (problem) throw new ConfigError(problem);
      const note = o.onNote ?? (() => undefined);
      const work = await mkdtemp(join(tmpdir(), "remindbot-restore-"));
      try {
        const plain = await this.fetchPlain(name, source, work, o.identityFile, note);
        const remote = await this.open();
        const dir = await this.currentDir(remote);
        const digest = await sha256File(plain);
        await remote.upload({ localPath: plain }, backupCmd.path(this.layout, name), { mode: 0o600 });
        await remote.upload({ data: `${digest}  ${name}\n` }, backupCmd.checksumPath(this.layout, name), {
          mode: 0o600,
        });
        note(`uploaded ${name} to ${this.layout.backups} (sha256 ${digest.slice(0, 12)}…)`);
        const plan = restorePlan(this.layout, dir, name, this.deps.target.healthTimeoutSec, this.request());
        return await this.run(
          plan,
          { history: { action: "restore", tag: name, commit: "", by: this.deps.by } },
          sink,
          signal,
        );
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
  }

  /** The plaintext dump of NAME from a local folder or an off-site copy, checked; its path. */
  private async fetchPlain(
    name: string,
    source: Exclude<RestoreSource, { kind: "server" }>,
    work: string,
    identityFile: string | undefined,
    note: (line: string) => void,
  ): Promise<string> {
    const check = async (file: string, want?: string) => {
      const verdict = want ? await checkDigest(file, want) : await checkChecksumFile(file);
      if (verdict && !verdict.ok) throw new StepError(`${verdict.problem}: refused, nothing was changed`);
      note(verdict ? `${basename(file)}: sha256 matches` : `${basename(file)}: no sha256 beside it, not checked`);
    };
    const decrypt = async (encrypted: string) => {
      if (!identityFile)
        throw new ConfigError(`${basename(encrypted)} is encrypted: give the age identity with --identity FILE`);
      const out = join(work, name);
      await decryptFile(identityFile, encrypted, out);
      note(`decrypted ${basename(encrypted)} on this machine`);
      return out;
    };
    if (source.kind === "local") {
      const plain = join(source.dir, name);
      if (existsSync(plain)) {
        await check(plain);
        return plain;
      }
      const encrypted = join(source.dir, encryptedName(name));
      if (!existsSync(encrypted))
        throw new ConfigError(`neither ${name} nor ${encryptedName(name)} is in ${source.dir}`);
      await check(encrypted);
      return decrypt(encrypted);
    }
    if (!this.deps.connectHost) throw new ConfigError("this build cannot connect to an off-site host");
    const far = await this.deps.connectHost({
      host: source.host,
      ...(source.port !== undefined ? { port: source.port } : {}),
      ...(source.user !== undefined ? { user: source.user } : {}),
    });
    try {
      const remotePath = `${source.path}/${encryptedName(name)}`;
      const recorded = await far.run(["cat", "--", `${remotePath}.sha256`]);
      const want = recorded.code === 0 ? release.parseChecksum(recorded.stdout) : undefined;
      const local = join(work, encryptedName(name));
      await far.download(remotePath, local);
      note(`downloaded ${remotePath} from ${source.host}`);
      await check(local, want);
      return await decrypt(local);
    } finally {
      await far.close().catch(() => undefined);
    }
  }

  private async provisionPlan(remote: Remote, choices: ProvisionChoices): Promise<TaskPlan> {
    const state = await probeProvision(remote);
    const user = this.target.user;
    const units = this.units(user);
    return provisionPlan(this.layout, state, {
      user,
      publicKey: findPublicKey(this.deps.target.identityFile),
      ...(units ? { units } : {}),
      ...choices,
    });
  }

  provision(sink: EventSink, signal?: AbortSignal, o: ProvisionOptions = {}): Promise<TaskResult> {
    return this.guard(sink, async () => {
      const remote = await this.deps.connectRoot();
      try {
        const plan = await this.provisionPlan(remote, provisionChoices(o));
        // The proof before password logins go: the deploy user's own connection, host key checked.
        const loginAs = async (user: string) => {
          if (user !== this.target.user) throw new StepError(`only the deploy user ${this.target.user} logs in here`);
          return this.deps.connect();
        };
        return await runTask(
          { remote, sink, now: () => this.now(), loginAs },
          plan,
          {
            history: { action: "provision", tag: "-", commit: "", by: this.deps.by },
          },
          signal,
        );
      } finally {
        await remote.close();
      }
    });
  }

  async unlock(): Promise<void> {
    const r = await ask(await this.open(), lockCmd.release(this.layout));
    if (r.code !== 0) throw new StepError(`cannot remove ${this.layout.lock}${lastLine(r.stderr)}`);
  }

  async close(): Promise<void> {
    await this.remote?.close();
    this.remote = undefined;
    this.opening = undefined;
  }
}
