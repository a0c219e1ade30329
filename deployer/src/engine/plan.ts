/**
 * The deploy (and rollback) plan, pure: config + what the server looks like -> the steps and every
 * action they run. `plan` prints it; the runner executes it; recovery.ts says how to undo it.
 *
 * Three ways to bring the new bot in, chosen here and printed:
 * - handover (both releases know the polling lease): a standby beside the running bot, gated while
 *   the old one still serves, then the old one steps down and the standby takes the lease at once;
 * - stop-first (the running release predates the lease, a migration declares the old bot cannot
 *   live with it, or --stop-first): the old way, `up` replaces the bot, then the gate;
 * - first deploy: the whole stack starts.
 */
import { createHash } from "node:crypto";
import * as backup from "../commands/backup.js";
import * as bots from "../commands/bot-containers.js";
import * as checks from "../commands/checks.js";
import * as compose from "../commands/compose.js";
import * as docker from "../commands/docker.js";
import * as history from "../commands/history.js";
import { late, type Arg } from "../commands/late.js";
import { layout, type Layout } from "../commands/layout.js";
import * as lockCmd from "../commands/lock.js";
import * as migrate from "../commands/migrate.js";
import { assertTag, imageName } from "../commands/names.js";
import * as release from "../commands/release.js";
import { RELEASE_ENV, type BackupKeep, type PublishHealth } from "../stack/contract.js";
import type { UnitFile } from "./context.js";
import { run, type Action } from "./actions.js";
import * as judge from "./judges.js";
import type { Step, TaskPlan } from "./steps.js";
import { imageOnServer, releaseOnServer, type ServerState } from "./state.js";
import { unitSteps } from "./unit-steps.js";

/** The archive's sha256, counted from the bytes as the upload sends them; release.sh install checks it. */
const ARCHIVE_SHA = late("archive-sha256", "the sha256 of the archive as sent");

export interface PlanConfig {
  appDir: string;
  keepReleases: number;
  healthTimeoutSec: number;
  backupBeforeDeploy: boolean;
  backupMinFreeMb: number;
  /** Retention windows for the pre-deploy backup's pruning (the timer's, from the targets file). */
  backupKeep?: BackupKeep;
  /** /health published for an external monitor (targets file publishHealth); absent: not published. */
  publishHealth?: PublishHealth;
}

export interface DeployRequest {
  action: "deploy" | "rollback";
  tag: string;
  commit: string;
  by: string;
  /** ISO time of the run (release.json, lock). */
  at: string;
  pid: number;
  /** sha256 of the env file to upload: the same as the server's means the step is skipped. */
  envSha256?: string;
  /** The tag's bot/Dockerfile carries the lease label (known from git before its image exists). */
  sourceKnowsLease?: boolean;
  /** Replace the bot the old way even where a handover is possible. */
  stopFirst?: boolean;
  /** A failed gate is left as it is: recovery.ts undoes nothing (debugging a release that fails). */
  noRollback?: boolean;
}

/** What the uploads read, when they run. */
export interface DeploySources {
  archive: () => Promise<{ data: Buffer }>;
  env: () => Promise<Buffer>;
  units?: UnitFile[];
  deployUser: string;
  /** The deploy user is root: units install without sudo. */
  asRoot: boolean;
  now: () => number;
}

export type Strategy = "handover" | "stop-first" | "first" | "unchanged";

export interface DeployPlan extends TaskPlan {
  action: "deploy" | "rollback";
  tag: string;
  request: DeployRequest;
  layout: Layout;
  strategy: Strategy;
  /** Why the strategy (printed as a warning when it is not a handover). */
  strategyWhy: string;
  /** The release that is current now, if any. */
  previous?: string;
  /** Running bot containers now (stopped by the handover, restarted by a recovery). */
  oldBots: string[];
  firstDeploy: boolean;
  /** Migrations to revert before the switch, newest first (known when probed). */
  migrationsDown: string[];
  prune: { tags: string[]; images: string[] };
}

