/**
 * Every statement the scheduler runs. Each is a single statement, so each is its own short
 * transaction: claims never stay open across a send, and a delivery is recorded and its reminder
 * moved on atomically.
 *
 * The time is always a parameter (the scheduler's clock), never the database's now(): claims,
 * leases and holds are judged by the same clock as the scheduler's timers. (updated_at, a record
 * of when a row was written, keeps the database's.)
 */

/**
 * Claims up to $2 rows due at $4 for instance $1 with a lease of $3 ms from $4: oldest due first,
 * at most $6 rows of one chat, none of the chats in $5 (their rows still wait in this process).
 * So a chat with 1,000 due rows takes a couple of places in a batch, not the batch.
 *
 * The candidates come from the partial index on due_at (a bounded range: only rows due now), twice
 * as many as wanted when a chat's share is capped, locked with SKIP LOCKED so concurrent claimers
 * take disjoint rows instead of waiting or all ranking the same ones; those past their chat's share
 * are left unclaimed (their locks end with the statement). due_at::text keeps microseconds, so the
 * mark can match the exact occurrence it claimed. The author's quiet hours and language come along,
 * so a send needs no query of its own between its slot and Telegram.
 */
export const CLAIM = `
WITH candidates AS (
  SELECT id, chat_id, due_at FROM reminders
  WHERE status = 'active' AND due_at <= $4::timestamptz AND (claimed_until IS NULL OR claimed_until < $4::timestamptz)
    AND chat_id <> ALL($5::bigint[])
  ORDER BY due_at
  LIMIT CASE WHEN $6::int < $2::int THEN $2::int * 2 ELSE $2::int END
  FOR UPDATE SKIP LOCKED
), fair AS (
  SELECT id FROM (
    SELECT id, due_at, row_number() OVER (PARTITION BY chat_id ORDER BY due_at, id) AS turn FROM candidates
  ) ranked
  WHERE turn <= $6
  ORDER BY due_at
  LIMIT $2
), claimed AS (
  UPDATE reminders r
  SET claimed_by = $1, claimed_until = $4::timestamptz + $3 * interval '1 millisecond'
  FROM fair
  WHERE r.id = fair.id
  RETURNING r.id, r.user_id, r.chat_id, r.chat_type, r.author_name, r.text, r.zone, r.recurrence, r.urgent,
            r.due_at, r.due_at::text AS due_at_exact, r.attempts
)
SELECT c.*, u.quiet_start, u.quiet_end, u.lang
FROM claimed c LEFT JOIN users u ON u.id = c.user_id
ORDER BY c.due_at`;

/**
 * Milliseconds from $1 until the earliest active row becomes claimable: the earliest unclaimed due
 * time, or the end of a claim or hold. NULL when nothing is active.
 */
export const NEXT_WAKE = `
SELECT EXTRACT(EPOCH FROM (LEAST(
  (SELECT due_at FROM reminders WHERE status = 'active' AND claimed_until IS NULL ORDER BY due_at LIMIT 1),
  (SELECT GREATEST(due_at, claimed_until) FROM reminders WHERE status = 'active' AND claimed_until IS NOT NULL
   ORDER BY GREATEST(due_at, claimed_until) LIMIT 1)
) - $1::timestamptz)) * 1000 AS delay_ms`;

/**
 * Records delivered occurrences and moves their reminders on, for many rows at once (parallel
 * arrays). A row is moved on only while it is still the occurrence that was claimed (same due_at,
 * still active): an edit, a cancel or another sender that got there first wins.
 */
export const MARK_DELIVERED = `
WITH input AS (
  SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[], $4::boolean[], $5::bigint[],
                       $6::timestamptz[], $7::text[])
    AS t(id, due_at, sent_at, late, message_id, next_due, error)
), recorded AS (
  INSERT INTO deliveries (reminder_id, due_at, sent_at, late, message_id)
  SELECT id, due_at, sent_at, late, message_id FROM input
  ON CONFLICT (reminder_id, due_at) DO NOTHING
  RETURNING reminder_id
), moved AS (
  UPDATE reminders r
  SET status = CASE WHEN i.error IS NOT NULL THEN 'failed' WHEN i.next_due IS NULL THEN 'done' ELSE 'active' END,
      due_at = COALESCE(i.next_due, r.due_at),
      claimed_by = NULL, claimed_until = NULL, attempts = 0, last_error = i.error, updated_at = now()
  FROM input i
  WHERE r.id = i.id AND r.due_at = i.due_at AND r.status = 'active'
  RETURNING r.id
)
SELECT (SELECT count(*) FROM recorded)::int AS recorded, (SELECT count(*) FROM moved)::int AS moved`;

/** 403: the chat blocked the bot. Everything still to be delivered there stops; a private chat's user is marked. */
export const MARK_BLOCKED = `
WITH stopped AS (
  UPDATE reminders
  SET status = 'inactive', claimed_by = NULL, claimed_until = NULL, last_error = $3, updated_at = now()
  WHERE chat_id = $1 AND status IN ('active', 'paused')
  RETURNING id
), flagged AS (
  UPDATE users SET blocked = true, updated_at = now()
  WHERE id = $2 AND $4::boolean
  RETURNING id
)
SELECT (SELECT count(*) FROM stopped)::int AS stopped, (SELECT count(*) FROM flagged)::int AS flagged`;

export const MARK_FAILED = `
UPDATE reminders
SET status = 'failed', claimed_by = NULL, claimed_until = NULL, last_error = $3, updated_at = now()
WHERE id = $1 AND due_at = $2::timestamptz AND status = 'active'`;

/** Releases the claim, due time unchanged, and keeps the row unclaimable for $3 ms from $6 (a 429 or a backoff). */
export const HOLD = `
UPDATE reminders
SET claimed_by = NULL, claimed_until = $6::timestamptz + $3 * interval '1 millisecond', attempts = $4, last_error = $5,
    updated_at = now()
WHERE id = $1 AND due_at = $2::timestamptz AND status = 'active'`;

/** Gives back claimed rows that were never sent (stopping, or their lease ran short), at once. */
export const RELEASE = `
UPDATE reminders SET claimed_by = NULL, claimed_until = NULL
WHERE id = ANY($1::bigint[]) AND claimed_by = $2`;

export const LISTEN_CHANNEL = "reminders_due";
