/**
 * docker compose, always invoked the one way the contract fixes (stack/contract.ts composeArgv):
 * `docker compose -f $RELEASE/docker-compose.prod.yml --env-file $RELEASE/release.env <sub>`.
 */
import { sanitizeLine } from "../ssh/sanitize.js";
import type { Argv } from "../ssh/types.js";
import { composeArgv as compose, composeFilters, HEALTH_SERVICE, type Service } from "../stack/contract.js";

// The builders' callers (migrate.ts, bot-containers.ts, the engine) add their own subcommands.
export { compose };

export const build = (releaseDir: string): Argv => compose(releaseDir, "build", "bot");

/** The bot only: compose leaves postgres alone unless its definition changed. */
export const upBot = (releaseDir: string): Argv => compose(releaseDir, "up", "-d", "--remove-orphans", "bot");

/** Everything, waiting for health: the first deploy, when nothing ran before. */
export const upAll = (releaseDir: string, timeoutSec: number): Argv =>
  compose(releaseDir, "up", "-d", "--wait", "--wait-timeout", String(Math.max(1, Math.round(timeoutSec))));

export const upDatabase = (releaseDir: string, timeoutSec: number): Argv =>
  compose(releaseDir, "up", "-d", "--wait", "--wait-timeout", String(Math.max(1, Math.round(timeoutSec))), "postgres");

/**
 * The opt-in /health publisher, (re)made from the release's release.env (its profile and address):
 * naming the service starts it whatever the profile says, and --no-deps leaves the bot alone.
 */
export const upHealth = (releaseDir: string): Argv => compose(releaseDir, "up", "-d", "--no-deps", HEALTH_SERVICE);

/** Stops and removes the /health publisher (publishing turned off); nothing when there is none. */
export const removeHealth = (releaseDir: string): Argv =>
  compose(releaseDir, "rm", "--stop", "--force", HEALTH_SERVICE);

/** The /health publisher's containers: one state per line ("running", "exited", ...). */
export const healthStates = (): Argv => [
  "docker",
  "ps",
  "-a",
  ...composeFilters(HEALTH_SERVICE),
  "--format",
  "{{.State}}",
];

/** healthStates' answer: undefined when there is no publisher, else whether one runs. */
export function parseHealthStates(stdout: string): "running" | "stopped" | undefined {
  const states = stdout
    .split("\n")
    .map((x) => x.trim())
    .filter(Boolean);
  if (states.length === 0) return undefined;
  return states.includes("running") ? "running" : "stopped";
}

/** One line of JSON per container (or one array on older compose): state, health, names. */
export const ps = (releaseDir: string): Argv => compose(releaseDir, "ps", "--all", "--format", "json");

export interface LogArgs {
  service: Service;
  follow: boolean;
  tail?: number;
  since?: string;
}

export function logs(releaseDir: string, args: LogArgs): Argv {
  const sub = ["logs", "--timestamps", "--no-color"];
  if (args.follow) sub.push("--follow");
  if (args.tail !== undefined) sub.push("--tail", String(args.tail));
  if (args.since !== undefined) sub.push("--since", args.since);
  sub.push(args.service);
  return compose(releaseDir, ...sub);
}

/**
 * A line of `docker compose logs` as it is shown: plain text. Every streamed line is already
 * sanitised (ssh/exec.ts); the colour codes that leaves are dropped too, as the UI colours log lines
 * itself and compose writes control sequences (e.g. "\x1b[2K") even with --no-color.
 */
export const cleanLogLine = (line: string): string => sanitizeLine(line, { colours: false });
