/** /settings and the language buttons (also used by onboarding): language, time zone, quiet hours. */
import { Composer } from "grammy";
import type { BotContext, BotDeps } from "../context.js";
import { escapeHtml } from "./html.js";
import { languageKeyboard, quietKeyboard, settingsKeyboard } from "./keyboards.js";
import { askZone } from "./start.js";

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

export function quietLabel(ctx: BotContext, start: number | null, end: number | null): string {
  return start == null || end == null ? ctx.t("quiet-off") : ctx.t("quiet-range", { from: hhmm(start), to: hhmm(end) });
}

export function settingsFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  const show = (ctx: BotContext) =>
    ctx.reply(
      ctx.t("settings", {
        zone: escapeHtml(ctx.user?.zone ?? "—"),
        quiet: quietLabel(ctx, ctx.user?.quietStart ?? null, ctx.user?.quietEnd ?? null),
      }),
      { parse_mode: "HTML", reply_markup: settingsKeyboard(ctx.t) },
    );

  composer.chatType("private").command("settings", show);

  composer.filter(
    (ctx) => ctx.action?.op === "lang",
    async (ctx) => {
      const a = ctx.action;
      if (a?.op !== "lang" || !ctx.from) return;
      await deps.users.setLang(ctx.from.id, a.lang);
      ctx.i18n.useLocale(a.lang);
      await ctx.answerCallbackQuery();
      await ctx.editMessageText(ctx.t("language-set")).catch(() => undefined);
      if (a.onboarding && ctx.user?.zone == null) await askZone(ctx);
    },
  );

  composer.filter(
    (ctx) => ctx.action?.op === "settings",
    async (ctx) => {
      const a = ctx.action;
      if (a?.op !== "settings" || !ctx.from) return;
      await ctx.answerCallbackQuery();
      if (a.what === "lang") await ctx.reply(ctx.t("start-choose-language"), { reply_markup: languageKeyboard(false) });
      else if (a.what === "zone") {
        deps.pending.set(ctx.from.id, { kind: "zone" });
        await askZone(ctx);
      } else {
        await ctx.reply(ctx.t("quiet-ask"), {
          reply_markup: quietKeyboard(ctx.t, (s, e) => `${hhmm(s)}–${hhmm(e)}`),
        });
      }
    },
  );

  composer.filter(
    (ctx) => ctx.action?.op === "quiet" || ctx.action?.op === "quiet-off",
    async (ctx) => {
      const a = ctx.action;
      if (!ctx.from || !a) return;
      const [start, end] = a.op === "quiet" ? [a.start, a.end] : [null, null];
      await deps.users.setQuietHours(ctx.from.id, start, end);
      await ctx.answerCallbackQuery();
      await ctx.editMessageText(ctx.t("quiet-set", { quiet: quietLabel(ctx, start, end) })).catch(() => undefined);
    },
  );

  return composer;
}
