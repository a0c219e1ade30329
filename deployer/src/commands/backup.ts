/** Backups: remote/bin/backup.sh and restore.sh of a release; files in $APP_DIR/backups. */
import type { Argv } from "../ssh/types.js";
import {
  BACKUP_LABEL_RE,
  assertBackupName,
  backupKeepEnv,
  backupOffsiteEnv,
  type BackupKeep,
  type BackupOffsite,
} from "../stack/contract.js";
import type { Layout } from "./layout.js";

/** backup.sh wants lower-case letters, digits and '-' in a label. */
export function backupLabel(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
}

export interface BackupOptions {
  label?: string;
  minFreeMb?: number;
  /** Retention windows (the targets file's backup.keep), so a deploy's backup prunes as the timer does. */
  keep?: BackupKeep;
  /** Encrypted off-site copies after the backup (manual backups; the timer has them in its unit). */
  offsite?: BackupOffsite;
}

/**
 * `backup.sh --label L`: a verified pg_dump -Fc into backups/; refuses (exit 3) when the disk is
 * low. Exit codes: stack/contract.ts BACKUP_EXIT.
 */
export const create = (releaseDir: string, l: Layout, o: BackupOptions = {}): Argv => {
  if (o.label !== undefined && !BACKUP_LABEL_RE.test(o.label))
    throw new Error(`bad backup label ${JSON.stringify(o.label)}`);
  return [
    "env",
    `APP_DIR=${l.appDir}`,
    ...(o.keep ? backupKeepEnv(o.keep) : []),
    ...(o.offsite ? backupOffsiteEnv(o.offsite) : []),
    "bash",
    `${releaseDir}/remote/bin/backup.sh`,
    ...(o.label ? ["--label", o.label] : []),
    ...(o.minFreeMb !== undefined ? ["--min-free-mb", String(o.minFreeMb)] : []),
  ];
};

/**
 * `backup.sh --list`: every *.dump with its size, mtime, checksum state and the retention rule
 * that keeps it, under the given windows. An older release's backup.sh has no --list (exit 2):
 * then `list` below. Parsed by parseList.
 */
export const listWithRules = (releaseDir: string, l: Layout, keep?: BackupKeep): Argv => [
  "env",
  `APP_DIR=${l.appDir}`,
  ...(keep ? backupKeepEnv(keep) : []),
  "bash",
  `${releaseDir}/remote/bin/backup.sh`,
  "--list",
];

/**
 * restore.sh FILE: checks FILE, safety backup, stops the bot, restores, starts it, waits healthy.
 * Exit codes: stack/contract.ts RESTORE_EXIT.
 */
export const restore = (releaseDir: string, l: Layout, name: string, healthTimeoutSec = 180): Argv => [
  "env",
  `APP_DIR=${l.appDir}`,
  `RESTORE_HEALTH_TIMEOUT=${Math.round(healthTimeoutSec)}`,
  "bash",
  `${releaseDir}/remote/bin/restore.sh`,
  `${l.backups}/${assertBackupName(name)}`,
];

/**
 * drill.sh: the newest backup restored into a scratch database and compared with the dump's row
 * counts; the app's database is not touched. Exit codes: stack/contract.ts DRILL_EXIT.
 */
export const drill = (releaseDir: string, l: Layout): Argv => [
  "env",
  `APP_DIR=${l.appDir}`,
  "bash",
  `${releaseDir}/remote/bin/drill.sh`,
];

export const list = (l: Layout): Argv => [
  "find",
  l.backups,
  "-maxdepth",
  "1",
  "-type",
  "f",
  "-name",
  "*.dump",
  "-printf",
  "%f\\t%s\\t%T@\\n",
];

export const path = (l: Layout, name: string): string => `${l.backups}/${assertBackupName(name)}`;

/** The sha256 backup.sh records beside a backup (sha256sum's format). */
export const checksumPath = (l: Layout, name: string): string => `${path(l, name)}.sha256`;

/** Prints the recorded checksum line; exit 1 when there is none. */
export const readChecksum = (l: Layout, name: string): Argv => ["cat", "--", checksumPath(l, name)];

/** Where backup.sh, offsite.sh and drills record their last outcome (docs/CONTRACTS.md). */
export const recoveryDir = (l: Layout): string => `${l.appDir}/recovery`;

/** Every `<kind>.json` in recovery/, one per line as `<kind>.json<TAB><json>`; no shell. */
export const readRecoveryState = (l: Layout): Argv => [
  "find",
  recoveryDir(l),
  "-maxdepth",
  "1",
  "-type",
  "f",
  "-name",
  "*.json",
  "-printf",
  "%f\\t",
  "-exec",
  "cat",
  "{}",
  ";",
];

/** The last outcome of a backup, an off-site copy or a drill, as the scripts record it. */
export interface RecoveryRecord {
  at: string;
  result: string;
  backup: string;
  detail: string;
}

/** Reads readRecoveryState's output: kind ("backup", "offsite", "drill") -> record; junk skipped. */
export function parseRecoveryState(stdout: string): Map<string, RecoveryRecord> {
  const out = new Map<string, RecoveryRecord>();
  for (const line of stdout.split("\n")) {
    const tab = line.indexOf("\t");
    const m = /^([a-z-]+)\.json$/.exec(line.slice(0, tab));
    if (tab < 0 || !m) continue;
    try {
      const v = JSON.parse(line.slice(tab + 1)) as Partial<RecoveryRecord>;
      if (typeof v.at !== "string" || typeof v.result !== "string") continue;
      out.set(m[1]!, { at: v.at, result: v.result, backup: String(v.backup ?? ""), detail: String(v.detail ?? "") });
    } catch {
      continue;
    }
  }
  return out;
}

/** One line for `status`: "ok at <time> (<backup>)" or "FAILED at <time>: <detail>". */
export function describeRecord(r: RecoveryRecord): string {
  const what = r.backup ? ` (${r.backup})` : "";
  return r.result === "ok" ? `ok at ${r.at}${what}` : `${r.result.toUpperCase()} at ${r.at}${what}: ${r.detail}`;
}

export interface BackupRecord {
  name: string;
  sizeBytes: number;
  createdAt: string;
  /** From `backup.sh --list`: whether a .sha256 is recorded beside it. */
  checksum?: "sha256" | "none";
  /** From `backup.sh --list`: the retention rule that keeps it, "expires" or "not managed". */
  rule?: string;
}

/** Reads `list` (NAME, SIZE, MTIME) or `listWithRules` (… CHECKSUM, RULE) lines, newest first. */
export function parseList(stdout: string): BackupRecord[] {
  const out: BackupRecord[] = [];
  for (const line of stdout.split("\n")) {
    const [name, size, mtime, checksum, rule] = line.split("\t");
    if (!name || size === undefined || mtime === undefined) continue;
    out.push({
      name,
      sizeBytes: Number(size),
      createdAt: new Date(Number(mtime) * 1000).toISOString(),
      ...(checksum === "sha256" || checksum === "none" ? { checksum } : {}),
      ...(rule ? { rule } : {}),
    });
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name));
}

/** The last "*.dump" path or name a backup script printed: the name of what it wrote. */
export function parseCreated(stdout: string): string | undefined {
  const m = [...stdout.matchAll(/([A-Za-z0-9][A-Za-z0-9._-]*\.dump)/g)];
  return m.at(-1)?.[1];
}
