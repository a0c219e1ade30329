/**
 * Plans are pure: config + what the server looks like -> the steps and the exact commands.
 * `plan` prints them; the runner executes them. Steps whose work depends on answers from the
 * server (migration counts, health) carry the commands they will run in the common case.
 */
import type { Argv } from "../ssh/types.js";
import * as compose from "../commands/compose.js";
import * as docker from "../commands/docker.js";
import * as lockCmd from "../commands/lock.js";
import * as migrate from "../commands/migrate.js";
import * as release from "../commands/release.js";
import * as backup from "../commands/backup.js";
import * as checks from "../commands/checks.js";
import { layout, type Layout } from "../commands/layout.js";
import { assertTag } from "../commands/names.js";
import { imageOnServer, releaseOnServer, type ServerState } from "./state.js";

export interface PlanConfig {
  appDir: string;
  keepReleases: number;
  healthTimeoutSec: number;
  backupBeforeDeploy: boolean;
  backupMinFreeMb: number;
}

export interface DeployRequest {
  action: "deploy" | "rollback";
  tag: string;
  commit: string;
  by: string;
  /** ISO time of the run (release.json, lock). */
  at: string;
  pid: number;
}

export type StepKind =
  | "checks"
  | "lock"
  | "upload"
  | "env"
  | "build"
  | "database"
  | "backup"
  | "revert"
  | "migrate"
  | "switch"
  | "up"
  | "health"
  | "rescue"
  | "units"
  | "history"
  | "prune"
  | "unlock";

export interface Step {
  id: StepKind;
  title: string;
  /** Set when the plan already knows the step has nothing to do; the runner reports it skipped. */
  skip?: string;
  /** Exact remote commands in order (what `plan` prints). */
  commands: Argv[];
  /** Human notes for work that is not a remote command (uploads). */
  notes?: string[];
}

