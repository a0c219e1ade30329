import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 19. `deliveries.snoozed_until`: a delivered message snoozes once (a second press or a
 * forged repeat finds it set and changes nothing). An index for the scheduler's next-wake query,
 * which otherwise reads every active row to find the earliest claim or hold to end (claimed or
 * held rows are few, so the index is small). Only adds, so a running older release is unaffected.
 */
export class LimitsAndFairClaims1767398400000 implements MigrationInterface {
  name = "LimitsAndFairClaims1767398400000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries ADD COLUMN snoozed_until timestamptz NULL`);
    await q.query(`
      CREATE INDEX reminders_claimed_active_idx ON reminders ((GREATEST(due_at, claimed_until)))
        WHERE status = 'active' AND claimed_until IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX reminders_claimed_active_idx`);
    await q.query(`ALTER TABLE deliveries DROP COLUMN snoozed_until`);
  }
}
