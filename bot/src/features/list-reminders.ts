/**
 * /list: the user's active and paused reminders, 5 a page, with delete / pause-resume / edit buttons.
 * In a group it shows only the asker's reminders for that group (never what they keep elsewhere),
 * and its buttons answer only the asker: another member pressing them sees "not yours".
 */
import { Composer } from "grammy";
import type { BotContext, BotDeps } from "../context.js";
import { MAX_ACTIVE_REMINDERS, truncate } from "../services/limits.js";
import { escapeHtml } from "./html.js";
import { listKeyboard } from "./keyboards.js";
import { PAGE_SIZE } from "../services/reminders.js";

const MAX_ITEM_CHARS = 200;

export function listFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const inGroup = (ctx: BotContext) => ctx.chat !== undefined && ctx.chat.type !== "private";

  async function render(ctx: BotContext, requested: number) {
    if (!ctx.from || !ctx.chat) return null;
    const lang = ctx.user?.lang ?? "en";
    const scope = inGroup(ctx) ? ctx.chat.id : undefined;
    const { items, total, page, pages } = await deps.reminders.page(ctx.from.id, requested, scope);
    if (total === 0) return { text: ctx.t("list-empty"), markup: undefined };
    const lines = items.map((r, i) =>
      ctx.t("list-item", {
        n: page * PAGE_SIZE + i + 1,
        text: escapeHtml(truncate(r.text, MAX_ITEM_CHARS)),
        due: deps.parser.formatDue(r.dueAt, r.zone, lang, deps.now()),
        repeat: r.recurrence ? ` 🔁 ${deps.parser.describeRecurrence(r.recurrence, lang)}` : "",
        paused: r.status === "paused" ? ctx.t("list-paused") : "",
      }),
    );
    const text = [ctx.t("list-header", { total, page: page + 1, pages }), ...lines].join("\n\n");
    return { text, markup: listKeyboard(ctx.t, items, page, pages, page * PAGE_SIZE + 1, ctx.from.id) };
  }

  composer.command("list", async (ctx) => {
    const view = await render(ctx, 0);
    if (view) await ctx.reply(view.text, { parse_mode: "HTML", reply_markup: view.markup });
  });

  composer.filter(
    (ctx) => ["page", "delete", "pause", "resume", "edit"].includes(ctx.action?.op ?? ""),
    async (ctx) => {
      const a = ctx.action;
      if (!a || !ctx.from) return;
      const userId = ctx.from.id;
      const notYours = () => ctx.answerCallbackQuery({ text: ctx.t("not-yours") });
      if (a.op === "page") {
        // In a group a page button must name its asker (older buttons do not: they are refused).
        if (a.owner !== undefined ? a.owner !== userId : inGroup(ctx)) return void (await notYours());
      } else if ("id" in a) {
        const r = await deps.reminders.get(a.id);
        if (r && r.userId !== userId) return void (await notYours());
        // In a group only that group's reminders are listed, so only they can be acted on there.
        if (r && inGroup(ctx) && r.chatId !== ctx.chat?.id) return void (await notYours());
      }
      let note: string | undefined;
      if (a.op === "edit") {
        const r = await deps.reminders.get(a.id);
        if (!r || r.userId !== userId || !["active", "paused"].includes(r.status)) {
          return void (await ctx.answerCallbackQuery({ text: ctx.t("expired") }));
        }
        deps.pending.set(userId, { kind: "edit", reminderId: r.id });
        await ctx.answerCallbackQuery();
        await ctx.reply(ctx.t("edit-prompt", { text: escapeHtml(truncate(r.text, MAX_ITEM_CHARS)) }), {
          parse_mode: "HTML",
        });
        return;
      }
      if (a.op === "delete") {
        if (!(await deps.reminders.remove(a.id, userId)))
          return void (await ctx.answerCallbackQuery({ text: ctx.t("expired") }));
        note = ctx.t("deleted");
      } else if (a.op === "pause") {
        if (!(await deps.reminders.pause(a.id, userId)))
          return void (await ctx.answerCallbackQuery({ text: ctx.t("expired") }));
        note = ctx.t("paused");
      } else if (a.op === "resume") {
        const res = await deps.reminders.resume(a.id, userId, deps.now(), (r) =>
          r.recurrence ? deps.parser.nextOccurrence(r.recurrence, deps.now(), r.zone) : r.dueAt,
        );
        if (!res.ok) {
          const text =
            res.reason === "limit" ? ctx.t("limit-reached", { max: String(MAX_ACTIVE_REMINDERS) }) : ctx.t("expired");
          return void (await ctx.answerCallbackQuery({ text }));
        }
        note = ctx.t("resumed");
      }
      const view = await render(ctx, "page" in a ? a.page : 0);
      await ctx.answerCallbackQuery(note ? { text: note } : undefined);
      if (view) {
        // Telegram refuses an edit that changes nothing ("message is not modified"): harmless.
        await ctx.editMessageText(view.text, { parse_mode: "HTML", reply_markup: view.markup }).catch(() => undefined);
      }
    },
  );

  return composer;
}
