/** Releases on the server: assemble in <tag>.tmp, verify, unpack, rename; switch `current`. */
import type { Argv } from "../ssh/types.js";
import type { Arg } from "./late.js";
import type { Layout } from "./layout.js";
import { scriptCall, type ScriptCall } from "./script.js";
import { HEALTH_PROFILE, RELEASE_ENV, type PublishHealth } from "../stack/contract.js";

const RELEASE_SH = "remote/bin/release.sh";

export const ARCHIVE_NAME = "release.tar.gz";

/**
 * Starts from a clean temp dir. Every `<tag>.tmp` goes, not only this tag's: one left by a connection
 * cut during the upload of another tag is never used, and would otherwise stay on the disk until
 * that tag is deployed again. We hold the deploy lock, so none belongs to a running upload.
 */
export const prepareTmp = (l: Layout, tag: string): ScriptCall =>
  scriptCall(RELEASE_SH, "prepare", l.releases, l.releaseTmp(tag));

/**
 * shared/ and backups/ exist with mode 0700 (install -d also fixes the mode of an existing dir), so a
 * server prepared by hand or by an older provision still gets its .env and backups a place to live.
 */
export const ensureShared = (l: Layout): Argv => ["install", "-d", "-m", "0700", "--", l.shared, l.backups];

export const archivePath = (l: Layout, tag: string): string => `${l.releaseTmp(tag)}/${ARCHIVE_NAME}`;

export const checksum = (path: string): Argv => ["sha256sum", "--", path];

/** "<hex>  <path>" -> hex, or undefined. */
export function parseChecksum(stdout: string): string | undefined {
  const m = /^([0-9a-f]{64})\s/.exec(stdout.trim() + " ");
  return m?.[1];
}

/**
 * Installs an uploaded release in one command: checks the archive against the sha256 of the bytes
 * sent (late: the archive is made when the upload runs), unpacks it beside release.env and
 * release.json, removes it, and renames the temp dir to the release (appears whole or not at all).
 */
export const install = (l: Layout, tag: string, sha256: Arg): { argv: readonly Arg[]; script: string } => {
  const c = scriptCall(RELEASE_SH, "install", archivePath(l, tag), l.release(tag));
  return { ...c, argv: [...c.argv, sha256] };
};

/** Atomic switch: a new symlink under a temp name, renamed over `current` (rename(2) is atomic). */
export const switchCurrent = (l: Layout, tag: string): Argv[] => [
  ["ln", "-sfn", `releases/${tag}`, `${l.appDir}/current.tmp`],
  ["mv", "-T", `${l.appDir}/current.tmp`, l.current],
];

export const readCurrent = (l: Layout): Argv => ["readlink", "--", l.current];

/** "releases/v1" or "/opt/x/releases/v1" -> "v1". */
export function currentTagFrom(readlinkOut: string): string | undefined {
  const t = readlinkOut.trim();
  if (!t) return undefined;
  const m = /(?:^|\/)releases\/([^/]+)\/?$/.exec(t);
  return m?.[1];
}

/**
 * release.env: interpolation variables only, no secrets. With publishHealth it also enables the
 * health service's profile and says where it publishes (compose reads COMPOSE_PROFILES from it).
 */
export function releaseEnv(l: Layout, tag: string, publish?: PublishHealth): string {
  const health = publish
    ? `COMPOSE_PROFILES=${HEALTH_PROFILE}\nHEALTH_PUBLISH=${publish.address}:${publish.port}\n`
    : "";
  return `BOT_TAG=${tag}\nAPP_DIR=${l.appDir}\n${health}`;
}

export const releaseEnvPath = (l: Layout, tag: string): string => `${l.release(tag)}/${RELEASE_ENV}`;

/** The current release's release.env as it is on the server (a plan compares it with what it writes). */
export const readCurrentReleaseEnv = (l: Layout): Argv => ["cat", "--", `${l.current}/${RELEASE_ENV}`];

export interface ReleaseMeta {
  tag: string;
  commit: string;
  deployedAt: string;
  by: string;
}

export function releaseJson(meta: ReleaseMeta): string {
  return JSON.stringify({ tag: meta.tag, commit: meta.commit, deployedAt: meta.deployedAt, by: meta.by }) + "\n";
}

/** Every release's release.json, one per line, with the dir name in front: "<dir>\t<json>". */
export const listReleases = (l: Layout): ScriptCall => scriptCall(RELEASE_SH, "list", l.releases);

export interface ReleaseRecord extends ReleaseMeta {
  /** The directory name (the tag, unless release.json is missing). */
  dir: string;
  complete: boolean;
}

export function parseReleaseList(stdout: string): ReleaseRecord[] {
  const out: ReleaseRecord[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.trim()) continue;
    const tab = line.indexOf("\t");
    const dir = tab < 0 ? line : line.slice(0, tab);
    const json = tab < 0 ? "" : line.slice(tab + 1);
    let meta: Partial<ReleaseMeta> = {};
    try {
      const parsed: unknown = JSON.parse(json);
      if (parsed && typeof parsed === "object") meta = parsed as Partial<ReleaseMeta>;
    } catch {
      // A release without a readable release.json is incomplete; it is listed, never switched to.
    }
    out.push({
      dir,
      tag: typeof meta.tag === "string" ? meta.tag : dir,
      commit: typeof meta.commit === "string" ? meta.commit : "",
      deployedAt: typeof meta.deployedAt === "string" ? meta.deployedAt : "",
      by: typeof meta.by === "string" ? meta.by : "",
      complete: typeof meta.tag === "string",
    });
  }
  // Newest first.
  return out.sort((a, b) => b.deployedAt.localeCompare(a.deployedAt));
}

export const removeRelease = (l: Layout, tag: string): Argv => ["rm", "-rf", "--", l.release(tag)];
