/** What the engine knows about a server before it plans: probed read-only by probe.ts. */
import type { ReleaseRecord } from "../commands/release.js";
import type { LockInfo } from "../commands/lock.js";

/** A bot container of the compose project (one-off `compose run` containers excluded). */
export interface BotContainer {
  id: string;
  /** The image tag it runs (remindbot-bot:<tag>), or "" when it runs something else. */
  tag: string;
  running: boolean;
}

export interface ServerState {
  currentTag?: string;
  releases: ReleaseRecord[];
  /** Tags of remindbot-bot images on the server. */
  images: string[];
  /** Tags whose image says it can hand polling over (the lease label). */
  handoverImages: string[];
  postgresRunning: boolean;
  bots: BotContainer[];
  /** The current release's release.env as it is on the server (stack settings), when readable. */
  releaseEnv?: string;
  /** The opt-in /health publisher's container, when there is one: whether it runs. */
  publicHealth?: "running" | "stopped";
  /** sha256 of shared/.env, when it exists. */
  envSha256?: string;
  lock?: LockInfo;
  /** The database's applied migrations and what the target's image knows, when probed. */
  migrations?: { applied: string[]; targetKnown?: string[]; targetBreaking?: string[] };
}

export function releaseOnServer(state: ServerState, tag: string): boolean {
  return state.releases.some((r) => r.dir === tag && r.complete);
}

export function imageOnServer(state: ServerState, tag: string): boolean {
  return state.images.includes(tag);
}