export interface DeployPlan {
  request: DeployRequest;
  layout: Layout;
  steps: Step[];
  /** The release that is current now (auto-rollback target), if any. */
  previous?: string;
  firstDeploy: boolean;
  /** Migrations to revert before the switch, newest first (known when probed). */
  migrationsDown: string[];
  /** The target image's `migrate.js status` when the probe ran it (the runner need not ask again). */
  migrationStatus?: migrate.MigrationStatus;
  warnings: string[];
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

export function deployPlan(config: PlanConfig, state: ServerState, req: DeployRequest): DeployPlan {
  const tag = assertTag(req.tag);
  const l = layout(config.appDir);
  const dir = l.release(tag);
  const previous = state.currentTag && state.currentTag !== tag ? state.currentTag : undefined;
  const firstDeploy = state.currentTag === undefined;
  const sameTag = state.currentTag === tag;
  const onServer = releaseOnServer(state, tag);
  const hasImage = imageOnServer(state, tag);
  const warnings: string[] = [];

  let migrationsDown: string[] = [];
  if (state.migrations?.targetKnown) {
    migrationsDown = migrate.unknownToTarget(state.migrations.applied, state.migrations.targetKnown);
  }
  const currentDir = state.currentTag ? l.release(state.currentTag) : undefined;

  const lockInfo: lockCmd.LockInfo = { by: req.by, at: req.at, action: req.action, tag, pid: req.pid };
  const prune = pruneSelection(
    state,
    config.keepReleases,
    [tag, state.currentTag ?? "", previous ?? ""].filter(Boolean),
  );

  const steps: Step[] = [
    {
      id: "checks",
      title: "Check the server (docker, compose v2, systemd, disk, write access)",
      commands: checks.remoteChecks(l).map((c) => c.argv),
    },
    { id: "lock", title: "Take the deploy lock", commands: [lockCmd.acquire(l, lockInfo)] },
    {
      id: "upload",
      title: `Upload release ${tag}`,
      ...(onServer ? { skip: `release ${tag} is already on the server` } : {}),
      commands: [
        ...release.prepareTmp(l, tag),
        release.checksum(release.archivePath(l, tag)),
        ...release.unpack(l, tag),
        ...release.publish(l, tag),
      ],
      notes: [
        `upload git archive of ${tag} (${req.commit.slice(0, 12)}) to ${release.archivePath(l, tag)}, mode 0600, sha256 checked`,
        `write ${l.releaseTmp(tag)}/release.env and release.json`,
      ],
    },
    {
      id: "env",
      title: "Upload the env file to shared/.env (0600)",
      commands: [release.ensureShared(l)],
      notes: [`upload the env file to ${l.envFile}, mode 0600 from creation, renamed over the old one`],
    },
    {
      id: "build",
      title: `Build image remindbot-bot:${tag}`,
      ...(hasImage ? { skip: `image remindbot-bot:${tag} is already on the server` } : {}),
      commands: [compose.build(dir), docker.imageSize(tag)],
    },
  ];
  if (!state.postgresRunning)
    steps.push({
      id: "database",
      title: "Start PostgreSQL",
      commands: [compose.upDatabase(dir, config.healthTimeoutSec)],
    });
  const needBackup = !firstDeploy && (config.backupBeforeDeploy || migrationsDown.length > 0);
  steps.push({
    id: "backup",
    title: `Back up the database (label pre-${tag})`,
    ...(firstDeploy
      ? { skip: "first deploy: no database to back up" }
      : sameTag && migrationsDown.length === 0
        ? { skip: `redeploy of the running release ${tag}` }
        : !needBackup
          ? { skip: "backups before deploys are off for this target" }
          : {}),
    commands: [backup.create(dir, l, { label: backup.backupLabel(`pre-${tag}`), minFreeMb: config.backupMinFreeMb })],
  });
  if (currentDir && !sameTag) {
    steps.push({
      id: "revert",
      title:
        migrationsDown.length > 0
          ? `Revert ${migrationsDown.length} migration(s) unknown to ${tag} with the current image: ${migrationsDown.join(", ")}`
          : `Revert migrations unknown to ${tag} (with the current image, if any)`,
      ...(state.migrations?.targetKnown && migrationsDown.length === 0
        ? { skip: `the database has no migration unknown to ${tag}` }
        : {}),
      commands: [
        migrate.status(dir),
        ...(migrationsDown.length > 0 ? [migrate.down(currentDir, migrationsDown.length)] : []),
      ],
    });
  }
  steps.push(
    {
      id: "migrate",
      title: "Run migrations with the new release",
      // The running release's migrations ran when it started (the bot migrates at start, too).
      ...(sameTag && hasImage ? { skip: `redeploy of the running release ${tag}: its migrations are applied` } : {}),
      commands: [migrate.status(dir), migrate.up(dir), migrate.status(dir)],
      notes: ["up (and the status after it) only when the status lists a pending migration"],
    },
    { id: "switch", title: `Switch current to ${tag}`, commands: release.switchCurrent(l, tag) },
    {
      id: "up",
      title: firstDeploy ? "Start the stack (up -d --wait)" : "Restart the bot on the new release (up -d bot)",
      commands: [firstDeploy ? compose.upAll(dir, config.healthTimeoutSec) : compose.upBot(dir)],
    },
    {
      id: "health",
      title: `Wait for the bot to be healthy (up to ${config.healthTimeoutSec} s)`,
      commands: [
        compose.compose(dir, "ps", "-q", "bot"),
        ["docker", "inspect", "--format", "{{json .State}}", "<container>"],
      ],
    },
    {
      id: "rescue",
      title: previous
        ? `Roll back to ${previous} automatically if the gate fails`
        : "Stop the bot if the gate fails (first deploy: nothing to roll back to)",
      commands: previous
        ? [
            migrate.down(dir, 1).slice(0, -1).concat("<N applied by this deploy>"),
            ...release.switchCurrent(l, previous),
            compose.upBot(l.release(previous)),
          ]
        : [compose.compose(dir, "stop", "bot")],
    },
    {
      id: "units",
      title: "Install or refresh the systemd units (only when they differ)",
      commands: [],
      notes: [
        "compare sha256 of /etc/systemd/system/remindbot*.{service,timer} with this release's; install, daemon-reload, enable when they differ",
      ],
    },
    {
      id: "history",
      title: "Record history",
      commands: [["bash", "-c", 'printf "%s\\n" "$2" >> "$1"', "bash", l.history, "<entry>"]],
    },
    {
      id: "prune",
      title: `Prune old releases (keep ${config.keepReleases})`,
      ...(prune.tags.length === 0 && prune.images.length === 0 ? { skip: "nothing to prune" } : {}),
      commands: [
        ...prune.tags.map((t) => release.removeRelease(l, t)),
        ...prune.images.map((t) => docker.removeImage(t)),
      ],
    },
    { id: "unlock", title: "Release the deploy lock", commands: [lockCmd.release(l)] },
  );
  if (state.lock) warnings.push(lockCmd.describeLock(state.lock, Date.parse(req.at)));
  if (migrationsDown.length > 0)
    warnings.push(`migrations to revert before ${tag} runs: ${migrationsDown.join(", ")} (after a backup)`);
  if (!state.migrations?.targetKnown && currentDir && !sameTag && req.action === "rollback")
    warnings.push(`which migrations ${tag} does not know is decided once its image exists on the server`);
  return {
    request: req,
    layout: l,
    steps,
    ...(previous ? { previous } : {}),
    firstDeploy,
    migrationsDown,
    ...(state.migrations?.targetKnown
      ? { migrationStatus: { known: state.migrations.targetKnown, applied: state.migrations.applied } }
      : {}),
    warnings,
    prune,
  };
}
