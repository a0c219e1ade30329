/** An in-memory DeployerApi for UI tests: canned data, tasks the test scripts step by step. */
import type {
  BackupInfo,
  ProvisionOptions,
  DeployerApi,
  LogOptions,
  PlanView,
  ReleaseInfo,
  ServerStatus,
  TagInfo,
  TargetSession,
  TargetSummary,
  UnknownHostKey,
} from "../../engine/api.js";
import type { EventSink, TaskResult } from "../../engine/events.js";
import type { RestoreSource } from "../../engine/restore-source.js";

export const TARGETS: TargetSummary[] = [
  { name: "sandbox", host: "127.0.0.1", port: 2222, user: "deploy", appDir: "/opt/remindbot", source: "sandbox" },
  {
    name: "prod",
    host: "203.0.113.7",
    port: 22,
    user: "deploy",
    appDir: "/opt/remindbot",
    source: "deployer.targets.yml",
  },
];

export const TAGS: TagInfo[] = [
  { tag: "v1.2.0", commit: "c3c3c3c3", date: "2026-11-20T10:00:00Z", subject: "Quiet hours" },
  { tag: "v1.1.0", commit: "b2b2b2b2", date: "2026-11-10T10:00:00Z", subject: "Recurring reminders" },
  { tag: "v1.0.0", commit: "a1a1a1a1", date: "2026-11-01T10:00:00Z", subject: "First release" },
];

export const RELEASES: ReleaseInfo[] = [
  {
    tag: "v1.1.0",
    commit: "b2b2b2b2",
    deployedAt: "2026-11-11T09:00:00Z",
    by: "ann@ws",
    result: "ok",
    current: true,
    imagePresent: true,
  },
  {
    tag: "v1.0.0",
    commit: "a1a1a1a1",
    deployedAt: "2026-11-02T09:00:00Z",
    by: "ann@ws",
    result: "ok",
    current: false,
    imagePresent: true,
  },
];

export const STATUS: ServerStatus = {
  currentRelease: "v1.1.0",
  containers: [
    {
      service: "bot",
      state: "running",
      health: "healthy",
      uptime: "2 hours",
      restarts: 0,
      cpu: "0.5%",
      memory: "80MiB",
    },
    {
      service: "postgres",
      state: "running",
      health: "healthy",
      uptime: "3 days",
      restarts: 1,
      cpu: "1.0%",
      memory: "120MiB",
    },
  ],
  diskFree: "12G",
  lastBackup: "2026-11-26T06:00:00Z",
  nextBackup: "2026-11-26T12:00:00Z",
};

/** A task the test drives: it sees the sink and signal, and decides when the task ends. */
export interface ScriptedTask {
  sink?: EventSink;
  signal?: AbortSignal;
  finish: (result: TaskResult) => void;
  started: Promise<void>;
}

export function scriptedTask(): ScriptedTask & { run: (sink: EventSink, signal?: AbortSignal) => Promise<TaskResult> } {
  let finish!: (r: TaskResult) => void;
  let markStarted!: () => void;
  const started = new Promise<void>((r) => (markStarted = r));
  const done = new Promise<TaskResult>((r) => (finish = r));
  const task = {
    finish: (r: TaskResult) => finish(r),
    started,
    run: (sink: EventSink, signal?: AbortSignal) => {
      task.sink = sink;
      task.signal = signal;
      markStarted();
      return done;
    },
  } as ScriptedTask & { run: (sink: EventSink, signal?: AbortSignal) => Promise<TaskResult> };
  return task;
}

export class FakeSession implements TargetSession {
  readonly calls: string[] = [];
  deployTask = scriptedTask();
  rollbackTask = scriptedTask();
  backupTask = scriptedTask();
  restoreTask = scriptedTask();
  logLines?: (options: LogOptions, onLine: (line: string) => void, signal?: AbortSignal) => Promise<void>;
  backupList: BackupInfo[] = [
    {
      name: "20261126T060000Z_v1.1.0.dump",
      sizeBytes: 3 * 1024 * 1024,
      createdAt: new Date(Date.now() - 3 * 3600_000).toISOString(),
      checksum: "sha256",
      rule: "last 2 days",
    },
  ];
  statusError?: Error;

