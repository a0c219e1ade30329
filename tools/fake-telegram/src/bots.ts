/** Per-token bot state: its update queue, its waiting long poll, its settings; and which bot gets updates pushed without a token. */
import type { ServerResponse } from "node:http";
import type { CallRecord, Update } from "./types.ts";

export interface PendingPoll {
  res: ServerResponse;
  record: CallRecord;
  limit: number;
  timer: NodeJS.Timeout;
}

export interface BotState {
  token: string;
  queue: Update[];
  allowedUpdates: string[] | undefined;
  poll: PendingPoll | undefined;
  webhookUrl: string;
  commands: Map<string, unknown>;
  descriptions: Map<string, string>;
  lastStartAt: number | undefined;
  lastEndAt: number | undefined;
  polls: number;
}

export class Bots {
  #bots = new Map<string, BotState>();
  /** Updates pushed before any bot called: the first caller (or defaultToken) gets them. */
  #unassigned: Update[] = [];
  #defaultToken: string | undefined;

  constructor(defaultToken: string | undefined) {
    this.#defaultToken = defaultToken;
  }

  /** The bot of `token`, created on first use. */
  get(token: string): BotState {
    let bot = this.#bots.get(token);
    if (!bot) {
      bot = {
        token,
        queue: [],
        allowedUpdates: undefined,
        poll: undefined,
        webhookUrl: "",
        commands: new Map(),
        descriptions: new Map(),
        lastStartAt: undefined,
        lastEndAt: undefined,
        polls: 0,
      };
      this.#bots.set(token, bot);
      if (this.#defaultToken === undefined) this.#defaultToken = token;
      if (token === this.#defaultToken && this.#unassigned.length > 0) {
        bot.queue.push(...this.#unassigned);
        this.#unassigned = [];
      }
    }
    return bot;
  }

  /** The bot of `token` if it ever called or was pushed to. */
  find(token: string): BotState | undefined {
    return this.#bots.get(token);
  }

  /** Where updates pushed for `token` go: its bot, the default bot, or (none yet) undefined. */
  target(token: string | undefined): BotState | undefined {
    const t = token ?? this.#defaultToken;
    return t === undefined ? undefined : this.get(t);
  }

  /** Keeps an update for the first bot that calls. */
  park(update: Update): void {
    this.#unassigned.push(update);
  }

  all(): IterableIterator<BotState> {
    return this.#bots.values();
  }

  /** Forgets queued updates, webhooks, commands and descriptions; waiting polls stay. */
  reset(): void {
    for (const bot of this.#bots.values()) {
      bot.queue = [];
      bot.webhookUrl = "";
      bot.commands.clear();
      bot.descriptions.clear();
    }
    this.#unassigned = [];
  }
}
