/** /start and onboarding: language, then time zone (city, shared location or UTC offset). */
import { Composer, Keyboard } from "grammy";
import { DateTime } from "luxon";
import type { BotContext, BotDeps } from "../context.js";
import { escapeHtml } from "./html.js";
import { languageKeyboard } from "./keyboards.js";

export function askZone(ctx: BotContext) {
  const kb = new Keyboard().requestLocation(ctx.t("button-share-location")).resized().oneTime();
  return ctx.reply(ctx.t("start-ask-zone"), { parse_mode: "HTML", reply_markup: kb });
}

export function startFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const priv = composer.chatType("private");

  priv.command("start", async (ctx) => {
    deps.pending.clear(ctx.from.id);
    await ctx.reply(ctx.t("start-choose-language"), { reply_markup: languageKeyboard(true) });
  });

  /** A zone answer: while the user has none yet, or after "change zone" in /settings. */
  async function setZone(ctx: BotContext, zone: string | null, firstTime: boolean) {
    if (!zone || !ctx.from) {
      await ctx.reply(ctx.t("zone-unknown"), { parse_mode: "HTML" });
      return;
    }
    await deps.users.setZone(ctx.from.id, zone);
    deps.pending.clear(ctx.from.id);
    const now = DateTime.fromJSDate(deps.now(), { zone }).toFormat("HH:mm");
    await ctx.reply(ctx.t("zone-set", { zone: escapeHtml(zone), now }), {
      parse_mode: "HTML",
      reply_markup: { remove_keyboard: true },
    });
    if (firstTime) await ctx.reply(ctx.t("onboarding-done"), { parse_mode: "HTML" });
  }

  const awaitingZone = (ctx: BotContext) =>
    !!ctx.from && (ctx.user?.zone == null || deps.pending.get(ctx.from.id)?.kind === "zone");

  priv.on("message:location", async (ctx) => {
    const { latitude, longitude } = ctx.message.location;
    await setZone(ctx, deps.parser.zoneFromLocation(latitude, longitude), ctx.user?.zone == null);
  });

  priv.on("message:text").filter(
    (ctx) => awaitingZone(ctx) && !ctx.message.text.startsWith("/"),
    async (ctx) => {
      const input = ctx.message.text.trim().slice(0, 100);
      await setZone(ctx, input ? deps.parser.resolveZone(input) : null, ctx.user?.zone == null);
    },
  );

  return composer;
}
