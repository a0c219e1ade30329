/**
 * The production stack's contract (docs/CONTRACTS.md), spelled once: the app name and every name
 * derived from it, the compose invocation, the exit codes of the remote scripts the engine judges,
 * and backup file names. commands/*, stack/units.ts and the engine import these; compose.test.ts
 * checks docker-compose.prod.yml against them and contract.test.ts checks the scripts' --help.
 */
import type { Argv } from "../ssh/types.js";

/** The app name: compose project `name:`, unit names, image prefix, volume and network names. */
export const APP = "remindbot";
export const DEFAULT_APP_DIR = `/opt/${APP}`;
export const DEPLOY_USER = "deploy";

/** The bot image's repository; its tag is the release tag. */
export const BOT_IMAGE_REPO = `${APP}-bot`;
/** `remindbot-bot:<tag>` (commands/names.ts imageName checks the tag first). */
export const botImage = (tag: string): string => `${BOT_IMAGE_REPO}:${tag}`;

export const POSTGRES_IMAGE = "postgres:17-bookworm";
export const PG_VOLUME = `${APP}-pgdata`;
export const NETWORK = `${APP}-net`;
/** The services that always run. */
export const SERVICES = ["postgres", "bot"] as const;
export type Service = (typeof SERVICES)[number];

/**
 * The opt-in service publishing /health for an external monitor, and the compose profile that
 * adds it: release.env enables the profile (COMPOSE_PROFILES) and says where to publish
 * (HEALTH_PUBLISH=address:port) when the targets file has publishHealth, so every caller of
 * composeArgv, the units and remote/bin included, sees the same stack without a flag of its own.
 */
export const HEALTH_SERVICE = "health";
export const HEALTH_PROFILE = "health-port";
/** Its port inside the container (the image's HEALTH_PORT). */
export const HEALTH_CONTAINER_PORT = 8080;
/** Where the targets file asks /health to be published on the server. */
export interface PublishHealth {
  address: string;
  port: number;
}

/**
 * The stack's memory in MiB as docker-compose.prod.yml sets it for SERVICES (compose.test.ts checks
 * the sums; the opt-in health service's 64M is left out):
 * what it may use (limits) and what it reserves. Provision compares the server's RAM with them.
 */
export const STACK_MEMORY_MB = { limits: 1536, reservations: 768 } as const;

export const COMPOSE_FILE = "docker-compose.prod.yml";
export const RELEASE_ENV = "release.env";

/** `docker compose` for a release directory, the one way every caller runs it. */
export const composeArgv = (releaseDir: string, ...sub: string[]): Argv => [
  "docker",
  "compose",
  "-f",
  `${releaseDir}/${COMPOSE_FILE}`,
  "--env-file",
  `${releaseDir}/${RELEASE_ENV}`,
  ...sub,
];

/**
 * `docker ps` filters for the stack's containers (compose labels them with the project name), of
 * one service when given: e.g. `["docker", "ps", "-q", ...composeFilters("postgres")]`.
 */
export const composeFilters = (service?: Service | typeof HEALTH_SERVICE): Argv => [
  "--filter",
  `label=com.docker.compose.project=${APP}`,
  ...(service ? ["--filter", `label=com.docker.compose.service=${service}`] : []),
];

/** The units installed under /etc/systemd/system (templates in remote/systemd/ carry these names). */
export const UNITS = {
  stack: `${APP}.service`,
  backup: `${APP}-backup.service`,
  backupTimer: `${APP}-backup.timer`,
  watch: `${APP}-watch.service`,
  watchTimer: `${APP}-watch.timer`,
  drill: `${APP}-drill.service`,
  drillTimer: `${APP}-drill.timer`,
} as const;

/** The watchdog's state directory under the app dir (remote/bin/watchdog.sh) and its files. */
export const WATCH_DIR = "watch";
/** watch/status.json: open incidents, the last alert, disk and backups (written every minute). */
export const WATCH_STATUS = `${WATCH_DIR}/status.json`;

/** Why a remote script failed, by exit code (each script's --help lists the same codes). */
export type ExitTable = Readonly<Record<number, string>>;

/** remote/bin/backup.sh */
export const BACKUP_EXIT: ExitTable = {
  2: "usage error",
  3: "free disk below the threshold: nothing written",
  4: "pg_dump failed",
  5: "the dump did not read back",
  6: "another backup is running",
};

/** remote/bin/release.sh install */
export const RELEASE_INSTALL_EXIT: ExitTable = {
  2: "usage error",
  3: "the uploaded archive's checksum does not match: nothing was used",
};

/** remote/bin/restore.sh */
export const RESTORE_EXIT: ExitTable = {
  2: "usage error",
  3: "the backup file was refused (missing, unreadable, or not matching its sha256); nothing was touched",
  4: "the safety backup failed; nothing was touched",
  5: "the restore failed; the previous data was kept",
  6: "restored, but the bot was not healthy in time",
};

/** remote/bin/drill.sh */
export const DRILL_EXIT: ExitTable = {
  1: "the restore drill failed",
  2: "usage error",
  3: "no backup to rehearse",
};

