/**
 * The bot's production image built on this host (bot/Dockerfile, as docker-compose.prod.yml builds
 * it), rebuilt only when its content key changes (the sandbox's cache label, ./cache-key.ts), and
 * the bot service's resource limits as the compose file sets them. For benches that measure the
 * bot as shipped.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { botImage, COMPOSE_FILE } from "../../../deployer/src/stack/contract.js";
import { REPO_ROOT } from "../../../deployer/src/local/repo-root.js";
import { cacheKey, sha256File, sha256Tree } from "./cache-key.js";
import { docker, dockerToLog, inspect } from "./docker.js";
import { buildFailed, ensureImages } from "./images.js";
import { buildLogName, CACHE_LABEL } from "./names.js";
import { ensureDirs, PATHS } from "./state.js";

/** A tag no deploy uses (releases are git tags): the local build of the working tree. */
export const LOCAL_BOT_IMAGE = botImage("local");
const NODE_IMAGE = "node:22-bookworm-slim";
const BUILD_TIMEOUT_MS = 20 * 60_000;

/**
 * What bot/Dockerfile copies from its context (keep in step with its COPY lines), with the
 * Dockerfile and .dockerignore themselves; tests are ignored by the context, so by the key too.
 */
async function inputHashes(): Promise<Record<string, string>> {
  const files = [
    "bot/Dockerfile",
    ".dockerignore",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "bot/package.json",
    "bot/tsconfig.json",
  ];
  const out: Record<string, string> = {};
  for (const f of files) out[f] = await sha256File(join(REPO_ROOT, f));
  out["bot/src"] = await sha256Tree(join(REPO_ROOT, "bot", "src"), (p) => !p.endsWith(".test.ts"));
  return out;
}

/** Builds remindbot-bot:local from the working tree unless the image there has the same content key. */
export async function ensureBotImage(log: (line: string) => void = () => undefined): Promise<string> {
  ensureDirs();
  // The base as this host has it (pulled, or the sandbox's stand-in); made only when missing, so a
  // bench never rebuilds the stand-in other checkouts' sandboxes were seeded from.
  let baseId = await inspect("image", NODE_IMAGE, "{{.Id}}");
  if (baseId === undefined) {
    await ensureImages([NODE_IMAGE], { log });
    baseId = await inspect("image", NODE_IMAGE, "{{.Id}}");
  }
  const args = { BOT_RELEASE: "local" };
  const key = cacheKey({
    recipe: "bot-dockerfile/1",
    files: await inputHashes(),
    args,
    baseIds: baseId ? [baseId] : [],
  });
  const previous = await inspect("image", LOCAL_BOT_IMAGE, `{{.Id}} {{index .Config.Labels "${CACHE_LABEL}"}}`);
  if (previous?.split(" ")[1] === key) return LOCAL_BOT_IMAGE;
  const logFile = join(PATHS.logs, buildLogName(LOCAL_BOT_IMAGE));
  log(`building ${LOCAL_BOT_IMAGE} (log: ${logFile})`);
  const t0 = performance.now();
  const buildArgs = ["--build-arg", `BOT_RELEASE=${args.BOT_RELEASE}`, "--label", `${CACHE_LABEL}=${key}`];
  const code = await dockerToLog(
    ["build", "-f", join(REPO_ROOT, "bot", "Dockerfile"), ...buildArgs, "-t", LOCAL_BOT_IMAGE, REPO_ROOT],
    logFile,
    BUILD_TIMEOUT_MS,
  );
  if (code !== 0) throw buildFailed(LOCAL_BOT_IMAGE, logFile);
  const oldId = previous?.split(" ")[0];
  if (oldId && oldId !== (await inspect("image", LOCAL_BOT_IMAGE, "{{.Id}}"))) await docker(["rmi", oldId]);
  log(`built ${LOCAL_BOT_IMAGE} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return LOCAL_BOT_IMAGE;
}

export interface ServiceLimits {
  /** As the compose file writes them, e.g. "512M" and "0.5" (docker run's --memory and --cpus accept both). */
  memory: string;
  cpus: string;
}

/** The bot service's `deploy.resources.limits` in docker-compose.prod.yml. */
export function botLimits(composeFile = join(REPO_ROOT, COMPOSE_FILE)): ServiceLimits {
  const doc = parseYaml(readFileSync(composeFile, "utf8")) as {
    services?: { bot?: { deploy?: { resources?: { limits?: { memory?: unknown; cpus?: unknown } } } } };
  };
  const limits = doc.services?.bot?.deploy?.resources?.limits;
  if (typeof limits?.memory !== "string" || (typeof limits.cpus !== "string" && typeof limits.cpus !== "number")) {
    throw new Error(`${composeFile}: services.bot.deploy.resources.limits has no memory and cpus`);
  }
  return { memory: limits.memory, cpus: String(limits.cpus) };
}
