/** Telegram's flood control, emulated: sliding one-second windows overall and per chat, per bot. */
import { tooManyRequests } from "./errors.ts";
import type { RateLimitSpec } from "./types.ts";

/**
 * Sliding one-second windows: `global` accepted calls overall and `perChat` per chat. `take`
 * answers 0 when the call may go, else the milliseconds until the next slot frees.
 */
export class RateLimiter {
  readonly global: number;
  readonly perChat: number;
  readonly windowMs = 1000;
  #all: number[] = [];
  #chats = new Map<string, number[]>();
  #sinceSweep = 0;

  constructor(spec: RateLimitSpec) {
    this.global = spec.global ?? Infinity;
    this.perChat = spec.perChat ?? Infinity;
  }

  take(chatKey: string | undefined, now: number): number {
    const from = now - this.windowMs;
    prune(this.#all, from);
    let wait = this.#all.length >= this.global ? (this.#all[0] ?? now) + this.windowMs - now : 0;
    const chat = chatKey === undefined ? undefined : (this.#chats.get(chatKey) ?? []);
    if (chat) {
      prune(chat, from);
      if (chat.length >= this.perChat) wait = Math.max(wait, (chat[0] ?? now) + this.windowMs - now);
    }
    if (wait > 0) return wait;
    this.#all.push(now);
    if (chat && chatKey !== undefined) {
      chat.push(now);
      this.#chats.set(chatKey, chat);
    }
    if (++this.#sinceSweep >= 1000) this.#sweep(from);
    return 0;
  }

  /** Forgets chats idle for a window, so memory follows the active chats only. */
  #sweep(from: number): void {
    this.#sinceSweep = 0;
    for (const [key, times] of this.#chats) {
      prune(times, from);
      if (times.length === 0) this.#chats.delete(key);
    }
  }
}

function prune(times: number[], from: number): void {
  let n = 0;
  while (n < times.length && (times[n] as number) <= from) n++;
  if (n > 0) times.splice(0, n);
}

const DEFAULT_RATE_LIMITED = (method: string): boolean =>
  (method.startsWith("send") && method !== "sendchataction") || method === "copymessage" || method === "forwardmessage";

/** The fake's flood control: off until a rate limit is set; throws Telegram's 429 for a call over the limit. */
export class FloodControl {
  #limit: { limiter: RateLimiter; methods: Set<string> | undefined } | undefined;

  /** Emulates Telegram's flood limits (null: none). */
  set(spec: RateLimitSpec | null): void {
    this.#limit = spec
      ? { limiter: new RateLimiter(spec), methods: spec.methods && new Set(spec.methods.map((m) => m.toLowerCase())) }
      : undefined;
  }

  /** For message-sending methods (`method` lower-case), after validation: a rejected call uses no slot. */
  check(token: string, method: string, chatId: number): void {
    const limit = this.#limit;
    if (!limit) return;
    const counted = limit.methods ? limit.methods.has(method) : DEFAULT_RATE_LIMITED(method);
    if (!counted) return;
    const waitMs = limit.limiter.take(`${token}\n${chatId}`, Date.now());
    if (waitMs > 0) throw tooManyRequests(Math.max(1, Math.ceil(waitMs / 1000)));
  }
}
