/**
 * Runs, reverts and lists migrations. Every operation holds a session-level advisory lock on one
 * dedicated connection, so two processes starting at once (two replicas, a deploy's migrate step
 * and the bot's own start) apply each migration exactly once. TypeORM does not lock by itself.
 */
import type { DataSource } from "typeorm";

export const MIGRATION_LOCK_KEY = "remindbot:migrations";

export interface MigrationStatus {
  /** Compiled into this build, in order. */
  known: string[];
  /** Recorded in the database's migrations table, in order of application. */
  applied: string[];
  /** Known migrations that declare `static readonly breaksRunningRelease = true`, in order. */
  breaking: string[];
}

/**
 * A migration class may declare `static readonly breaksRunningRelease = true` when the release
 * running now cannot live with it: the deployer then stops the old bot before migrating instead of
 * handing over with both running.
 */
export interface MaybeBreaking {
  breaksRunningRelease?: boolean;
}

/** Runs `fn` while holding the migration lock; the lock is always released. */
export async function withMigrationLock<T>(ds: DataSource, fn: () => Promise<T>): Promise<T> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query("SELECT pg_advisory_lock(hashtext($1))", [MIGRATION_LOCK_KEY]);
    try {
      return await fn();
    } finally {
      await runner.query("SELECT pg_advisory_unlock(hashtext($1))", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

const byTimestamp = (a: string, b: string) => Number(a.slice(-13)) - Number(b.slice(-13));

/** Names of this build's migrations, in the order TypeORM runs them. */
export function knownMigrations(ds: DataSource): string[] {
  return ds.migrations.map((m) => m.name ?? m.constructor.name).sort(byTimestamp);
}

/** Names of this build's migrations whose class declares breaksRunningRelease, in order. */
export function breakingMigrations(ds: DataSource): string[] {
  return ds.migrations
    .filter((m) => (m.constructor as MaybeBreaking).breaksRunningRelease === true)
    .map((m) => m.name ?? m.constructor.name)
    .sort(byTimestamp);
}

async function appliedMigrations(ds: DataSource): Promise<string[]> {
  const table = ds.options.migrationsTableName ?? "migrations";
  const [exists] = (await ds.query("SELECT to_regclass($1) IS NOT NULL AS exists", [table])) as { exists: boolean }[];
  if (!exists?.exists) return [];
  const rows = (await ds.query(`SELECT name FROM "${table}" ORDER BY id`)) as { name: string }[];
  return rows.map((r) => r.name);
}

export async function migrationStatus(ds: DataSource): Promise<MigrationStatus> {
  return withMigrationLock(ds, async () => ({
    known: knownMigrations(ds),
    applied: await appliedMigrations(ds),
    breaking: breakingMigrations(ds),
  }));
}

/** Applies pending migrations, each in its own transaction; returns the names that ran. */
export async function runMigrations(ds: DataSource): Promise<string[]> {
  return withMigrationLock(ds, async () => {
    const ran = await ds.runMigrations({ transaction: "each" });
    return ran.map((m) => m.name);
  });
}

/**
 * Reverts the last `n` applied migrations, newest first; returns their names. Refuses up front
 * (changing nothing) when one of them is unknown to this build, since its down() is not here.
 */
export async function revertMigrations(ds: DataSource, n: number): Promise<string[]> {
  if (!Number.isInteger(n) || n < 0) throw new Error(`revert: expected a whole number of migrations, got ${n}`);
  return withMigrationLock(ds, async () => {
    const applied = await appliedMigrations(ds);
    if (n > applied.length) throw new Error(`revert: asked for ${n} migrations, only ${applied.length} applied`);
    const targets = applied.slice(applied.length - n).reverse();
    const known = new Set(knownMigrations(ds));
    const unknown = targets.filter((t) => !known.has(t));
    if (unknown.length) throw new Error(`revert: this build does not know ${unknown.join(", ")}, so cannot revert it`);
    for (let i = 0; i < targets.length; i++) await ds.undoLastMigration({ transaction: "each" });
    return targets;
  });
}
