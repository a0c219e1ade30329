/** Read-only questions to the server, answered into the state the plans are made from. */
import * as bots from "../commands/bot-containers.js";
import * as docker from "../commands/docker.js";
import * as lockCmd from "../commands/lock.js";
import * as migrate from "../commands/migrate.js";
import * as prov from "../commands/provision.js";
import * as release from "../commands/release.js";
import type { Layout } from "../commands/layout.js";
import * as compose from "../commands/compose.js";
import { APP } from "../stack/contract.js";
import { scriptText, type ScriptCall } from "../commands/script.js";
import type { Argv, Remote, RunResult } from "../ssh/types.js";
import { StepError } from "./context.js";
import { lastLine } from "./judges.js";
import { parseFacts, parseOsRelease } from "./server-facts.js";
import type { ServerState } from "./state.js";
import type { ProvisionState } from "./task-plans.js";

export const postgresRunning = (): Argv => [
  "docker",
  "ps",
  "-q",
  "--filter",
  `label=com.docker.compose.project=${APP}`,
  "--filter",
  "label=com.docker.compose.service=postgres",
  "--filter",
  "status=running",
];

/** Runs a builder's command: argv, or a remote/bin script on stdin. */
export function ask(remote: Remote, c: Argv | ScriptCall): Promise<RunResult> {
  return "script" in c ? remote.run(c.argv, { stdin: scriptText(c) }) : remote.run(c);
}

export interface ProbeOptions {
  /** The tag a plan is made for: which migrations it knows and declares breaking. */
  migrationsFor?: string;
  /** What the tag's sources declare (its manifest), when they do: then only "applied" is asked. */
  targetMigrations?: migrate.MigrationManifest;
}

export async function probe(remote: Remote, l: Layout, opts: ProbeOptions = {}): Promise<ServerState> {
  const [cur, rels, imgs, pg, lk, ps, env, relEnv, pub] = await Promise.all([
    ask(remote, release.readCurrent(l)),
    ask(remote, release.listReleases(l)),
    ask(remote, docker.listBotImages()),
    ask(remote, postgresRunning()),
    ask(remote, lockCmd.read(l)),
    ask(remote, bots.list()),
    ask(remote, release.checksum(l.envFile)),
    ask(remote, release.readCurrentReleaseEnv(l)),
    ask(remote, compose.healthStates()),
  ]);
  const currentTag = cur.code === 0 ? release.currentTagFrom(cur.stdout) : undefined;
  const images =
    imgs.code === 0
      ? imgs.stdout
          .split("\n")
          .map((s) => s.trim())
          .filter((s) => s && s !== "<none>")
      : [];
  const pgContainer = pg.code === 0 ? pg.stdout.trim().split("\n")[0] : undefined;
  const postgresUp = !!pgContainer;
  const target = opts.migrationsFor;
  const manifest = opts.targetMigrations;
  // Which migrations the target does not know, and which it declares breaking. From its manifest
  // plus the database's applied list (psql: a fraction of a second); a tag from before manifests
  // asks its image (a one-off container: seconds, and only when the image is there, no build in a
  // probe). Asked beside the image labels: all of them only read.
  const wantStatus =
    !manifest && !!target && !!currentTag && target !== currentTag && images.includes(target) && postgresUp;
  const [labels, status, appliedNow] = await Promise.all([
    images.length ? ask(remote, bots.handoverLabels(images)) : undefined,
    wantStatus ? ask(remote, migrate.status(l.release(target!))) : undefined,
    manifest && pgContainer && currentTag ? ask(remote, migrate.applied(pgContainer)) : undefined,
  ]);
  const envSha256 = env.code === 0 ? release.parseChecksum(env.stdout) : undefined;
  const state: ServerState = {
    ...(currentTag ? { currentTag } : {}),
    releases: rels.code === 0 ? release.parseReleaseList(rels.stdout) : [],
    images,
    handoverImages: labels ? bots.parseHandoverLabels(labels.stdout) : [],
    postgresRunning: postgresUp,
    bots: ps.code === 0 ? bots.parseList(ps.stdout) : [],
    ...(envSha256 ? { envSha256 } : {}),
    ...(relEnv.code === 0 ? { releaseEnv: relEnv.stdout } : {}),
  };
  const publicHealth = pub.code === 0 ? compose.parseHealthStates(pub.stdout) : undefined;
  if (publicHealth) state.publicHealth = publicHealth;
  const lock = lk.code === 0 ? lockCmd.parseLockInfo(lk.stdout) : undefined;
  if (lock) state.lock = lock;
  if (manifest && appliedNow?.code === 0)
    state.migrations = {
      applied: migrate.parseApplied(appliedNow.stdout),
      targetKnown: manifest.known,
      targetBreaking: manifest.breaking,
    };
  if (status?.code === 0) {
    try {
      const st = migrate.parseStatus(status.stdout);
      state.migrations = { applied: st.applied, targetKnown: st.known, targetBreaking: st.breaking ?? [] };
    } catch {
      // Left unknown: the run asks at the revert and migrate steps.
    }
  }
  return state;
}

/**
 * Provision's questions: root or a password-less sudoer, the system (os-release and the machine's
 * facts, for the preflight), and whether Docker and compose v2 are there.
 */
export async function probeProvision(remote: Remote): Promise<ProvisionState> {
  const id = await ask(remote, prov.isRoot());
  let sudo: readonly string[] = [];
  if (!(id.code === 0 && id.stdout.trim() === "0")) {
    const s = await ask(remote, prov.canSudo());
    if (s.code !== 0)
      throw new StepError(
        `${remote.user}@${remote.host} is neither root nor a password-less sudoer: provision needs one of them`,
      );
    sudo = ["sudo", "-n"];
  }
  const [d, c, os, f] = await Promise.all([
    ask(remote, prov.hasDocker()),
    ask(remote, prov.hasCompose()),
    ask(remote, prov.osRelease()),
    ask(remote, prov.facts()),
  ]);
  if (f.code !== 0) throw new StepError(`cannot read the server's facts${lastLine(f.stderr || f.stdout)}`);
  const missing = [...(d.code !== 0 ? ["docker"] : []), ...(c.code !== 0 ? ["compose v2"] : [])];
  const version = d.code === 0 ? d.stdout.trim().split("\n")[0] : undefined;
  return {
    sudo,
    missing,
    // No os-release at all: parsed as {}, which the preflight refuses by name.
    os: parseOsRelease(os.code === 0 ? os.stdout : ""),
    facts: parseFacts(f.stdout),
    ...(version ? { dockerVersion: version } : {}),
  };
}
