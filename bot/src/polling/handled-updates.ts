/**
 * Exactly-once handling across a handover: Telegram delivers an update again when the poller that
 * received it stopped before confirming it (the runner's stop() does not confirm, a killed process
 * cannot). Each update id is recorded as it starts being handled; one already recorded is skipped.
 */
import type { Middleware } from "grammy";
import type { DataSource } from "typeorm";
import type { BotContext } from "../context.js";
import type { Logger } from "../logging/logger.js";

/** Redeliveries come within seconds; rows are kept far longer than that, then pruned. */
export const HANDLED_UPDATES_KEEP = "2 days";

export interface HandledUpdates {
  /** Records the id; false when it was already recorded (handled before). */
  claim(updateId: number): Promise<boolean>;
  /** Deletes old rows; returns how many. */
  prune(): Promise<number>;
}

export function handledUpdatesStore(ds: DataSource): HandledUpdates {
  return {
    async claim(updateId) {
      const rows = (await ds.query(
        `INSERT INTO handled_updates (update_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING update_id`,
        [updateId],
      )) as unknown[];
      return rows.length > 0;
    },
    async prune() {
      // DELETE through ds.query answers [rows, count].
      const res = (await ds.query(
        `DELETE FROM handled_updates WHERE handled_at < now() - $1::interval RETURNING update_id`,
        [HANDLED_UPDATES_KEEP],
      )) as unknown[];
      return Array.isArray(res[0]) ? (res[0] as unknown[]).length : res.length;
    },
  };
}

/** First in the chain: an update handled before (by this process or the previous poller) goes no further. */
export function skipHandledUpdates(store: HandledUpdates, log: Logger): Middleware<BotContext> {
  return async (ctx, next) => {
    if (!(await store.claim(ctx.update.update_id))) {
      log.info("update already handled, skipped", { updateId: ctx.update.update_id });
      return;
    }
    await next();
  };
}
