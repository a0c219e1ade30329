/** Opening the database at start: bounded retries (PostgreSQL may still be starting in compose). */
import type { DataSource } from "typeorm";
import { createDataSource } from "./db/index.js";
import type { Logger } from "./logging/logger.js";

export interface ConnectOptions {
  url: string;
  attempts?: number;
  delayMs?: number;
  logger?: Logger;
  poolSize?: number;
}

export async function connectDatabase(o: ConnectOptions): Promise<DataSource> {
  const attempts = o.attempts ?? 10;
  let last: unknown;
  for (let i = 1; i <= attempts; i++) {
    const ds = createDataSource({ url: o.url, poolSize: o.poolSize });
    try {
      await ds.initialize();
      return ds;
    } catch (err) {
      last = err;
      if (ds.isInitialized) await ds.destroy().catch(() => undefined);
      o.logger?.warn("database not reachable yet", { attempt: i, of: attempts, error: (err as Error).message });
      if (i < attempts) await new Promise((r) => setTimeout(r, o.delayMs ?? 2000));
    }
  }
  throw new Error(`database unreachable after ${attempts} attempts: ${(last as Error)?.message ?? String(last)}`);
}
