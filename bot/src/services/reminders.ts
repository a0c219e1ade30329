/**
 * Reminder rules: drafts, confirmation, the list, pause/resume/delete/edit, done and snooze.
 * Everything that changes a row checks that it belongs to the acting user and is in a state where
 * the change makes sense; otherwise it reports "gone" and changes nothing.
 */
import type { DataSource, EntityManager } from "typeorm";
import { Between, In } from "typeorm";
import { Reminder } from "../db/index.js";
import type { Recurrence } from "../parse/types.js";
import { DRAFT_TTL_MS, MAX_ACTIVE_REMINDERS, MAX_DRAFTS, checkText, isValidDue } from "./limits.js";

export type { Reminder };

/** What a new draft needs: the reminder's own fields, before the database gives it an id. */
export type DraftInput = Pick<
  Reminder,
  "userId" | "chatId" | "chatType" | "authorName" | "text" | "zone" | "recurrence" | "urgent" | "dueAt"
>;

export type Outcome<T = Reminder> =
  { ok: true; reminder: T } | { ok: false; reason: "gone" | "limit" | "past" | "invalid" };

export const PAGE_SIZE = 5;

/** The user's ($1) active and paused reminders other than $2: what the limit counts. */
export const COUNT_TOWARDS_LIMIT = `
SELECT count(*)::int AS n FROM reminders
WHERE user_id = $1 AND status IN ('active', 'paused') AND id IS DISTINCT FROM $2`;
const LISTED = ["active", "paused"] as const;

