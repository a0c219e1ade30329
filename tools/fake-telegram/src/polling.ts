/**
 * Updates and long polling, like Telegram: per-bot queues filtered by allowed_updates, getUpdates
 * honouring offset/limit/timeout, 409 for the older of two polls, polls the bot hangs up on.
 */
import type { ServerResponse } from "node:http";
import type { BotState, Bots } from "./bots.ts";
import { ApiError, faultError } from "./errors.ts";
import { intParam } from "./params.ts";
import type { CallRecord, Update } from "./types.ts";

/** Answers a call and completes its record (the server's). */
export type Answer = (res: ServerResponse, record: CallRecord, error: ApiError | undefined, result?: unknown) => void;

/** What Telegram sends when allowed_updates is empty or was never set. */
const DEFAULT_EXCLUDED_UPDATES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

/** The update's type: its first field other than update_id. */
export function updateType(update: Record<string, unknown>): string | undefined {
  return Object.keys(update).find((k) => k !== "update_id");
}

export class LongPolling {
  #bots: Bots;
  #answer: Answer;
  #complete: (record: CallRecord) => void;
  #stopped = false;

  /** `complete` records a call that ends without an answer (the bot hung up). */
  constructor(bots: Bots, answer: Answer, complete: (record: CallRecord) => void) {
    this.#bots = bots;
    this.#answer = answer;
    this.#complete = complete;
  }

  /** Queues completed updates for `bot` (undefined: parked for the first bot) and answers its waiting poll. */
  deliver(bot: BotState | undefined, updates: readonly Update[]): void {
    for (const update of updates) {
      if (!bot) {
        this.#bots.park(update);
        continue;
      }
      const type = updateType(update) ?? "";
      const allowed = bot.allowedUpdates;
      const wanted = allowed && allowed.length > 0 ? allowed.includes(type) : !DEFAULT_EXCLUDED_UPDATES.has(type);
      if (wanted) bot.queue.push(update); // like Telegram, unwanted kinds are never delivered
    }
    if (bot) setImmediate(() => this.#wake(bot));
  }

  getUpdates(bot: BotState, params: Record<string, unknown>, res: ServerResponse, record: CallRecord): void {
    if (bot.webhookUrl !== "") {
      throw new ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    const offset = intParam(params, "offset");
    const limit = Math.min(100, Math.max(1, intParam(params, "limit") ?? 100));
    const timeout = Math.max(0, intParam(params, "timeout") ?? 0);
    const allowed = params["allowed_updates"];
    if (Array.isArray(allowed)) bot.allowedUpdates = allowed.map(String);
    // Telegram: a newer poll terminates the one waiting
    if (bot.poll) this.#answerPoll(bot, undefined, faultError({ status: 409 }));
    if (offset !== undefined) {
      // a negative offset keeps the last -offset updates; a positive one confirms all before it
      bot.queue = offset < 0 ? bot.queue.slice(offset) : bot.queue.filter((u) => u.update_id >= offset);
    }
    bot.polls++;
    bot.lastStartAt = record.at;
    const ready = bot.queue.slice(0, limit);
    if (ready.length > 0 || timeout === 0 || this.#stopped) {
      bot.lastEndAt = Date.now();
      this.#answer(res, record, undefined, ready);
      return;
    }
    const timer = setTimeout(() => this.#answerPoll(bot, []), timeout * 1000);
    bot.poll = { res, record, limit, timer };
    res.on("close", () => {
      if (bot.poll?.res !== res || res.writableFinished) return;
      // the bot hung up (grammY aborts its poll on stop()): the poll is over, nothing was delivered
      clearTimeout(timer);
      bot.poll = undefined;
      bot.lastEndAt = Date.now();
      record.aborted = true;
      record.response = { ok: true, updateIds: [] };
      this.#complete(record);
    });
  }

  /** Answers every waiting poll with []; later polls are answered at once. */
  stop(): void {
    this.#stopped = true;
    for (const bot of this.#bots.all()) if (bot.poll) this.#answerPoll(bot, []);
  }

  #wake(bot: BotState): void {
    const poll = bot.poll;
    if (poll && bot.queue.length > 0) this.#answerPoll(bot, bot.queue.slice(0, poll.limit));
  }

  #answerPoll(bot: BotState, updates: Update[] | undefined, error?: ApiError): void {
    const poll = bot.poll;
    if (!poll) return;
    clearTimeout(poll.timer);
    bot.poll = undefined;
    bot.lastEndAt = Date.now();
    this.#answer(poll.res, poll.record, error, updates);
  }
}