/** Releases (and images) beyond keepReleases; never the new one, the current one or the previous one. */
export function pruneSelection(
  state: ServerState,
  keep: number,
  protect: string[],
): { tags: string[]; images: string[] } {
  const ordered = [...state.releases]
    .sort((a, b) => b.deployedAt.localeCompare(a.deployedAt))
    .map((r) => r.dir)
    .filter((d) => !d.endsWith(".tmp"));
  const kept = new Set(protect.filter(Boolean));
  for (const dir of ordered) {
    if (kept.size >= keep) break;
    kept.add(dir);
  }
  return { tags: ordered.filter((d) => !kept.has(d)), images: state.images.filter((i) => !kept.has(i)) };
}

function chooseStrategy(
  state: ServerState,
  req: DeployRequest,
  unchanged: boolean,
): { strategy: Strategy; why: string; stopBeforeMigrate?: boolean } {
  if (!state.currentTag) return { strategy: "first", why: "first deploy: the whole stack starts" };
  if (unchanged)
    return { strategy: "unchanged", why: `${req.tag} is running with this env file: the bot is left alone` };
  if (req.stopFirst)
    return {
      strategy: "stop-first",
      why: "--stop-first: the old bot stops before the migrations and the new one",
      stopBeforeMigrate: true,
    };
  const running = state.bots.filter((b) => b.running);
  if (running.length === 0)
    return { strategy: "stop-first", why: "no bot is running: the new one starts without a handover" };
  const oldKnows = running.every((b) => b.tag !== "" && state.handoverImages.includes(b.tag));
  if (!oldKnows)
    return {
      strategy: "stop-first",
      why: `the running release (${state.currentTag}) does not know the polling lease: it is replaced the old way (stop, then start), once`,
    };
  const newKnows = imageOnServer(state, req.tag) ? state.handoverImages.includes(req.tag) : req.sourceKnowsLease;
  if (!newKnows)
    return {
      strategy: "stop-first",
      why: `${req.tag} does not know the polling lease: it replaces the running bot the old way (stop, then start)`,
    };
  const breaking = (state.migrations?.targetBreaking ?? []).filter((m) => !state.migrations?.applied.includes(m));
  if (breaking.length > 0)
    return {
      strategy: "stop-first",
      why: `${breaking.join(", ")} declares the running release cannot live with it: the old bot stops before the migration`,
      stopBeforeMigrate: true,
    };
  return {
    strategy: "handover",
    why: "the new bot is proven beside the old one, then takes over polling",
  };
}

