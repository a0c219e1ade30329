/**
 * /status, for the owner's chats only (ADMIN_CHAT_IDS): release, uptime, last deploy, backups,
 * disk, reminders due within the hour, open incidents. Any other chat falls through to whatever
 * the bot answers an unknown command, so nothing tells that the command exists.
 */
import { readFile } from "node:fs/promises";
import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { parseWatchReport, statusLines } from "../services/owner-status.js";

export interface StatusDeps {
  adminChatIds: readonly number[];
  release: string;
  /** When the process started (ms since the epoch). */
  startedAt: number;
  now: () => Date;
  dueBetween: (from: Date, to: Date) => Promise<number>;
  /** The watchdog's report file (config.watchStatusFile). */
  reportFile: string;
}

export function statusFeature(deps: StatusDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const admins = new Set(deps.adminChatIds);
  composer.command("status", async (ctx, next) => {
    if (!admins.has(ctx.chat.id)) return next();
    const now = deps.now();
    const report = parseWatchReport(await readFile(deps.reportFile, "utf8").catch(() => undefined));
    const dueNextHour = await deps.dueBetween(now, new Date(now.getTime() + 3600_000));
    const lines = statusLines(
      { release: deps.release, uptimeMs: now.getTime() - deps.startedAt, now, dueNextHour, report },
      (key, args) => ctx.t(key, args),
    );
    await ctx.reply(lines.join("\n"));
  });
  return composer;
}
