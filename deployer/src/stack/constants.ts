/**
 * The production stack's fixed names and paths (docs/CONTRACTS.md), and the pure helpers the
 * engine uses to address it: the compose invocation, the remote scripts, backup names.
 * docker-compose.prod.yml is checked against these names by compose.test.ts.
 */

export const APP = "remindbot";
export const DEFAULT_APP_DIR = "/opt/remindbot";
export const DEPLOY_USER = "deploy";
export const POSTGRES_IMAGE = "postgres:17-bookworm";
export const PG_VOLUME = "remindbot-pgdata";
export const NETWORK = "remindbot-net";
export const COMPOSE_FILE = "docker-compose.prod.yml";
export const RELEASE_ENV = "release.env";
export const SERVICES = ["postgres", "bot"] as const;

/** The bot's image for a release tag. */
export function botImage(tag: string): string {
  return `${APP}-bot:${tag}`;
}

/** `docker compose` for a release directory, exactly as every caller runs it (argv, unquoted). */
export function composeArgv(releaseDir: string, ...subcommand: string[]): string[] {
  return [
    "docker",
    "compose",
    "-f",
    `${releaseDir}/${COMPOSE_FILE}`,
    "--env-file",
    `${releaseDir}/${RELEASE_ENV}`,
    ...subcommand,
  ];
}

/** Paths of the remote scripts, run from the current release (`$APP_DIR/current/remote/bin/...`). */
export function remoteScript(appDir: string, script: "backup.sh" | "restore.sh" | "disk-check.sh"): string {
  return `${appDir}/current/remote/bin/${script}`;
}

/** backup.sh's exit codes (its --help says the same). */
export const BACKUP_EXIT = { ok: 0, usage: 2, diskLow: 3, dumpFailed: 4, verifyFailed: 5, busy: 6 } as const;

/** restore.sh's exit codes (its --help says the same). */
export const RESTORE_EXIT = {
  ok: 0,
  usage: 2,
  badFile: 3,
  safetyBackupFailed: 4,
  restoreFailed: 5,
  unhealthy: 6,
} as const;

/** A line of `disk-check.sh --json`. Exit 1 means some file system is below the threshold. */
export interface DiskReport {
  minFreeMb: number;
  ok: boolean;
  filesystems: Array<
    | { label: "root" | "docker"; path: string; freeMb: number; totalMb: number; usedPercent: number; ok: boolean }
    | { label: "docker"; path: null; error: string }
  >;
}

export interface BackupName {
  /** When the dump was taken (from the name, UTC). */
  createdAt: Date;
  /** BOT_TAG of the release that was current, made safe for a file name, or "unknown". */
  release: string;
  label?: string;
}

const BACKUP_NAME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z_([A-Za-z0-9.-]+)(?:_([a-z0-9-]+))?\.dump$/;

/** Reads `<UTC %Y%m%dT%H%M%SZ>_<release>[_<label>].dump`; undefined for any other file name. */
export function parseBackupName(name: string): BackupName | undefined {
  const m = BACKUP_NAME.exec(name);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, release, label] = m;
  const createdAt = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  if (Number.isNaN(createdAt.getTime())) return undefined;
  return label ? { createdAt, release: release!, label } : { createdAt, release: release! };
}
