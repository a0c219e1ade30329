/**
 * Shared by the scheduler's tests and benchmark: a migrated fresh database and bulk inserts of
 * reminders. Not part of the build (bot/src/** /testing/** is excluded).
 */
import type { DataSource } from "typeorm";
import { freshDatabase, type TestDatabase } from "../../../../test/support/postgres.js";
import { createDataSource } from "../../db/data-source.js";
import { runMigrations } from "../../db/migrator.js";
import type { Recurrence } from "../../parse/types.js";

export interface MigratedDatabase {
  db: TestDatabase;
  /** A DataSource for the test's own queries (schedulers get their own, like separate processes). */
  ds: DataSource;
  connect(poolSize?: number): Promise<DataSource>;
  close(): Promise<void>;
}

export async function migratedDatabase(prefix: string): Promise<MigratedDatabase> {
  const db = await freshDatabase(prefix);
  const open: DataSource[] = [];
  const connect = async (poolSize = 5) => {
    const ds = await createDataSource({ url: db.url, poolSize }).initialize();
    open.push(ds);
    return ds;
  };
  const ds = await connect();
  await runMigrations(ds);
  return {
    db,
    ds,
    connect,
    async close() {
      await Promise.all(open.splice(0).map((d) => (d.isInitialized ? d.destroy() : undefined)));
      await db.drop();
    },
  };
}

export interface NewReminder {
  chatId: number;
  dueAt: Date;
  userId?: number;
  chatType?: string;
  text?: string;
  zone?: string;
  recurrence?: Recurrence | null;
  urgent?: boolean;
}

/** Inserts active reminders in one statement; returns their ids in order. */
export async function insertReminders(ds: DataSource, rows: NewReminder[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < rows.length; i += 5000) {
    const chunk = rows.slice(i, i + 5000);
    const inserted = (await ds.query(
      `INSERT INTO reminders (user_id, chat_id, chat_type, text, zone, recurrence, urgent, status, due_at)
       SELECT u, c, t, x, z, r, g, 'active', d
       FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::boolean[], $8::timestamptz[])
         AS i(u, c, t, x, z, r, g, d)
       RETURNING id`,
      [
        chunk.map((r) => r.userId ?? r.chatId),
        chunk.map((r) => r.chatId),
        chunk.map((r) => r.chatType ?? "private"),
        chunk.map((r, j) => r.text ?? `reminder ${i + j}`),
        chunk.map((r) => r.zone ?? "UTC"),
        chunk.map((r) => (r.recurrence ? JSON.stringify(r.recurrence) : null)),
        chunk.map((r) => r.urgent ?? false),
        chunk.map((r) => r.dueAt),
      ],
    )) as { id: string }[];
    out.push(...inserted.map((r) => Number(r.id)));
  }
  return out;
}

export async function count(ds: DataSource, sqlText: string, params: unknown[] = []): Promise<number> {
  const [row] = (await ds.query(`SELECT count(*)::int AS n FROM (${sqlText}) AS q`, params)) as { n: number }[];
  return row?.n ?? 0;
}

/** Polls `pred` every `everyMs` until it is true or `timeoutMs` passes; returns whether it came true. */
export async function until(pred: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
