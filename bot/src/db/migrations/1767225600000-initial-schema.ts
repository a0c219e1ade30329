import type { MigrationInterface, QueryRunner } from "typeorm";

/** The three tables, the scheduler's partial index and the trigger that wakes it. */
export class InitialSchema1767225600000 implements MigrationInterface {
  // Explicit, so a minifier renaming the class cannot change what the migrations table records.
  name = "InitialSchema1767225600000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id          bigint PRIMARY KEY,
        lang        text NOT NULL DEFAULT 'en' CHECK (lang IN ('ru', 'en')),
        zone        text NULL,
        quiet_start smallint NULL CHECK (quiet_start BETWEEN 0 AND 1439),
        quiet_end   smallint NULL CHECK (quiet_end BETWEEN 0 AND 1439),
        blocked     boolean NOT NULL DEFAULT false,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE reminders (
        id            bigserial PRIMARY KEY,
        user_id       bigint NOT NULL,
        chat_id       bigint NOT NULL,
        chat_type     text NOT NULL,
        author_name   text NULL,
        text          text NOT NULL CHECK (char_length(text) <= 1000),
        zone          text NOT NULL,
        recurrence    jsonb NULL,
        urgent        boolean NOT NULL DEFAULT false,
        status        text NOT NULL
                      CHECK (status IN ('draft', 'active', 'paused', 'done', 'failed', 'cancelled', 'inactive')),
        due_at        timestamptz NOT NULL,
        claimed_by    text NULL,
        claimed_until timestamptz NULL,
        attempts      integer NOT NULL DEFAULT 0,
        last_error    text NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX reminders_due_active_idx ON reminders (due_at) WHERE status = 'active'`);
    // For the user's own list and the per-user limit of active reminders.
    await q.query(`CREATE INDEX reminders_user_status_idx ON reminders (user_id, status)`);
    await q.query(`
      CREATE TABLE deliveries (
        id          bigserial PRIMARY KEY,
        reminder_id bigint NOT NULL REFERENCES reminders (id) ON DELETE CASCADE,
        due_at      timestamptz NOT NULL,
        sent_at     timestamptz NOT NULL,
        late        boolean NOT NULL,
        message_id  bigint NULL,
        CONSTRAINT deliveries_occurrence_uq UNIQUE (reminder_id, due_at)
      )`);
    await q.query(`
      CREATE FUNCTION reminders_notify_due() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('reminders_due', NEW.id::text);
        RETURN NULL;
      END
      $$`);
    // WHEN clauses rather than IF inside: rows that do not qualify (a delivered one-shot becoming
    // 'done', a claim) never call the function, which keeps marking cheap under load.
    await q.query(`
      CREATE TRIGGER reminders_notify_due_insert
        AFTER INSERT ON reminders
        FOR EACH ROW WHEN (NEW.status = 'active')
        EXECUTE FUNCTION reminders_notify_due()`);
    await q.query(`
      CREATE TRIGGER reminders_notify_due
        AFTER UPDATE OF status, due_at ON reminders
        FOR EACH ROW WHEN (NEW.status = 'active'
          AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.due_at IS DISTINCT FROM NEW.due_at))
        EXECUTE FUNCTION reminders_notify_due()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE deliveries`);
    await q.query(`DROP TABLE reminders`);
    await q.query(`DROP FUNCTION reminders_notify_due()`);
    await q.query(`DROP TABLE users`);
  }
}
