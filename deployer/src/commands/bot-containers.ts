/**
 * The bot's containers during a handover: a standby started beside the running bot in the same
 * compose project, the old one stopped (SIGTERM: it steps down and hands the polling lease over),
 * then removed. Ids come from the probe or from the server at run time.
 */
import type { Argv } from "../ssh/types.js";
import { late, type Arg } from "./late.js";
import { compose } from "./compose.js";
import { imageName } from "./names.js";
import { APP, composeFilters } from "../stack/contract.js";
import { scriptCall, type ScriptCall } from "./script.js";

/** The image label a release carries when its bot knows the polling lease (bot/Dockerfile). */
export const HANDOVER_LABEL = `${APP}.handover`;
export const HANDOVER_VERSION = "lease-v1";

/** The standby a handover starts, known once `up --scale` made it. */
export const STANDBY = late("standby", "the new bot container, found at run time");
/** The one bot container of a stop-first or first deploy, or of a restore. */
export const RUNNING_BOT = late("bot", "the bot container, found at run time");

/** How long the old bot gets to step down before Docker kills it (the compose file's grace). */
export const STOP_GRACE_SEC = 30;

const ID_RE = /^[0-9a-f]{12,64}$/;
const id = (c: string): string => {
  if (!ID_RE.test(c)) throw new Error(`not a container id: ${JSON.stringify(c)}`);
  return c;
};

/** The bot service's containers, not the one-off ones of `compose run` (migrations). */
const SERVICE_FILTERS = [...composeFilters("bot"), "--filter", "label=com.docker.compose.oneoff=False"];

/** The bot service's containers of the project: "<id> <image> <state>". */
export const list = (all = true): Argv => [
  "docker",
  "ps",
  ...(all ? ["-a"] : []),
  "--no-trunc",
  ...SERVICE_FILTERS,
  "--format",
  "{{.ID}} {{.Image}} {{.State}}",
];

/** Only the ids of the bot's containers, running or not. */
export const ids = (): Argv => ["docker", "ps", "-aq", "--no-trunc", ...SERVICE_FILTERS];

export interface ListedBot {
  id: string;
  tag: string;
  running: boolean;
}

export function parseList(stdout: string): ListedBot[] {
  const out: ListedBot[] = [];
  for (const line of stdout.split("\n")) {
    const [cid = "", image = "", state = ""] = line.trim().split(/\s+/);
    if (!ID_RE.test(cid)) continue;
    const prefix = `${APP}-bot:`;
    out.push({
      id: cid,
      tag: image.startsWith(prefix) ? image.slice(prefix.length) : "",
      running: state === "running",
    });
  }
  return out;
}

/** Which images say they hand over: "<tag> <label value>" lines. */
export const handoverLabels = (tags: string[]): Argv => [
  "docker",
  "image",
  "inspect",
  "--format",
  `{{index .RepoTags 0}} {{index .Config.Labels "${HANDOVER_LABEL}"}}`,
  ...tags.map(imageName),
];

export function parseHandoverLabels(stdout: string): string[] {
  const out: string[] = [];
  for (const line of stdout.split("\n")) {
    const [repoTag = "", label = ""] = line.trim().split(/\s+/);
    if (label === HANDOVER_VERSION && repoTag.startsWith(`${APP}-bot:`)) out.push(repoTag.slice(`${APP}-bot:`.length));
  }
  return out;
}

/** A standby of the release beside the running bot(s): compose adds one container, touches none. */
export const upStandby = (releaseDir: string, total: number): Argv =>
  compose(releaseDir, "up", "-d", "--no-deps", "--no-recreate", "--scale", `bot=${total}`, "bot");

/** The release's bot replaces the running one (stop-first: the old way, for releases without the lease). */
export const replace = (releaseDir: string): Argv => compose(releaseDir, "up", "-d", "--no-deps", "bot");

export const stop = (containers: readonly Arg[]): readonly Arg[] => [
  "docker",
  "stop",
  "--time",
  String(STOP_GRACE_SEC),
  ...containers.map((c) => (typeof c === "string" ? id(c) : c)),
];

export const start = (containers: readonly Arg[]): readonly Arg[] => [
  "docker",
  "start",
  ...containers.map((c) => (typeof c === "string" ? id(c) : c)),
];

/** -f: a standby that failed is removed running or not. */
export const remove = (containers: readonly Arg[], force = false): readonly Arg[] => [
  "docker",
  "rm",
  ...(force ? ["-f"] : []),
  ...containers.map((c) => (typeof c === "string" ? id(c) : c)),
];

/** Docker's state and the bot's /health answer (remote/bin/bot-state.sh). */
export const state = (container: Arg): { argv: readonly Arg[]; script: string } => {
  const call: ScriptCall = scriptCall("remote/bin/bot-state.sh", "-");
  return {
    script: call.script,
    argv: [...call.argv.slice(0, -1), typeof container === "string" ? id(container) : container],
  };
};