export function createReminderService(ds: DataSource) {
  const repo = (m: EntityManager = ds.manager) => m.getRepository(Reminder);

  /** Takes the user's row lock: every path that makes a reminder active or adds one queues behind it. */
  async function lockUser(m: EntityManager, userId: number): Promise<void> {
    await m.query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", [userId]);
  }

  /**
   * Whether one more active reminder would pass the limit: counts the user's active and paused
   * reminders other than `except` (the row being made active, already counted when it is paused),
   * under the user's row lock, so concurrent presses queue and cannot both pass.
   */
  async function atLimit(m: EntityManager, userId: number, except?: number): Promise<boolean> {
    await lockUser(m, userId);
    const [row] = (await m.query(COUNT_TOWARDS_LIMIT, [userId, except ?? null])) as { n: number }[];
    return (row?.n ?? 0) >= MAX_ACTIVE_REMINDERS;
  }

  async function owned(m: EntityManager, id: number, userId: number, statuses: readonly string[]) {
    const r = await repo(m).findOne({ where: { id, userId }, lock: { mode: "pessimistic_write" } });
    return r && statuses.includes(r.status) ? r : null;
  }

  /** A draft that is still usable: owned, a draft, younger than a day. */
  async function ownedDraft(m: EntityManager, id: number, userId: number, now: Date) {
    const r = await owned(m, id, userId, ["draft"]);
    return r && now.getTime() - r.createdAt.getTime() < DRAFT_TTL_MS ? r : null;
  }

  return {
    /** Active and paused reminders: what the limit counts. */
    async activeCount(userId: number): Promise<number> {
      return repo().countBy({ userId, status: In([...LISTED]) });
    },

    /** Active reminders of everyone due in [from, to): the owner's /status. */
    async dueBetween(from: Date, to: Date): Promise<number> {
      return repo().countBy({ status: "active", dueAt: Between(from, new Date(to.getTime() - 1)) });
    },

    /**
     * Stores a draft. The user's drafts older than a day are deleted first, and beyond MAX_DRAFTS
     * the oldest go, so drafts cannot pile up.
     */
    async createDraft(input: DraftInput, now: Date): Promise<Outcome> {
      if (checkText(input.text) || !isValidDue(input.dueAt, now)) return { ok: false, reason: "invalid" };
      return ds.transaction(async (m) => {
        if (await atLimit(m, input.userId)) return { ok: false, reason: "limit" } as const;
        await m.query(
          `DELETE FROM reminders WHERE user_id = $1 AND status = 'draft' AND created_at <= $2::timestamptz`,
          [input.userId, new Date(now.getTime() - DRAFT_TTL_MS)],
        );
        await m.query(
          `DELETE FROM reminders WHERE id IN (
             SELECT id FROM reminders WHERE user_id = $1 AND status = 'draft' ORDER BY created_at DESC, id DESC OFFSET $2)`,
          [input.userId, MAX_DRAFTS - 1],
        );
        // created_at by the injected clock, so expiry is judged by the same time as everything else.
        const reminder = await repo(m).save(repo(m).create({ ...input, status: "draft", createdAt: now }));
        return { ok: true, reminder } as const;
      });
    },

    get(id: number): Promise<Reminder | null> {
      return repo().findOneBy({ id });
    },

    /** Makes a draft active: the limit is checked again under the user's lock, and the time must still be ahead. */
    confirm(id: number, userId: number, now: Date): Promise<Outcome> {
      return ds.transaction(async (m) => {
        const r = await ownedDraft(m, id, userId, now);
        if (!r) return { ok: false, reason: "gone" } as const;
        if (r.dueAt.getTime() <= now.getTime()) return { ok: false, reason: "past" } as const;
        if (await atLimit(m, userId, r.id)) return { ok: false, reason: "limit" } as const;
        r.status = "active";
        return { ok: true, reminder: await repo(m).save(r) } as const;
      });
    },

    /** Sets a draft's time (a picked option); recurring drafts get the picked local time of day too. */
    pickTime(id: number, userId: number, due: Date, recurrence: Recurrence | null, now: Date): Promise<Outcome> {
      return ds.transaction(async (m) => {
        const r = await ownedDraft(m, id, userId, now);
        if (!r) return { ok: false, reason: "gone" } as const;
        if (!isValidDue(due, now)) return { ok: false, reason: "past" } as const;
        r.dueAt = due;
        r.recurrence = recurrence;
        return { ok: true, reminder: await repo(m).save(r) } as const;
      });
    },

    /**
     * Replaces text, time and repetition of a draft or an active/paused reminder (edit, change). The
     * status stays, so the count the limit sees does not change.
     */
    replace(
      id: number,
      userId: number,
      fields: Pick<DraftInput, "text" | "dueAt" | "recurrence" | "urgent">,
      now: Date,
    ): Promise<Outcome> {
      return ds.transaction(async (m) => {
        const r = await owned(m, id, userId, ["draft", "active", "paused"]);
        if (!r || (r.status === "draft" && now.getTime() - r.createdAt.getTime() >= DRAFT_TTL_MS)) {
          return { ok: false, reason: "gone" } as const;
        }
        if (checkText(fields.text) || !isValidDue(fields.dueAt, now)) return { ok: false, reason: "invalid" } as const;
        Object.assign(r, fields);
        return { ok: true, reminder: await repo(m).save(r) } as const;
      });
    },

    async cancelDraft(id: number, userId: number): Promise<boolean> {
      const res = await repo().update({ id, userId, status: "draft" }, { status: "cancelled" });
      return (res.affected ?? 0) > 0;
    },

    async remove(id: number, userId: number): Promise<boolean> {
      const res = await repo().update({ id, userId, status: In([...LISTED]) }, { status: "cancelled" });
      return (res.affected ?? 0) > 0;
    },

    async pause(id: number, userId: number): Promise<boolean> {
      const res = await repo().update({ id, userId, status: "active" }, { status: "paused" });
      return (res.affected ?? 0) > 0;
    },

    /**
     * Resumes a paused reminder. A recurring one whose time passed during the pause moves on to its
     * next occurrence (computed by the caller's `next`); a one-shot one is delivered at once, late.
     */
    resume(id: number, userId: number, now: Date, next: (r: Reminder) => Date): Promise<Outcome> {
      return ds.transaction(async (m) => {
        const r = await owned(m, id, userId, ["paused"]);
        if (!r) return { ok: false, reason: "gone" } as const;
        // A paused one is counted already; this refuses only when the user is over the limit by other means.
        if (await atLimit(m, userId, r.id)) return { ok: false, reason: "limit" } as const;
        if (r.recurrence && r.dueAt.getTime() <= now.getTime()) r.dueAt = next(r);
        r.status = "active";
        return { ok: true, reminder: await repo(m).save(r) } as const;
      });
    },

    /**
     * The user's active and paused reminders, soonest first; with `chatId`, only those delivered to
     * that chat (a group's list must not show what the user keeps elsewhere).
     */
    async page(
      userId: number,
      page: number,
      chatId?: number,
    ): Promise<{ items: Reminder[]; total: number; page: number; pages: number }> {
      const where = { userId, status: In([...LISTED]), ...(chatId === undefined ? {} : { chatId }) };
      const total = await repo().countBy(where);
      const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
      const p = Math.min(Math.max(0, page), pages - 1);
      const items = await repo().find({
        where,
        order: { dueAt: "ASC", id: "ASC" },
        skip: p * PAGE_SIZE,
        take: PAGE_SIZE,
      });
      return { items, total, page: p, pages };
    },

    /**
     * Snooze from a delivered message (`messageId`, the delivery's message): a one-shot reminder
     * comes back active at `until`; a recurring one keeps its series and gets a one-shot copy at
     * `until`. Each delivered message snoozes once: its delivery is marked in the same transaction,
     * so a second press (or a forged payload repeated) changes nothing. Whatever becomes active is
     * checked against the limit under the user's lock.
     */
    snooze(id: number, userId: number, until: Date, messageId: number): Promise<Outcome> {
      return ds.transaction(async (m) => {
        const r = await owned(m, id, userId, ["active", "done", "paused", "failed"]);
        if (!r) return { ok: false, reason: "gone" } as const;
        // A recurring one adds a copy; a one-shot becomes active itself (not counted twice).
        if (await atLimit(m, userId, r.recurrence ? undefined : r.id)) return { ok: false, reason: "limit" } as const;
        const [marked] = (await m.query(
          `UPDATE deliveries SET snoozed_until = $3
           WHERE reminder_id = $1 AND message_id = $2 AND snoozed_until IS NULL RETURNING id`,
          [r.id, messageId, until],
        )) as [unknown[], number];
        if (marked.length === 0) return { ok: false, reason: "gone" } as const;
        if (r.recurrence) {
          const copy = repo(m).create({
            userId: r.userId,
            chatId: r.chatId,
            chatType: r.chatType,
            authorName: r.authorName,
            text: r.text,
            zone: r.zone,
            recurrence: null,
            urgent: r.urgent,
            status: "active",
            dueAt: until,
          });
          return { ok: true, reminder: await repo(m).save(copy) } as const;
        }
        r.dueAt = until;
        r.status = "active";
        r.claimedBy = null;
        r.claimedUntil = null;
        return { ok: true, reminder: await repo(m).save(r) } as const;
      });
    },

    /** "Done" on a delivered message: only acknowledges; a one-shot reminder is already done. */
    async acknowledge(id: number, userId: number): Promise<Reminder | null> {
      return repo().findOneBy({ id, userId });
    },
  };
}

export type ReminderService = ReturnType<typeof createReminderService>;
