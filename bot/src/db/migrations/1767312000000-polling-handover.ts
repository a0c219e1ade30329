import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The polling handover: the record a stepping-down poller leaves for its successor (one row), and
 * the update ids already handled, so an update Telegram delivers twice across a handover is
 * handled once. Only adds tables, so a running older release is unaffected.
 */
export class PollingHandover1767312000000 implements MigrationInterface {
  name = "PollingHandover1767312000000";

  async up(q: QueryRunner): Promise<void> {
    // The boolean key with CHECK keeps it to one row.
    await q.query(`
      CREATE TABLE polling_handover (
        id                 boolean PRIMARY KEY DEFAULT true CHECK (id),
        stopped_polling_at timestamptz NOT NULL,
        next_offset        bigint NULL,
        released_by        text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE handled_updates (
        update_id  bigint PRIMARY KEY,
        handled_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE handled_updates`);
    await q.query(`DROP TABLE polling_handover`);
  }
}
