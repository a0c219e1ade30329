/**
 * Reminder rules: drafts, confirmation, the list, pause/resume/delete/edit, done and snooze.
 * Everything that changes a row checks that it belongs to the acting user and is in a state where
 * the change makes sense; otherwise it reports "gone" and changes nothing.
 */
import type { DataSource, EntityManager } from "typeorm";
import { Between, In } from "typeorm";
import { Reminder } from "../db/index.js";
import type { Recurrence } from "../parse/types.js";
import { MAX_ACTIVE_REMINDERS, checkText, isValidDue } from "./limits.js";

export type { Reminder };

/** What a new draft needs: the reminder's own fields, before the database gives it an id. */
export type DraftInput = Pick<
  Reminder,
  "userId" | "chatId" | "chatType" | "authorName" | "text" | "zone" | "recurrence" | "urgent" | "dueAt"
>;

export type Outcome<T = Reminder> =
  { ok: true; reminder: T } | { ok: false; reason: "gone" | "limit" | "past" | "invalid" };

export const PAGE_SIZE = 5;
const LISTED = ["active", "paused"] as const;

export function createReminderService(ds: DataSource) {
  const repo = (m: EntityManager = ds.manager) => m.getRepository(Reminder);

  /** Counts the user's active reminders, holding the user's row lock so concurrent confirms queue. */
  async function lockAndCount(m: EntityManager, userId: number): Promise<number> {
    await m.query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", [userId]);
    return repo(m).countBy({ userId, status: "active" });
  }

  async function owned(m: EntityManager, id: number, userId: number, statuses: readonly string[]) {
    const r = await repo(m).findOne({ where: { id, userId }, lock: { mode: "pessimistic_write" } });
    return r && statuses.includes(r.status) ? r : null;
  }

  return {
    async activeCount(userId: number): Promise<number> {
      return repo().countBy({ userId, status: "active" });
    },

    /** Active reminders of everyone due in [from, to): the owner's /status. */
    async dueBetween(from: Date, to: Date): Promise<number> {
      return repo().countBy({ status: "active", dueAt: Between(from, new Date(to.getTime() - 1)) });
    },

    async createDraft(input: DraftInput, now: Date): Promise<Outcome> {
      if (checkText(input.text) || !isValidDue(input.dueAt, now)) return { ok: false, reason: "invalid" };
      if ((await this.activeCount(input.userId)) >= MAX_ACTIVE_REMINDERS) return { ok: false, reason: "limit" };
      const reminder = await repo().save(repo().create({ ...input, status: "draft" }));
      return { ok: true, reminder };
    },

    get(id: number): Promise<Reminder | null> {
      return repo().findOneBy({ id });
    },

    /** Makes a draft active: the limit is checked again under the user's lock, and the time must still be ahead. */
    confirm(id: number, userId: number, now: Date): Promise<Outcome> {
      return ds.transaction(async (m) => {
        const r = await owned(m, id, userId, ["draft"]);
        if (!r) return { ok: false, reason: "gone" } as const;
        if (r.dueAt.getTime() <= now.getTime()) return { ok: false, reason: "past" } as const;
        if ((await lockAndCount(m, userId)) >= MAX_ACTIVE_REMINDERS) return { ok: false, reason: "limit" } as const;
        r.status = "active";
        return { ok: true, reminder: await repo(m).save(r) } as const;
      });
    },

    /** Sets a draft's time (a picked option); recurring drafts get the picked local time of day too. */
    pickTime(id: number, userId: number, due: Date, recurrence: Recurrence | null, now: Date): Promise<Outcome> {
      return ds.transaction(async (m) => {
        const r = await owned(m, id, userId, ["draft"]);
        if (!r) return { ok: false, reason: "gone" } as const;
        if (!isValidDue(due, now)) return { ok: false, reason: "past" } as const;
        r.dueAt = due;
        r.recurrence = recurrence;
        return { ok: true, reminder: await repo(m).save(r) } as const;
      });
    },

    /** Replaces text, time and repetition of a draft or an active/paused reminder (edit, change). */
    replace(
      id: number,
      userId: number,
      fields: Pick<DraftInput, "text" | "dueAt" | "recurrence" | "urgent">,
      now: Date,
    ): Promise<Outcome> {
      return ds.transaction(async (m) => {
        const r = await owned(m, id, userId, ["draft", "active", "paused"]);
        if (!r) return { ok: false, reason: "gone" } as const;
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
        if ((await lockAndCount(m, userId)) >= MAX_ACTIVE_REMINDERS) return { ok: false, reason: "limit" } as const;
        if (r.recurrence && r.dueAt.getTime() <= now.getTime()) r.dueAt = next(r);
        r.status = "active";
        return { ok: true, reminder: await repo(m).save(r) } as const;
      });
    },

    /** The user's active and paused reminders, soonest first. */
    async page(
      userId: number,
      page: number,
    ): Promise<{ items: Reminder[]; total: number; page: number; pages: number }> {
      const total = await repo().countBy({ userId, status: In([...LISTED]) });
      const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
      const p = Math.min(Math.max(0, page), pages - 1);
      const items = await repo().find({
        where: { userId, status: In([...LISTED]) },
        order: { dueAt: "ASC", id: "ASC" },
        skip: p * PAGE_SIZE,
        take: PAGE_SIZE,
      });
      return { items, total, page: p, pages };
    },

    /**
     * Snooze from a delivered message: a one-shot reminder comes back active at `until`; a recurring
     * one keeps its series and gets a one-shot copy at `until`.
     */
    snooze(id: number, userId: number, until: Date): Promise<Outcome> {
      return ds.transaction(async (m) => {
        const r = await owned(m, id, userId, ["active", "done", "paused", "failed"]);
        if (!r) return { ok: false, reason: "gone" } as const;
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