/** remote/bin/lock.sh acquire: someone else holds the lock (stdout has their info.json). */
export const LOCK_HELD = 3;
/** remote/bin/lock.sh */
export const LOCK_EXIT: ExitTable = {
  1: "the lock directory cannot be created",
  2: "usage error",
  [LOCK_HELD]: "the deploy lock is held",
};

/**
 * backup.sh's retention windows (--keep-all-days, --keep-daily, --keep-weekly, --keep-monthly) and
 * their defaults, the seed's "7 days" inside the day/week/month scheme. The first rule that keeps
 * a file is what `backup list` shows.
 */
export interface BackupKeep {
  allDays: number;
  daily: number;
  weekly: number;
  monthly: number;
}
export const BACKUP_KEEP_DEFAULTS: BackupKeep = { allDays: 2, daily: 7, weekly: 4, monthly: 6 };
/** Hours between timer backups: divisors of 24, so the OnCalendar times fall the same each day. */
export const BACKUP_EVERY_HOURS = [1, 2, 3, 4, 6, 8, 12, 24] as const;
export const BACKUP_EVERY_HOURS_DEFAULT = 6;

/**
 * backup.sh's environment for these windows. The environment, not flags: an older release's
 * backup.sh (after a rollback) ignores variables it does not know but refuses unknown flags.
 */
export const backupKeepEnv = (k: BackupKeep): string[] =>
  Object.entries({
    BACKUP_KEEP_ALL_DAYS: k.allDays,
    BACKUP_KEEP_DAILY: k.daily,
    BACKUP_KEEP_WEEKLY: k.weekly,
    BACKUP_KEEP_MONTHLY: k.monthly,
  }).map(([key, v]) => {
    if (!Number.isInteger(v) || v < 0 || v > 99999) throw new Error(`backup keep ${key}: not a whole number`);
    return `${key}=${v}`;
  });

/**
 * Encrypted off-site copies (remote/bin/offsite.sh): an age recipient (public key) and SSH
 * destinations `[user@]host[:port]:/absolute/path`, the same shapes offsite.sh accepts.
 */
export interface BackupOffsite {
  recipient: string;
  destinations: string[];
}
export const AGE_RECIPIENT_RE = /^age1[02-9ac-hj-np-z]{58}$/;
export const OFFSITE_DEST_RE =
  /^(?:[a-z_][a-z0-9_-]{0,31}@)?[A-Za-z0-9][A-Za-z0-9.-]{0,252}(?::[0-9]{1,5})?:\/[A-Za-z0-9._/-]*$/;

/** offsite.sh's environment for these settings; throws on a value it would refuse. */
export function backupOffsiteEnv(o: BackupOffsite): string[] {
  if (!AGE_RECIPIENT_RE.test(o.recipient)) throw new Error("backup offsite: the recipient is not an age public key");
  for (const d of o.destinations)
    if (!OFFSITE_DEST_RE.test(d) || d.split("/").includes(".."))
      throw new Error(`backup offsite: ${JSON.stringify(d)} is not [user@]host[:port]:/absolute/path`);
  return [`BACKUP_OFFSITE=${o.destinations.join(",")}`, `BACKUP_AGE_RECIPIENT=${o.recipient}`];
}

/** A label backup.sh accepts (--label): lower-case letters, digits and '-', at most 60. */
export const BACKUP_LABEL_RE = /^[a-z0-9][a-z0-9-]{0,59}$/;

const BACKUP_FILE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.dump$/;

/**
 * Why `name` cannot be a file in backups/ we address (one path segment ending in .dump), or
 * undefined. Looser than parseBackupName: a copied-in `manual.dump` is listed and restorable too.
 */
export function backupNameProblem(name: string): string | undefined {
  if (!BACKUP_FILE_RE.test(name) || name.includes(".."))
    return `the backup name ${JSON.stringify(name)} is not one of ours (expected <time>_<release>[_<label>].dump)`;
  return undefined;
}

export function assertBackupName(name: string): string {
  const problem = backupNameProblem(name);
  if (problem) throw new Error(problem);
  return name;
}

export interface BackupName {
  /** When the dump was taken (from the name, UTC). */
  createdAt: Date;
  /** BOT_TAG of the release that was current, made safe for a file name, or "unknown". */
  release: string;
  label?: string;
}

// The shape of backup.sh's is_backup_name (contract.test.ts runs both on the same names).
const BACKUP_NAME_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z_([A-Za-z0-9.-]+)(?:_([a-z0-9-]+))?\.dump$/;

/** Reads `<UTC %Y%m%dT%H%M%SZ>_<release>[_<label>].dump` as backup.sh writes it; undefined otherwise. */
export function parseBackupName(name: string): BackupName | undefined {
  const m = BACKUP_NAME_RE.exec(name);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, release, label] = m;
  const createdAt = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  // Date accepts Feb 31 (it means Mar 3): a real stamp keeps its month.
  if (Number.isNaN(createdAt.getTime()) || createdAt.getUTCMonth() + 1 !== Number(mo)) return undefined;
  return label ? { createdAt, release: release!, label } : { createdAt, release: release! };
}
