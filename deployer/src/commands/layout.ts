/** Where things live on the server (docs/CONTRACTS.md, "Server layout"). Pure path arithmetic. */
import { assertAppDir, assertTag } from "./names.js";

export interface Layout {
  appDir: string;
  releases: string;
  current: string;
  shared: string;
  envFile: string;
  backups: string;
  history: string;
  /** The lock directory (remote/bin/lock.sh keeps its info.json inside). */
  lock: string;
  release(tag: string): string;
  /** Where a release is assembled before the rename makes it visible. */
  releaseTmp(tag: string): string;
}

export function layout(appDir: string): Layout {
  const dir = assertAppDir(appDir);
  return {
    appDir: dir,
    releases: `${dir}/releases`,
    current: `${dir}/current`,
    shared: `${dir}/shared`,
    envFile: `${dir}/shared/.env`,
    backups: `${dir}/backups`,
    history: `${dir}/history.jsonl`,
    lock: `${dir}/lock`,
    release: (tag) => `${dir}/releases/${assertTag(tag)}`,
    releaseTmp: (tag) => `${dir}/releases/${assertTag(tag)}.tmp`,
  };
}
