/** Group chats: a short hello when the bot is added. Reminders there are made with /remind. */
import { Composer } from "grammy";
import type { BotContext } from "../context.js";

export function groupsFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on("my_chat_member", async (ctx) => {
    const { chat, new_chat_member: member, old_chat_member: old } = ctx.myChatMember;
    const joined = ["member", "administrator"].includes(member.status) && ["left", "kicked"].includes(old.status);
    if (joined && chat.type !== "private")
      await ctx.reply(ctx.t("help"), { parse_mode: "HTML" }).catch(() => undefined);
  });
  return composer;
}
