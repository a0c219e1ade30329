/** Checks on the workstation before any connection: the tag, the env file, what the tag's source says. */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";
import { HANDOVER_LABEL, HANDOVER_VERSION } from "../commands/bot-containers.js";
import { MANIFEST_PATH, parseManifest, type MigrationManifest } from "../commands/migrate.js";
import { tagProblem } from "../commands/names.js";
import { alertsOn, checkEnvFile, ADMIN_CHAT_IDS } from "../config/env-file.js";
import { ConfigError, type Target } from "../config/targets.js";
import { git, isTracked, tagCommit } from "../local/git.js";
import { StepError } from "./context.js";

export interface LocalFacts {
  commit: string;
  envData: Buffer;
  envSha256: string;
  /** The tag's bot/Dockerfile carries the polling lease label. */
  sourceKnowsLease: boolean;
  /** The tag's migration manifest, when its sources have one. */
  migrations?: MigrationManifest;
  /** Said once per deploy when the env names no admin chat: the watchdog's alerts are off. */
  alertsOffNote?: string;
}

/** Tag well-formed and in git, env complete and untracked, and whether the tag can hand over. */
export async function localChecks(t: Target, repoDir: string, tag: string): Promise<LocalFacts> {
  const problem = tagProblem(tag);
  if (problem) throw new StepError(problem);
  const commit = await tagCommit(repoDir, tag);
  const { data: envData, env } = await checkedEnv(t, repoDir);
  const [dockerfile, manifest] = await Promise.all([
    git(repoDir, ["show", `${commit}:bot/Dockerfile`]),
    git(repoDir, ["show", `${commit}:${MANIFEST_PATH}`]),
  ]);
  const migrations = manifest.code === 0 ? manifestOf(tag, manifest.stdout.toString("utf8")) : undefined;
  const alertsOff = !alertsOn(env);
  return {
    commit,
    envData,
    envSha256: createHash("sha256").update(envData).digest("hex"),
    sourceKnowsLease:
      dockerfile.code === 0 && dockerfile.stdout.toString("utf8").includes(`${HANDOVER_LABEL}="${HANDOVER_VERSION}"`),
    ...(migrations ? { migrations } : {}),
    ...(alertsOff
      ? {
          alertsOffNote: `alerts are off: no ${ADMIN_CHAT_IDS} in ${relative(repoDir, t.envFile) || t.envFile} (the server's watchdog keeps incidents for \`status\` but tells nobody; see docs/DEPLOYMENT.md)`,
        }
      : {}),
  };
}

function manifestOf(tag: string, text: string): MigrationManifest {
  try {
    return parseManifest(text);
  } catch (e) {
    throw new StepError(`${tag}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The env file's bytes (what is uploaded) and its keys, once checked. */
export async function checkedEnv(t: Target, repoDir: string): Promise<{ data: Buffer; env: Map<string, string> }> {
  const rel = relative(repoDir, t.envFile);
  const inside = !/^\.\.(?:[\\/]|$)/.test(rel); // "..env" is inside; "../x" and ".." are not
  const tracked = inside && existsSync(t.envFile) ? await isTracked(repoDir, rel) : false;
  let env: Map<string, string>;
  try {
    env = checkEnvFile({ envPath: t.envFile, examplePath: t.envExample, tracked, display: inside ? rel : t.envFile });
  } catch (e) {
    // A bad env file is a configuration error (exit 2), like a bad targets file.
    throw new ConfigError(e instanceof Error ? e.message : String(e));
  }
  return { data: readFileSync(t.envFile), env };
}