  constructor(readonly target: TargetSummary) {}

  async releases() {
    return RELEASES;
  }
  async status() {
    this.calls.push("status");
    if (this.statusError) throw this.statusError;
    return STATUS;
  }
  async plan(action: "deploy" | "rollback" | "provision", tag?: string, options?: ProvisionOptions): Promise<PlanView> {
    this.calls.push(
      `plan ${action} ${tag ?? ""}`.trim() + (action === "provision" ? ` ${JSON.stringify(options ?? {})}` : ""),
    );
    return {
      action,
      tag,
      steps: [
        { id: "upload", title: `Upload release ${tag ?? ""}`.trim(), commands: [] },
        { id: "build", title: "Build image", commands: [] },
      ],
      migrationsUp: action === "deploy" ? ["AddQuietHours1700000000000"] : [],
      migrationsDown: action === "rollback" ? ["AddRecurrence1690000000000"] : [],
      warnings: [],
    };
  }
  deploy(tag: string, sink: EventSink, signal?: AbortSignal) {
    this.calls.push(`deploy ${tag}`);
    return this.deployTask.run(sink, signal);
  }
  rollback(tag: string, sink: EventSink, signal?: AbortSignal) {
    this.calls.push(`rollback ${tag}`);
    return this.rollbackTask.run(sink, signal);
  }
  provision(sink: EventSink, signal?: AbortSignal, options?: ProvisionOptions) {
    this.calls.push(`provision ${JSON.stringify(options ?? {})}`);
    return this.deployTask.run(sink, signal);
  }
  async logs(options: LogOptions, onLine: (line: string) => void, signal?: AbortSignal) {
    this.calls.push(`logs ${options.service}`);
    if (this.logLines) return this.logLines(options, onLine, signal);
    await new Promise<void>((r) => signal?.addEventListener("abort", () => r()));
  }
  async backups() {
    return this.backupList;
  }
  createBackup(sink: EventSink, signal?: AbortSignal) {
    this.calls.push("createBackup");
    return this.backupTask.run(sink, signal);
  }
  async pullBackup(name: string, localPath: string, onProgress: (done: number, total: number) => void) {
    this.calls.push(`pullBackup ${name} ${localPath}`);
    onProgress(1024 * 1024, 3 * 1024 * 1024);
    onProgress(3 * 1024 * 1024, 3 * 1024 * 1024);
    return { checksum: "verified" as const };
  }
  restoreBackup(name: string, sink: EventSink, signal?: AbortSignal) {
    this.calls.push(`restoreBackup ${name}`);
    return this.restoreTask.run(sink, signal);
  }
  drill(sink: EventSink, signal?: AbortSignal) {
    this.calls.push("drill");
    return this.backupTask.run(sink, signal);
  }
  restoreFrom(name: string, source: RestoreSource, _o: unknown, sink: EventSink, signal?: AbortSignal) {
    this.calls.push(`restoreFrom ${name} ${source.kind}`);
    return this.restoreTask.run(sink, signal);
  }
  async unlock() {}
  async close() {
    this.calls.push("close");
  }
}

export class FakeApi implements DeployerApi {
  sessions = new Map<string, FakeSession>();
  hostKey?: UnknownHostKey;
  connectError?: Error;
  trusted?: boolean;

  constructor(readonly targetList: TargetSummary[] = TARGETS) {}

  async targets() {
    return this.targetList;
  }
  async localTags() {
    return TAGS;
  }
  async connect(name: string, confirmHostKey: (key: UnknownHostKey) => Promise<boolean>) {
    if (this.hostKey) {
      this.trusted = await confirmHostKey(this.hostKey);
      if (!this.trusted) throw new Error(`host key of ${this.hostKey.host} not trusted`);
    }
    if (this.connectError) throw this.connectError;
    const t = this.targetList.find((x) => x.name === name);
    if (!t) throw new Error(`no target ${name}`);
    const s = new FakeSession(t);
    this.sessions.set(name, s);
    return s;
  }
  session(name = "sandbox"): FakeSession {
    const s = this.sessions.get(name);
    if (!s) throw new Error(`not connected to ${name}`);
    return s;
  }
}

/** Polls until the frame contains what the test waits for (bounded; no fixed sleeps). */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
