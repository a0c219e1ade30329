/** /help: examples and commands in the user's language. */
import { Composer } from "grammy";
import type { BotContext } from "../context.js";

export function helpFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("help", (ctx) => ctx.reply(ctx.t("help"), { parse_mode: "HTML" }));
  return composer;
}
