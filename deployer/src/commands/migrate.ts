/** The bot image's migrations CLI (docs/CONTRACTS.md), run in a one-off container of a release. */
import type { Argv } from "../ssh/types.js";
import { compose } from "./compose.js";
import type { Arg, Late } from "./late.js";

const run = (releaseDir: string, ...args: string[]): Argv =>
  compose(releaseDir, "run", "--rm", "--no-deps", "-T", "bot", "node", "bot/dist/migrate.js", ...args);

export const status = (releaseDir: string): Argv => run(releaseDir, "status");
export const up = (releaseDir: string): Argv => run(releaseDir, "up");
/** `down N`: N may be late (the count a status reports at run time). */
export function down(releaseDir: string, n: number): Argv;
export function down(releaseDir: string, n: number | Late): readonly Arg[];
export function down(releaseDir: string, n: number | Late): readonly Arg[] {
  if (typeof n !== "number") return [...run(releaseDir, "down"), n];
  if (!Number.isInteger(n) || n < 1) throw new Error(`migrate down needs a positive count, got ${n}`);
  return run(releaseDir, "down", String(n));
}

export interface MigrationStatus {
  known: string[];
  applied: string[];
  /** Known migrations that declare the running (older) release cannot live with them. */
  breaking?: string[];
}

/**
 * A release's migrations as its sources declare them (bot/src/db/migrations/manifest.json, kept
 * equal to the compiled classes by the bot's test): read from git, so a plan knows what a tag's
 * image will say without starting a container.
 */
export const MANIFEST_PATH = "bot/src/db/migrations/manifest.json";

export interface MigrationManifest {
  known: string[];
  breaking: string[];
}

/** manifest.json -> the names in order and those that break the running release; throws when malformed. */
export function parseManifest(text: string): MigrationManifest {
  const v = JSON.parse(text) as { migrations?: unknown };
  if (!Array.isArray(v.migrations)) throw new Error(`${MANIFEST_PATH}: no "migrations" list`);
  const known: string[] = [];
  const breaking: string[] = [];
  for (const m of v.migrations as { name?: unknown; breaksRunningRelease?: unknown }[]) {
    if (typeof m?.name !== "string" || !m.name) throw new Error(`${MANIFEST_PATH}: a migration without a name`);
    known.push(m.name);
    if (m.breaksRunningRelease === true) breaking.push(m.name);
  }
  return { known, breaking };
}

/**
 * The database's applied migrations, in order, straight from the bot's migrations table
 * (docs/CONTRACTS.md) through psql in the running postgres container: the local socket needs no
 * password and the user and database come from the container's own environment. Fails (exit != 0)
 * when the table does not exist yet.
 */
export const applied = (postgresContainer: string): Argv => [
  "docker",
  "exec",
  postgresContainer,
  "sh",
  "-c",
  'PGUSER="$POSTGRES_USER" PGDATABASE="$POSTGRES_DB" exec psql -XAtq -v ON_ERROR_STOP=1 -c "SELECT name FROM migrations ORDER BY id"',
];

export const parseApplied = (stdout: string): string[] =>
  stdout
    .split("\n")
    .map((s) => s.trim())
    .filter(Boolean);

/** The last line of stdout that parses as {"known":[...],"applied":[...]}. */
export function parseStatus(stdout: string): MigrationStatus {
  const lines = stdout.split("\n").reverse();
  for (const line of lines) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    try {
      const v = JSON.parse(t) as { known?: unknown; applied?: unknown; breaking?: unknown };
      const strings = (a: unknown) =>
        Array.isArray(a) ? a.filter((x): x is string => typeof x === "string") : undefined;
      const known = strings(v.known);
      const applied = strings(v.applied);
      const breaking = strings(v.breaking);
      if (known && applied) return { known, applied, ...(breaking ? { breaking } : {}) };
    } catch {
      continue;
    }
  }
  throw new Error("migrate.js status printed no {known, applied} line");
}

/**
 * Migrations the database has and `targetKnown` does not: they must be reverted (newest first)
 * before the target runs. Only a suffix of `applied` can be reverted with `down N`.
 */
export function unknownToTarget(applied: string[], targetKnown: string[]): string[] {
  const known = new Set(targetKnown);
  let i = applied.length;
  while (i > 0 && !known.has(applied[i - 1] ?? "")) i--;
  const suffix = applied.slice(i);
  const gaps = applied.slice(0, i).filter((m) => !known.has(m));
  if (gaps.length > 0)
    throw new Error(
      `the database has migrations the target does not know that are not the latest ones (${gaps.join(", ")}): restore a backup instead`,
    );
  return suffix.reverse();
}
