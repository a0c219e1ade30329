/** Backups: remote/bin/backup.sh and restore.sh of a release; files in $APP_DIR/backups. */
import type { Argv } from "../ssh/types.js";
import type { Layout } from "./layout.js";
import { assertBackupName } from "./names.js";

/** `backup.sh [label]`: pg_dump -Fc into backups/, refuses when the disk is low. */
export const create = (releaseDir: string, label?: string): Argv => {
  if (label !== undefined && !/^[A-Za-z0-9._-]{1,140}$/.test(label))
    throw new Error(`bad backup label ${JSON.stringify(label)}`);
  return ["bash", `${releaseDir}/remote/bin/backup.sh`, ...(label ? [label] : [])];
};

export const restore = (releaseDir: string, l: Layout, name: string): Argv => [
  "bash",
  `${releaseDir}/remote/bin/restore.sh`,
  `${l.backups}/${assertBackupName(name)}`,
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

export interface BackupRecord {
  name: string;
  sizeBytes: number;
  createdAt: string;
}

export function parseList(stdout: string): BackupRecord[] {
  const out: BackupRecord[] = [];
  for (const line of stdout.split("\n")) {
    const [name, size, mtime] = line.split("\t");
    if (!name || size === undefined || mtime === undefined) continue;
    out.push({ name, sizeBytes: Number(size), createdAt: new Date(Number(mtime) * 1000).toISOString() });
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name));
}

/** The last "*.dump" path or name a backup script printed: the name of what it wrote. */
export function parseCreated(stdout: string): string | undefined {
  const m = [...stdout.matchAll(/([A-Za-z0-9][A-Za-z0-9._-]*\.dump)/g)];
  return m.at(-1)?.[1];
}
