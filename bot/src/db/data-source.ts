/**
 * The bot's TypeORM DataSource: PostgreSQL through pg, our entities and compiled migrations,
 * schema changes only through migrations.
 */
import { DataSource } from "typeorm";
import type pg from "pg";
import { entities } from "./entities.js";
import { migrations } from "./migrations/index.js";

export type ConnectionOptions =
  { url: string } | { host: string; port?: number; user: string; password: string; database: string };

export type DbOptions = ConnectionOptions & {
  /** Pooled connections (default 10). The scheduler's LISTEN connection is outside the pool. */
  poolSize?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** Log every SQL statement through TypeORM's console logger (development only). */
  logQueries?: boolean;
};

export function createDataSource(options: DbOptions): DataSource {
  const connection =
    "url" in options
      ? { url: options.url }
      : {
          host: options.host,
          port: options.port ?? 5432,
          username: options.user,
          password: options.password,
          database: options.database,
        };
  return new DataSource({
    type: "postgres",
    ...connection,
    applicationName: options.applicationName ?? "remindbot",
    entities,
    migrations,
    migrationsTableName: "migrations",
    synchronize: false,
    migrationsRun: false,
    poolSize: options.poolSize ?? 10,
    connectTimeoutMS: 10_000,
    logging: options.logQueries ? "all" : false,
  });
}

/**
 * pg client settings for a connection outside the pool (the scheduler's LISTEN connection), taken
 * from a DataSource made by createDataSource.
 */
export function pgClientConfig(ds: DataSource): pg.ClientConfig {
  const o = ds.options as {
    url?: string;
    host?: string;
    port?: number;
    username?: string;
    password?: string | (() => string | Promise<string>);
    database?: string;
    applicationName?: string;
  };
  const base: pg.ClientConfig = { application_name: o.applicationName, connectionTimeoutMillis: 10_000 };
  if (o.url) return { ...base, connectionString: o.url };
  return { ...base, host: o.host, port: o.port, user: o.username, password: o.password, database: o.database };
}
