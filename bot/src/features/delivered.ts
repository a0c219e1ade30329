/** Buttons under a delivered reminder: done, snooze 10 min / 1 h / tomorrow morning. */
import { Composer } from "grammy";
import { DateTime } from "luxon";
import type { BotContext, BotDeps } from "../context.js";
import { MAX_ACTIVE_REMINDERS } from "../services/limits.js";
import { escapeHtml } from "./html.js";

/** Local hour of "tomorrow morning". */
export const MORNING_HOUR = 9;

export function snoozeUntil(what: "10m" | "1h" | "morning", now: Date, zone: string): Date {
  if (what === "10m") return new Date(now.getTime() + 10 * 60_000);
  if (what === "1h") return new Date(now.getTime() + 60 * 60_000);
  return DateTime.fromJSDate(now, { zone })
    .plus({ days: 1 })
    .set({ hour: MORNING_HOUR, minute: 0, second: 0, millisecond: 0 })
    .toJSDate();
}

export function deliveredFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.filter(
    (ctx) => ctx.action?.op === "done" || ctx.action?.op === "snooze",
    async (ctx) => {
      const a = ctx.action;
      if (!ctx.from || !a || (a.op !== "done" && a.op !== "snooze")) return;
      const r = await deps.reminders.get(a.id);
      if (!r) return void (await ctx.answerCallbackQuery({ text: ctx.t("expired") }));
      if (r.userId !== ctx.from.id) return void (await ctx.answerCallbackQuery({ text: ctx.t("not-yours") }));
      const original =
        ctx.callbackQuery?.message && "text" in ctx.callbackQuery.message ? (ctx.callbackQuery.message.text ?? "") : "";
      if (a.op === "done") {
        await ctx.answerCallbackQuery({ text: ctx.t("done") });
        await ctx
          .editMessageText(`${escapeHtml(original)}\n${ctx.t("done")}`, { parse_mode: "HTML" })
          .catch(() => undefined);
        return;
      }
      const zone = ctx.user?.zone ?? r.zone;
      const messageId = ctx.callbackQuery?.message?.message_id;
      if (messageId === undefined) return void (await ctx.answerCallbackQuery({ text: ctx.t("expired") }));
      const res = await deps.reminders.snooze(r.id, ctx.from.id, snoozeUntil(a.what, deps.now(), zone), messageId);
      if (!res.ok) {
        const text =
          res.reason === "limit" ? ctx.t("limit-reached", { max: String(MAX_ACTIVE_REMINDERS) }) : ctx.t("expired");
        return void (await ctx.answerCallbackQuery({ text }));
      }
      const due = deps.parser.formatDue(res.reminder.dueAt, zone, ctx.user?.lang ?? "en", deps.now());
      await ctx.answerCallbackQuery({ text: ctx.t("snoozed", { due }) });
      await ctx
        .editMessageText(`${escapeHtml(original)}\n${ctx.t("snoozed", { due })}`, { parse_mode: "HTML" })
        .catch(() => undefined);
    },
  );

  return composer;
}
