/**
 * What the UI (and the CLI) call: one interface over the engine, so screens take their work as
 * data and tests can hand them a stand-in. The engine implements it over SSH.
 */
import type { WatchSummary } from "../commands/watch.js";
import type { EventSink, TaskResult } from "./events.js";
import type { RestoreSource } from "./restore-source.js";

export interface TargetSummary {
  name: string;
  host: string;
  port: number;
  user: string;
  appDir: string;
  /** "sandbox" for the built-in target, else the targets file it came from. */
  source: string;
}

export interface ReleaseInfo {
  tag: string;
  commit: string;
  deployedAt: string;
  by: string;
  result: string;
  current: boolean;
  /** The image remindbot-bot:<tag> is still on the server (rollback without a rebuild). */
  imagePresent: boolean;
}

export interface TagInfo {
  tag: string;
  commit: string;
  date: string;
  subject: string;
}

export interface ContainerStatus {
  service: string;
  state: string;
  health: string;
  uptime: string;
  restarts: number;
  cpu: string;
  memory: string;
}

export interface ServerStatus {
  currentRelease?: string;
  /** Something the status found wrong (e.g. the running bot is not the current release). */
  warning?: string;
  containers: ContainerStatus[];
  diskFree: string;
  lastBackup?: string;
  nextBackup?: string;
  /** The last encrypted off-site copy (recovery/offsite.json): "ok at …" or "FAILED at …: why". */
  offsite?: string;
  /** The last restore drill (recovery/drill.json), the same way. */
  lastDrill?: string;
  lock?: { by: string; at: string; action: string; tag?: string };
  /** The clock: "synchronised (timesyncd, offset +0.4 ms)"; absent when it could not be read. */
  clock?: { synchronized: boolean; text: string };
  /** The server watchdog's report: open incidents, last alert (undefined: no report yet). */
  watch?: WatchSummary;
}

export interface BackupInfo {
  name: string;
  sizeBytes: number;
  createdAt: string;
  /** Whether backup.sh recorded a sha256 beside it (absent: the release's backup.sh cannot say). */
  checksum?: "sha256" | "none";
  /** The retention rule that keeps it (backup.sh --help), "expires" or "not managed". */
  rule?: string;
}

/** What `pull` checked: the copy matches the sha256 recorded on the server, or none was recorded. */
export interface PullResult {
  checksum: "verified" | "none";
}

export interface PlanStep {
  id: string;
  title: string;
  /** The exact remote commands, quoted as they will run. */
  commands: string[];
}

export interface PlanView {
  action: "deploy" | "rollback" | "provision";
  tag?: string;
  steps: PlanStep[];
  /** Migrations that will run (deploy) or be reverted (rollback). */
  migrationsUp: string[];
  migrationsDown: string[];
  warnings: string[];
}

export interface LogOptions {
  service: "bot" | "postgres";
  tail?: number;
  since?: string;
  follow: boolean;
}

/** Choices a deploy or rollback takes besides its tag. */
export interface TaskOptions {
  /** Replace the bot the old way (stop, then start) even where a handover is possible. */
  stopFirst?: boolean;
  /** A failed gate leaves the new release as it is (debugging): no automatic rollback. */
  noRollback?: boolean;
}

/** What provision is asked besides the target (CLI flags; the UI asks them). */
export interface ProvisionOptions {
  /** A swap file: "auto" sized by need (none when RAM is enough), or its size in MiB. */
  swap?: "auto" | number;
  /** Password logins off, only after a key login as the deploy user worked. */
  hardenSsh?: boolean;
  /** unattended-upgrades on (the distribution's security updates, daily). */
  securityUpgrades?: boolean;
}

/** One open connection to one target; every method may reject with a one-line Error message. */
export interface TargetSession {
  readonly target: TargetSummary;
  releases(): Promise<ReleaseInfo[]>;
  status(): Promise<ServerStatus>;
  plan(
    action: "deploy" | "rollback" | "provision",
    tag?: string,
    options?: TaskOptions & ProvisionOptions,
  ): Promise<PlanView>;
  deploy(tag: string, sink: EventSink, signal?: AbortSignal, options?: TaskOptions): Promise<TaskResult>;
  rollback(tag: string, sink: EventSink, signal?: AbortSignal, options?: TaskOptions): Promise<TaskResult>;
  provision(sink: EventSink, signal?: AbortSignal, options?: ProvisionOptions): Promise<TaskResult>;
  /** Streams log lines (timestamped, redacted) until the signal aborts or the stream ends. */
  logs(options: LogOptions, onLine: (line: string) => void, signal?: AbortSignal): Promise<void>;
  backups(): Promise<BackupInfo[]>;
  createBackup(sink: EventSink, signal?: AbortSignal): Promise<TaskResult>;
  pullBackup(name: string, localPath: string, onProgress: (done: number, total: number) => void): Promise<PullResult>;
  restoreBackup(name: string, sink: EventSink, signal?: AbortSignal): Promise<TaskResult>;
  /** A restore drill now: the newest backup into a scratch database, row counts compared. */
  drill(sink: EventSink, signal?: AbortSignal): Promise<TaskResult>;
  /** Restore from the workstation or an off-site copy (engine/restore-source.ts), decrypting here. */
  restoreFrom(
    name: string,
    source: RestoreSource,
    o: { identityFile?: string; onNote?: (line: string) => void },
    sink: EventSink,
    signal?: AbortSignal,
  ): Promise<TaskResult>;
  unlock(): Promise<void>;
  close(): Promise<void>;
}

/** A host key the user has not trusted yet: the UI shows it and asks. */
export interface UnknownHostKey {
  host: string;
  port: number;
  fingerprint: string;
}

export interface DeployerApi {
  targets(): Promise<TargetSummary[]>;
  /** Local git tags, newest first. */
  localTags(): Promise<TagInfo[]>;
  /**
   * Opens one SSH connection. When the host key is unknown, calls confirmHostKey (the UI asks the
   * user); true records it in known_hosts and goes on.
   */
  connect(target: string, confirmHostKey: (key: UnknownHostKey) => Promise<boolean>): Promise<TargetSession>;
}
