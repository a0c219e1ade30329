/** What the engine knows about a server before it plans: probed read-only by probe.ts. */
import type { ReleaseRecord } from "../commands/release.js";
import type { LockInfo } from "../commands/lock.js";

export interface ServerState {
  currentTag?: string;
  releases: ReleaseRecord[];
  /** Tags of remindbot-bot images on the server. */
  images: string[];
  postgresRunning: boolean;
  lock?: LockInfo;
  /** The database's applied migrations and what the target's image knows, when probed. */
  migrations?: { applied: string[]; targetKnown?: string[] };
}

export function releaseOnServer(state: ServerState, tag: string): boolean {
  return state.releases.some((r) => r.dir === tag && r.complete);
}

export function imageOnServer(state: ServerState, tag: string): boolean {
  return state.images.includes(tag);
}
