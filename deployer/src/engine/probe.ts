/** Read-only questions to the server, answered into a ServerState. */
import * as docker from "../commands/docker.js";
import * as lockCmd from "../commands/lock.js";
import * as migrate from "../commands/migrate.js";
import * as release from "../commands/release.js";
import type { Layout } from "../commands/layout.js";
import type { Remote } from "../ssh/types.js";
import type { ServerState } from "./state.js";

export const postgresRunning = (): readonly string[] => [
  "docker",
  "ps",
  "-q",
  "--filter",
  "label=com.docker.compose.project=remindbot",
  "--filter",
  "label=com.docker.compose.service=postgres",
  "--filter",
  "status=running",
];

export async function probe(remote: Remote, l: Layout, opts: { migrationsFor?: string } = {}): Promise<ServerState> {
  const [cur, rels, imgs, pg, lk] = await Promise.all([
    remote.run(release.readCurrent(l)),
    remote.run(release.listReleases(l)),
    remote.run(docker.listBotImages()),
    remote.run(postgresRunning()),
    remote.run(lockCmd.read(l)),
  ]);
  const currentTag = cur.code === 0 ? release.currentTagFrom(cur.stdout) : undefined;
  const state: ServerState = {
    ...(currentTag ? { currentTag } : {}),
    releases: rels.code === 0 ? release.parseReleaseList(rels.stdout) : [],
    images:
      imgs.code === 0
        ? imgs.stdout
            .split("\n")
            .map((s) => s.trim())
            .filter((s) => s && s !== "<none>")
        : [],
    postgresRunning: pg.code === 0 && pg.stdout.trim().length > 0,
  };
  const lock = lk.code === 0 ? lockCmd.parseLockInfo(lk.stdout) : undefined;
  if (lock) state.lock = lock;
  const target = opts.migrationsFor;
  // Which migrations the target does not know: only when its image is there (no build in a probe).
  // One container: "applied" comes from the database, so the target's image reports it as well as
  // the current one's would (a second `compose run` cost ~3 s of a rollback).
  if (target && currentTag && target !== currentTag && state.images.includes(target) && state.postgresRunning) {
    const t = await remote.run(migrate.status(l.release(target)));
    if (t.code === 0) {
      try {
        const s = migrate.parseStatus(t.stdout);
        state.migrations = { applied: s.applied, targetKnown: s.known };
      } catch {
        // Left unknown: the runner asks again at the revert step.
      }
    }
  }
  return state;
}
