/** The bot's database layer: entities, the DataSource and the migration runner. */
export { User, Reminder, Delivery, entities, REMINDER_STATUSES } from "./entities.js";
export type { Lang, ReminderStatus } from "./entities.js";
export { bigintTransformer, int8ToNumber } from "./bigint.js";
export { createDataSource, pgClientConfig } from "./data-source.js";
export type { ConnectionOptions, DbOptions } from "./data-source.js";
export {
  runMigrations,
  revertMigrations,
  migrationStatus,
  knownMigrations,
  breakingMigrations,
  withMigrationLock,
  MIGRATION_LOCK_KEY,
} from "./migrator.js";
export type { MaybeBreaking, MigrationStatus } from "./migrator.js";
export { migrations } from "./migrations/index.js";
