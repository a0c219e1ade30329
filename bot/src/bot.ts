/**
 * createBot(token, deps): the grammY bot with its plugins and features, ready to poll. Effects
 * beyond Telegram (DB, parser, clock) come in through deps, so tests build the same bot against a
 * fake Bot API and a fresh database.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Bot } from "grammy";
import type { Api, RawApi } from "grammy";
import { autoRetry } from "@grammyjs/auto-retry";
import { I18n } from "@grammyjs/i18n";
import { sequentialize } from "@grammyjs/runner";
import type { BotContext, BotDeps } from "./context.js";
import type { PollTracker } from "./health/poll-tracker.js";
import { skipHandledUpdates } from "./polling/handled-updates.js";
import type { HandledUpdates } from "./polling/handled-updates.js";
import type { InFlight } from "./polling/in-flight.js";
import { decodeAction } from "./services/callback-data.js";
import { langFromClient } from "./services/users.js";
import { createReminderFeature } from "./features/create-reminder.js";
import { deliveredFeature } from "./features/delivered.js";
import { groupsFeature } from "./features/groups.js";
import { helpFeature } from "./features/help.js";
import { listFeature } from "./features/list-reminders.js";
import { settingsFeature } from "./features/settings.js";
import { startFeature } from "./features/start.js";
import { statusFeature, type StatusDeps } from "./features/status.js";

export interface CreateBotOptions {
  /** TELEGRAM_API_ROOT; Telegram's own when absent. */
  apiRoot?: string;
  /** Told about every getUpdates (the health check's liveness signal). */
  polls?: PollTracker;
  /** Counts updates being handled, so a polling step-down can wait for them. */
  inFlight?: InFlight;
  /** Skips an update already handled (Telegram redelivers across a polling handover). */
  handled?: HandledUpdates;
  /** The owner's /status (answered in ADMIN_CHAT_IDS only). */
  status?: StatusDeps;
}

/** The .ftl files: beside the compiled code in the image (dist/i18n), in src/i18n from source. */
export function localesDir(): string {
  const here = fileURLToPath(new URL("./i18n/", import.meta.url));
  if (existsSync(`${here}en.ftl`)) return here;
  return fileURLToPath(new URL("../src/i18n/", import.meta.url));
}

export function createI18n(): I18n<BotContext> {
  const i18n = new I18n<BotContext>({
    defaultLocale: "en",
    fluentBundleOptions: { useIsolating: false },
    localeNegotiator: (ctx) => ctx.user?.lang ?? langFromClient(ctx.from?.language_code),
  });
  const dir = localesDir();
  for (const lang of ["en", "ru"]) i18n.loadLocaleSync(lang, { filePath: `${dir}${lang}.ftl` });
  return i18n;
}

export const COMMANDS = ["start", "help", "list", "settings", "remind"] as const;

/** The command menu in both languages (English is also the default for other clients). */
export async function setCommands(api: Api<RawApi>, i18n: I18n<BotContext>): Promise<void> {
  const list = (lang: string) => COMMANDS.map((command) => ({ command, description: i18n.t(lang, `cmd-${command}`) }));
  await api.setMyCommands(list("en"));
  await api.setMyCommands(list("ru"), { language_code: "ru" });
}

export function createBot(token: string, deps: BotDeps, options: CreateBotOptions = {}) {
  const bot = new Bot<BotContext>(token, { client: options.apiRoot ? { apiRoot: options.apiRoot } : {} });
  // Health: remember when getUpdates last succeeded (it is the only call made while idle).
  bot.api.config.use(async (prev, method, payload, signal) => {
    if (method !== "getUpdates") return prev(method, payload, signal);
    options.polls?.started();
    try {
      const res = await prev(method, payload, signal);
      options.polls?.finished(res.ok);
      return res;
    } catch (err) {
      options.polls?.finished(false);
      throw err;
    }
  });
  // 429 waits as told, 5xx retries with backoff; bounded so a stuck call cannot hold an update forever.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 120 }));

  const i18n = createI18n();
  const log = deps.logger;

  if (options.inFlight) bot.use(options.inFlight.middleware());
  if (options.handled) bot.use(skipHandledUpdates(options.handled, log));

  bot.use(async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      log.debug("update handled", { updateId: ctx.update.update_id, ms: Math.round(performance.now() - started) });
    }
  });

  // Concurrent updates (the runner) stay in order within a chat.
  bot.use(sequentialize((ctx) => ctx.chat?.id.toString() ?? ctx.from?.id.toString()));

  // The sender's row (created on first contact), and a decoded callback payload.
  bot.use(async (ctx, next) => {
    if (ctx.from && !ctx.from.is_bot) ctx.user = await deps.users.ensure(ctx.from.id, ctx.from.language_code);
    if (ctx.callbackQuery) ctx.action = decodeAction(ctx.callbackQuery.data) ?? undefined;
    await next();
  });
  bot.use(i18n);

  if (options.status) bot.use(statusFeature(options.status));
  bot.use(startFeature(deps));
  bot.use(helpFeature());
  bot.use(settingsFeature(deps));
  bot.use(listFeature(deps));
  bot.use(deliveredFeature(deps));
  bot.use(groupsFeature());
  bot.use(createReminderFeature(deps));

  // Whatever no feature took: a stale or forged button says so; a private message gets a hint.
  bot.on("callback_query", (ctx) => ctx.answerCallbackQuery({ text: ctx.t("expired") }));
  bot.chatType("private").on("message", (ctx) => ctx.reply(ctx.t("no-time"), { parse_mode: "HTML" }));

  bot.catch(async (err) => {
    log.error("update failed", {
      updateId: err.ctx.update.update_id,
      error: err.error instanceof Error ? err.error.message : String(err.error),
    });
    // Tell the user, when there is one; a failure here is only logged.
    await err.ctx.reply(err.ctx.t?.("error-generic") ?? "Error").catch(() => undefined);
  });

  return { bot, i18n };
}