export function deployPlan(config: PlanConfig, state: ServerState, req: DeployRequest, src: DeploySources): DeployPlan {
  const tag = assertTag(req.tag);
  const l = layout(config.appDir);
  const dir = l.release(tag);
  const previous = state.currentTag && state.currentTag !== tag ? state.currentTag : undefined;
  const firstDeploy = state.currentTag === undefined;
  const sameTag = state.currentTag === tag;
  const hasImage = imageOnServer(state, tag);
  const onServer = releaseOnServer(state, tag);
  const envSame = req.envSha256 !== undefined && req.envSha256 === state.envSha256;
  // Unchanged only when exactly this release's bot runs, alone (an interrupted handover leaves two).
  const alone = state.bots.length === 1 && state.bots[0]!.running && state.bots[0]!.tag === tag;
  const { strategy, why, stopBeforeMigrate } = chooseStrategy(state, req, sameTag && hasImage && envSame && alone);
  const oldRunning = state.bots.filter((b) => b.running).map((b) => b.id);
  const stale = state.bots.filter((b) => !b.running).map((b) => b.id);
  const gateMs = config.healthTimeoutSec * 1000;
  const warnings: string[] = [];
  const image = imageName(tag);

  let migrationsDown: string[] = [];
  if (state.migrations?.targetKnown)
    migrationsDown = migrate.unknownToTarget(state.migrations.applied, state.migrations.targetKnown);
  const currentDir = state.currentTag ? l.release(state.currentTag) : undefined;
  const prune = pruneSelection(state, config.keepReleases, [tag, state.currentTag ?? "", previous ?? ""]);
  const lockInfo: lockCmd.LockInfo = { by: req.by, at: req.at, action: req.action, tag, pid: req.pid };
  // The stack's settings (release.env): written with a new release, rewritten in one already on the
  // server unless it is the running one and holds them already.
  const wantedEnv = release.releaseEnv(l, tag, config.publishHealth);
  const releaseEnvWhat = config.publishHealth
    ? `BOT_TAG, APP_DIR, /health published on ${publishedAt(config.publishHealth)}`
    : "BOT_TAG, APP_DIR";
  const settingsSame = sameTag && state.releaseEnv === wantedEnv;

  const steps: Step[] = [
    {
      id: "checks",
      title: "Check the server (docker, compose v2, systemd, disk, write access, clock)",
      // They guard builds and starts; a redeploy that leaves everything running does neither.
      ...(strategy === "unchanged" && state.postgresRunning
        ? { skip: "nothing is built or started: the running stack is left as it is" }
        : {}),
      parallel: true,
      actions: checks
        .remoteChecks(l)
        .map((c) => run(c.command, { quiet: true, timeoutMs: 60_000, judge: judge.check(c, config.backupMinFreeMb) })),
    },
    {
      id: "lock",
      title: "Take the deploy lock",
      actions: [run(lockCmd.acquire(l, lockInfo), { quiet: true, judge: judge.lockTaken(src.now) })],
    },
    {
      id: "upload",
      title: `Upload release ${tag}`,
      ...(onServer ? { skip: `release ${tag} is already on the server` } : {}),
      actions: [
        run(release.prepareTmp(l, tag), { what: "preparing the release dir" }),
        {
          kind: "upload",
          what: `the git archive of ${tag} (${req.commit.slice(0, 12)})`,
          to: release.archivePath(l, tag),
          mode: 0o600,
          progress: true,
          data: async () => (await src.archive()).data,
          set: (data) => ({ [ARCHIVE_SHA.late]: sha256(data) }),
        },
        {
          kind: "upload",
          what: `release.env (${releaseEnvWhat})`,
          to: `${l.releaseTmp(tag)}/${RELEASE_ENV}`,
          mode: 0o644,
          data: async () => wantedEnv,
        },
        {
          kind: "upload",
          what: "release.json (tag, commit, time, who)",
          to: `${l.releaseTmp(tag)}/release.json`,
          mode: 0o644,
          data: async () => release.releaseJson({ tag, commit: req.commit, deployedAt: req.at, by: req.by }),
        },
        run(release.install(l, tag, ARCHIVE_SHA), { judge: judge.installed }),
      ],
    },
    ...(onServer
      ? [
          {
            id: "settings",
            title: `Write the stack's settings: ${RELEASE_ENV} of ${tag} (${releaseEnvWhat})`,
            ...(settingsSame ? { skip: `${RELEASE_ENV} of ${tag} already holds them` } : {}),
            actions: [
              {
                kind: "upload",
                what: RELEASE_ENV,
                to: release.releaseEnvPath(l, tag),
                mode: 0o644,
                data: async () => wantedEnv,
              },
            ],
          } satisfies Step,
        ]
      : []),
    {
      id: "env",
      title: "Upload the env file to shared/.env (0600)",
      ...(envSame ? { skip: "shared/.env already holds this env file" } : {}),
      actions: [
        run(release.ensureShared(l), { what: "creating shared/ and backups/" }),
        { kind: "upload", what: "the env file", to: l.envFile, mode: 0o600, data: src.env },
      ],
    },
    {
      id: "build",
      title: `Build image ${image}`,
      ...(hasImage ? { skip: `image ${image} is already on the server` } : {}),
      actions: [
        run(compose.build(dir), { timeoutMs: 30 * 60_000, judge: judge.built(image) }),
        run(docker.imageSize(tag), { quiet: true, judge: judge.imageSize }),
      ],
    },
  ];
  if (!state.postgresRunning)
    steps.push({
      id: "database",
      title: "Start PostgreSQL",
      actions: [run(compose.upDatabase(dir, config.healthTimeoutSec), { what: "starting PostgreSQL" })],
    });
  // A rollback to a release whose migrations are known to change nothing leaves the data as it is:
  // it does not wait for a backup (on a big database, most of its time).
  const schemaUnchanged =
    !!state.migrations?.targetKnown && migrationsDown.length === 0 && pendingOf(state, []).length === 0;
  const backupSkip = firstDeploy
    ? "first deploy: no database to back up"
    : sameTag && migrationsDown.length === 0
      ? `redeploy of the running release ${tag}`
      : !config.backupBeforeDeploy && migrationsDown.length === 0
        ? "backups before deploys are off for this target"
        : req.action === "rollback" && hasImage && schemaUnchanged
          ? `no migration runs or is reverted: ${tag} finds the database as it is now`
          : undefined;
  const buildRuns = !hasImage;
  steps.push({
    id: "backup",
    title: `Back up the database (label pre-${tag})`,
    ...(backupSkip ? { skip: backupSkip } : {}),
    // It only reads the running database: taken while the image builds.
    ...(buildRuns && state.postgresRunning && !backupSkip ? { startsWith: "build" } : {}),
    actions: [
      run(
        backup.create(dir, l, {
          label: backup.backupLabel(`pre-${tag}`),
          minFreeMb: config.backupMinFreeMb,
          ...(config.backupKeep ? { keep: config.backupKeep } : {}),
        }),
        {
          timeoutMs: 15 * 60_000,
          judge: judge.backupTaken,
        },
      ),
    ],
  });
  const revert =
    currentDir && !sameTag
      ? revertStep(state, tag, dir, currentDir, migrationsDown, strategy === "handover")
      : undefined;
  if (revert) steps.push(revert);
  if (stopBeforeMigrate && oldRunning.length > 0)
    steps.push({
      id: "stop",
      title: "Stop the running bot before the migration",
      actions: [run(bots.stop(oldRunning), { what: "stopping the running bot" })],
    });
  // The revert step's status (when it asks one) also told what is pending: asked once per run.
  const statusAsked = !!revert && !revert.skip && state.migrations?.targetKnown === undefined;
  steps.push(migrateStep(state, tag, dir, sameTag && hasImage, strategy === "handover", migrationsDown, statusAsked));

  if (strategy === "handover") {
    steps.push(
      {
        id: "standby",
        title: `Start ${tag} as a standby beside the running bot`,
        actions: [
          ...(stale.length
            ? [run(bots.remove(stale, true), { what: "removing stopped bot containers left by an earlier run" })]
            : []),
          run(bots.upStandby(dir, oldRunning.length + 1), { what: "starting the standby" }),
          run(bots.ids(), { quiet: true, judge: judge.newContainer([...oldRunning, ...stale], "standby") }),
        ],
      },
      {
        id: "gate",
        title: `Gate: the standby is ready while the old bot serves (up to ${config.healthTimeoutSec} s)`,
        actions: [
          {
            kind: "wait",
            cmd: bots.state(bots.STANDBY),
            everyMs: 100,
            timeoutMs: gateMs,
            until: "the standby answers /health as ready (database, schema, token), or fails",
            judge: judge.gate,
            quiet: true,
          },
        ],
      },
      switchStep(l, tag),
      {
        id: "handover",
        title: "Handover: the old bot steps down, the new one takes over polling",
        commits: true,
        actions: [
          run(bots.stop(oldRunning), { what: "stopping the old bot" }),
          {
            kind: "wait",
            cmd: bots.state(bots.STANDBY),
            everyMs: 100,
            timeoutMs: 60_000,
            until: "the new bot holds the polling lease and polls",
            judge: judge.active,
            quiet: true,
          },
        ],
      },
      {
        id: "cleanup",
        title: "Remove the old bot's container",
        optional: true,
        actions: [run(bots.remove(oldRunning), { what: "removing the old container" })],
      },
    );
  } else if (strategy === "unchanged") {
    steps.push({ id: "switch", title: `Switch current to ${tag}`, skip: why, actions: [] });
  } else {
    steps.push(switchStep(l, tag), {
      id: "start",
      title:
        strategy === "first"
          ? "Start the stack (up -d --wait)"
          : `Replace the bot with ${tag} (stop-first: the bot is down until it is healthy)`,
      actions: [
        strategy === "first"
          ? run(compose.upAll(dir, config.healthTimeoutSec), { timeoutMs: 15 * 60_000 })
          : run(bots.replace(dir), { what: "docker compose up", timeoutMs: 15 * 60_000 }),
        run(bots.ids(), { quiet: true, judge: judge.onlyContainer("bot") }),
      ],
    });
    steps.push({
      id: "gate",
      title: `Gate: the bot is healthy (up to ${config.healthTimeoutSec} s)`,
      commits: true,
      actions: [
        {
          kind: "wait",
          cmd: bots.state(bots.RUNNING_BOT),
          everyMs: 250,
          timeoutMs: gateMs,
          until: "the bot answers /health, or fails",
          judge: judge.gate,
          quiet: true,
        },
      ],
    });
  }

  // After the commit point the housekeeping steps are independent of each other: they run at
  // once, in the background of the first one (their output still comes in order).
  const housekeeping = strategy === "handover" ? "cleanup" : "units";
  const health = publicHealthStep(config.publishHealth, state, dir, {
    startedWithStack: strategy === "first",
    unchanged: strategy === "unchanged" && settingsSame,
  });
  if (health) steps.push({ ...health, startsWith: housekeeping });
  steps.push(
    ...unitSteps(l, src.units, { asRoot: src.asRoot, deployUser: src.deployUser, optional: true }).map((u) =>
      housekeeping === u.id ? u : { ...u, startsWith: housekeeping },
    ),
    {
      id: "prune",
      startsWith: housekeeping,
      title: `Prune old releases (keep ${config.keepReleases})`,
      optional: true,
      ...(prune.tags.length === 0 && prune.images.length === 0 ? { skip: "nothing to prune" } : {}),
      actions: [
        ...prune.tags.map((t) => run(release.removeRelease(l, t))),
        ...prune.images.map((t) => run(docker.removeImage(t))),
        // Dangling layers and build cache come from builds: without one, nothing new to sweep.
        ...(buildRuns ? docker.pruneDangling().map((c) => run(c, { quiet: true })) : []),
      ],
    },
    ...finalSteps(l),
  );

  if (state.lock) warnings.push(lockCmd.describeLock(state.lock, Date.parse(req.at)));
  if (strategy !== "handover") warnings.push(why);
  if (req.noRollback)
    warnings.push(
      strategy === "handover"
        ? "--no-rollback: a standby that fails its gate is left beside the serving bot, to look at"
        : "--no-rollback: a bot that fails its gate is left as it is: the bot may stay down until a rollback",
    );
  if (migrationsDown.length > 0)
    warnings.push(`migrations to revert before ${tag} runs: ${migrationsDown.join(", ")} (after a backup)`);
  if (!state.migrations?.targetKnown && currentDir && !sameTag && req.action === "rollback")
    warnings.push(`which migrations ${tag} does not know is decided once its image exists on the server`);
  return {
    task: `${req.action} ${tag}`,
    action: req.action,
    tag,
    request: req,
    layout: l,
    steps,
    warnings,
    success: req.action === "rollback" ? `rolled back to ${tag}` : `deployed ${tag}`,
    strategy,
    strategyWhy: why,
    ...(previous ? { previous } : {}),
    oldBots: oldRunning,
    firstDeploy,
    migrationsDown,
    prune,
  };
}

