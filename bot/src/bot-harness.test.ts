/**
 * Test harness (no tests here): the real bot (createBot) polling a fake Bot API over HTTP, with a
 * fresh migrated PostgreSQL database. `send()` pushes an update and waits until the bot logged
 * "update handled" for it, then returns what the bot called meanwhile.
 */
import { PassThrough } from "node:stream";
import { run } from "@grammyjs/runner";
import type { RunnerHandle } from "@grammyjs/runner";
import type { DataSource } from "typeorm";
import { freshDatabase } from "../../test/support/postgres.js";
import type { TestDatabase } from "../../test/support/postgres.js";
import { createBot, type CreateBotOptions } from "./bot.js";
import type { BotDeps } from "./context.js";
import { createDataSource, runMigrations } from "./db/index.js";
import { createLogger } from "./logging/logger.js";
import { PollTracker } from "./health/poll-tracker.js";
import { parser } from "./parser.js";
import { PendingInputs } from "./services/pending.js";
import { createReminderService } from "./services/reminders.js";
import { createUserService } from "./services/users.js";
import { startFakeBotApi } from "@remindbot/fake-telegram";
import type { CallRecord, FakeBotApi, UpdateInput } from "@remindbot/fake-telegram";

export const TOKEN = "123:test";

export interface Harness {
  api: FakeBotApi;
  ds: DataSource;
  db: TestDatabase;
  deps: BotDeps;
  bot: ReturnType<typeof createBot>["bot"];
  i18n: ReturnType<typeof createBot>["i18n"];
  lastPollAt: () => number | undefined;
  /** Pushes an update, waits until it is handled; returns the calls the bot made for it. */
  send(update: UpdateInput): Promise<CallRecord[]>;
  /** The texts the bot sent or edited in, among `calls`. */
  stop(): Promise<void>;
}

export function texts(calls: CallRecord[]): string[] {
  return calls
    .filter((c) => ["sendmessage", "editmessagetext"].includes(c.method.toLowerCase()))
    .map((c) => String(c.params.text));
}

export function buttons(call: CallRecord | undefined): Array<{ text: string; callback_data?: string }> {
  const markup = call?.params.reply_markup as
    { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> } | undefined;
  return markup?.inline_keyboard?.flat() ?? [];
}

export function lastSent(calls: CallRecord[]): CallRecord | undefined {
  return [...calls].reverse().find((c) => c.method.toLowerCase() === "sendmessage");
}

export async function startHarness(options: Pick<CreateBotOptions, "status"> = {}): Promise<Harness> {
  const db = await freshDatabase("bot");
  const ds = createDataSource({ url: db.url, poolSize: 5 });
  await ds.initialize();
  await runMigrations(ds);
  const api = await startFakeBotApi({ host: "127.0.0.1", tokens: [TOKEN] });

  const handled = new Map<number, () => void>();
  const done = new Set<number>();
  const stream = new PassThrough();
  let buffer = "";
  stream.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let i: number;
    while ((i = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      try {
        const entry = JSON.parse(line) as { message?: string; updateId?: number };
        if (entry.message === "update handled" && typeof entry.updateId === "number") {
          done.add(entry.updateId);
          handled.get(entry.updateId)?.();
        }
      } catch {
        // not JSON: ignore
      }
    }
  });
  const logger = createLogger({ level: "debug", production: true, secrets: [TOKEN], stream });
  const deps: BotDeps = {
    users: createUserService(ds),
    reminders: createReminderService(ds),
    parser,
    pending: new PendingInputs(),
    logger,
    now: () => new Date(),
  };
  const polls = new PollTracker();
  const { bot, i18n } = createBot(TOKEN, deps, { apiRoot: api.url, polls, ...options });
  await bot.init();
  const runner: RunnerHandle = run(bot, { runner: { fetch: { timeout: 1 } }, sink: { concurrency: 4 } });

  return {
    api,
    ds,
    db,
    deps,
    bot,
    i18n,
    lastPollAt: () => polls.lastAliveAt(),
    async send(update) {
      const since = api.cursor();
      const [pushed] = api.pushUpdate(update);
      const id = pushed!.update_id;
      if (!done.has(id)) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`update ${id} not handled within 10 s`)), 10_000);
          handled.set(id, () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      handled.delete(id);
      return api.calls({ since }).filter((c) => c.method.toLowerCase() !== "getupdates");
    },
    async stop() {
      if (runner.isRunning()) await runner.stop();
      await api.stop();
      await ds.destroy();
      await db.drop();
    },
  };
}