const publishedAt = (p: PublishHealth): string => `${p.address}:${p.port}`;

/**
 * The opt-in /health publisher after the commit point: (re)made from the release's settings (its
 * image is the release's), or removed when publishing was turned off. Optional: a port already
 * taken on the server is reported, and the deployed bot stands.
 */
function publicHealthStep(
  publish: PublishHealth | undefined,
  state: ServerState,
  dir: string,
  o: { startedWithStack: boolean; unchanged: boolean },
): Step | undefined {
  if (!publish)
    return !state.publicHealth
      ? undefined
      : {
          id: "health",
          title: "Stop publishing /health (publishHealth is not in the targets file)",
          optional: true,
          actions: [run(compose.removeHealth(dir), { what: "removing the /health publisher" })],
        };
  const skip = o.startedWithStack
    ? "started with the stack"
    : o.unchanged && state.publicHealth === "running"
      ? "already published there"
      : undefined;
  return {
    id: "health",
    title: `Publish /health on ${publishedAt(publish)} for an external monitor`,
    optional: true,
    ...(skip ? { skip } : {}),
    actions: [run(compose.upHealth(dir), { what: "starting the /health publisher" })],
  };
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function switchStep(l: Layout, tag: string): Step {
  return {
    id: "switch",
    title: `Switch current to ${tag}`,
    actions: release.switchCurrent(l, tag).map((c) => run(c, { what: "switching current" })),
  };
}

function revertStep(
  state: ServerState,
  tag: string,
  dir: string,
  currentDir: string,
  down: string[],
  handover: boolean,
): Step {
  const known = state.migrations?.targetKnown !== undefined;
  const title =
    down.length > 0
      ? `Revert ${down.length} migration(s) unknown to ${tag} with the current image: ${down.join(", ")}`
      : `Revert migrations unknown to ${tag} (with the current image, if any)`;
  if (known)
    return {
      id: "revert",
      title,
      ...(down.length === 0 ? { skip: `the database has no migration unknown to ${tag}` } : {}),
      actions:
        down.length > 0
          ? [
              run(migrate.down(currentDir, down.length), {
                timeoutMs: 15 * 60_000,
                judge: (r) =>
                  r.code === 0
                    ? { ok: true, note: `reverted ${down.join(", ")}`, set: { reverted: String(down.length) } }
                    : judge.exitZero(`reverting ${down.join(", ")}`)(r),
              }),
            ]
          : [],
    };
  const count = late("revert-count", `the number of migrations ${tag} does not know, found at run time`);
  return {
    id: "revert",
    title,
    actions: [
      run(migrate.status(dir), { judge: judge.migrationStatus(handover) }),
      run(migrate.down(currentDir, count), {
        when: {
          text: `the database has migrations ${tag} does not know`,
          holds: (v) => Number(v.get("revert-count")) > 0,
        },
        timeoutMs: 15 * 60_000,
        judge: judge.reverted,
      }),
    ],
  };
}

function migrateStep(
  state: ServerState,
  tag: string,
  dir: string,
  runningRelease: boolean,
  handover: boolean,
  down: string[],
  statusAsked: boolean,
): Step {
  if (runningRelease)
    return {
      id: "migrate",
      title: "Run migrations with the new release",
      skip: `redeploy of the running release ${tag}: its migrations are applied`,
      actions: [],
    };
  // Known from the probe (a rollback): pending = what the target knows minus what stays applied.
  if (state.migrations?.targetKnown) {
    const pending = pendingOf(state, down);
    return {
      id: "migrate",
      title: "Run migrations with the new release",
      ...(pending.length === 0 ? { skip: "nothing pending" } : {}),
      actions: [run(migrate.up(dir), { timeoutMs: 15 * 60_000, judge: judge.migratedUp })],
    };
  }
  return {
    id: "migrate",
    title: "Run migrations with the new release",
    actions: [
      ...(statusAsked ? [] : [run(migrate.status(dir), { judge: judge.migrationStatus(handover) })]),
      run(migrate.up(dir), {
        when: { text: "the status lists a pending migration", holds: (v) => Number(v.get("pending-count")) > 0 },
        timeoutMs: 15 * 60_000,
        judge: judge.migratedUp,
      }),
    ],
  };
}

/** What the target knows and the database lacks once `down` is reverted (known from the probe). */
function pendingOf(state: ServerState, down: string[]): string[] {
  const applied = new Set(state.migrations?.applied.filter((m) => !down.includes(m)));
  return (state.migrations?.targetKnown ?? []).filter((m) => !applied.has(m));
}

/** Waits until a bot container polls again (or, without the lease, is healthy): recovery and restore. */
export function waitServing(container: Arg, timeoutMs: number, until: string): Action {
  return {
    kind: "wait",
    cmd: bots.state(container),
    everyMs: 250,
    timeoutMs,
    until,
    judge: judge.serving,
    quiet: true,
  };
}

/** History and unlock: run at the end whatever happened, once the lock was taken. */
export function finalSteps(l: Layout): Step[] {
  return [
    {
      id: "history",
      title: "Record history",
      final: true,
      actions: [run(history.appendLine(l, HISTORY_ENTRY), { quiet: true, what: "appending to history.jsonl" })],
    },
    {
      id: "unlock",
      title: "Release the deploy lock",
      final: true,
      actions: [
        run(lockCmd.release(l), {
          quiet: true,
          judge: (r) =>
            r.code === 0
              ? { ok: true }
              : {
                  ok: false,
                  error: `could not remove the lock${judge.lastLine(r.stderr)}: run \`unlock\` once you are sure no deploy runs`,
                },
        }),
      ],
    },
  ];
}

/** The history line is written when the result is known: a late value of the final step. */
export const HISTORY_ENTRY = late("history-entry", "this run's history line (result, duration), known at the end");
