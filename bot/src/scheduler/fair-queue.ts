/**
 * Who is sent next, and when: the scheduler's claimed rows wait here, one queue per chat, and leave
 * round-robin across chats (oldest-due first within a chat), paced below Telegram's limits (about
 * 30 messages a second overall, 1 a second per chat). A chat waiting for its own slot holds
 * nothing: the next chat that may send takes the global slot, so one chat with 1,000 due rows
 * delays each other chat by at most its one turn in the round.
 *
 * A 429's retry_after holds its chat; it holds every chat too when it looks global (the chat had
 * not been sent to just before, or another chat met a 429 within the last second). A global one
 * also lowers the pace, which creeps back up to the ceiling while sends succeed, and widens the
 * hard cap's window (the jitter between our clock and Telegram's was more than it allowed for),
 * which narrows back slowly: the pace settles just under what Telegram accepts from here.
 * Pure: time is passed in.
 */
export interface RateLimit {
  /** Messages a second across all chats: the ceiling the pace returns to. */
  perSecond: number;
  /** Messages a second to one chat (default: no per-chat limit). */
  perChatPerSecond?: number;
}

export type Take<T> =
  /** Send this now (its global and chat slots are taken). */
  | { item: T; chatId: number }
  /** Nothing may go before this many ms from now. */
  | { waitMs: number }
  /** Nothing queued. */
  | null;

/** A global 429 lowers the rate to this share of what it was... */
const DECREASE = 0.9;
/** ...never below this share of the ceiling... */
const FLOOR = 0.5;
/** ...and each second without one gives back this many messages a second. */
const INCREASE_PER_S = 1;
/**
 * The hard cap counts whole messages in a window a little over a second: sends leave here evenly
 * but reach Telegram with some jitter, and two that arrive closer than they left must still not
 * make one second's count one too many. It starts 1 % over a second, each global 429 widens it by
 * 10 ms (to at most 10 % over), and each second without one narrows it by 0.1 ms: at most one
 * 429 in 100 s while it settles, each costing retry_after (a second) of sends.
 */
const WINDOW_MIN_MS = 1010;
const WINDOW_MAX_MS = 1100;
const WINDOW_WIDEN_MS = 10;
const WINDOW_NARROW_PER_S = 0.1;
/**
 * A send whose timer fired late by up to this many spacings keeps the pace's grid (the next may go
 * at once); later than that the pace starts afresh from now. Loaded machines fire timers tens of
 * ms late (a spacing is 34 ms at 29.5/s), and each restart lost that lateness for good: with
 * lateness spread up to 20 ms half a spacing gave 27.1/s, two give 29.3/s. A pause or an idle
 * queue is far longer, so no burst follows one. The hard cap's window holds either way.
 */
const CATCH_UP_SPACINGS = 2;
/**
 * An answer slower than the recent quickest round trip may have reached Telegram that much later
 * than it left (a stalled event loop or network on the way): its place in the hard cap's window
 * moves later by the difference (at most this many ms), so the send 30 later cannot land within its
 * second. A delay after arrival moves it needlessly, costing a little pace, never a 429.
 */
const LATE_ARRIVAL_MAX_MS = 100;
/** Round trips remembered for the quickest one (about a second of sends). */
const ROUND_TRIPS_KEPT = 32;
/** Per-chat spacing is stretched by this factor (network jitter between our send and Telegram's clock). */
const CHAT_MARGIN = 1.03;
/** A chat sent to within this many of its own spacings before a 429 probably met its own limit. */
const OWN_LIMIT_SPACINGS = 2;

export class FairQueue<T> {
  readonly #ceiling: number;
  readonly #chatSpacing: number;
  #rate: number;
  #lastAdjust = 0;
  readonly #queues = new Map<number, T[]>();
  /** Chats with queued items, in turn order. */
  #ring: number[] = [];
  #size = 0;
  /** Earliest next send per chat (its spacing, or a 429 on it). */
  readonly #chatReady = new Map<number, number>();
  /** The two latest sends per chat: [previous, latest]. */
  readonly #sends = new Map<number, [number | undefined, number]>();
  #nextGlobal = 0;
  #windowMs = WINDOW_MIN_MS;
  /** Send times of the last window, oldest first. */
  #window: number[] = [];
  #pausedUntil = 0;
  /** Recent round trips (send to answer), ms. */
  #roundTrips: number[] = [];
  #last429: { chatId: number; at: number } | undefined;

  constructor(limit?: RateLimit) {
    if (limit && !(limit.perSecond > 0)) {
      throw new RangeError(`rate limit: perSecond must be positive, got ${limit.perSecond}`);
    }
    this.#ceiling = limit?.perSecond ?? Infinity;
    this.#rate = this.#ceiling;
    // A hair over the chat's spacing: two sends exactly one spacing apart may reach Telegram closer.
    this.#chatSpacing = limit?.perChatPerSecond ? (1000 / limit.perChatPerSecond) * CHAT_MARGIN : 0;
  }

  get size(): number {
    return this.#size;
  }

  /** The pace now, in messages a second. */
  get rate(): number {
    return this.#rate;
  }

  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** Chats with queued items. */
  chats(): number[] {
    return [...this.#queues.keys()];
  }

  /** Queues `item` for `chatId` behind that chat's earlier items. */
  push(chatId: number, item: T): void {
    const q = this.#queues.get(chatId);
    if (q) q.push(item);
    else {
      this.#queues.set(chatId, [item]);
      this.#ring.push(chatId);
    }
    this.#size++;
  }

  /** The next item that may be sent at `nowMs`, its slots taken; else how long to wait; null when empty. */
  take(nowMs: number): Take<T> {
    if (this.#size === 0) return null;
    const globalAt = Math.max(this.#pausedUntil, this.#nextGlobal, this.#windowFreesAt(nowMs));
    if (globalAt > nowMs) return { waitMs: globalAt - nowMs };
    let earliest = Infinity;
    for (let turns = this.#ring.length; turns > 0; turns--) {
      const chatId = this.#ring.shift()!;
      const ready = this.#chatReady.get(chatId) ?? 0;
      if (ready > nowMs) {
        earliest = Math.min(earliest, ready);
        this.#ring.push(chatId);
        continue;
      }
      const q = this.#queues.get(chatId)!;
      const item = q.shift()!;
      this.#size--;
      if (q.length > 0) this.#ring.push(chatId);
      else this.#queues.delete(chatId);
      this.#sent(chatId, nowMs);
      return { item, chatId };
    }
    return { waitMs: earliest - nowMs };
  }

  /**
   * When the last second's sends leave room for one more: the hard cap (whole messages) behind the
   * even spacing, which a late timer's catch-up could otherwise push one over.
   */
  #windowFreesAt(nowMs: number): number {
    if (!Number.isFinite(this.#rate)) return 0;
    const windowMs = this.#windowMs;
    while (this.#window.length > 0 && this.#window[0]! <= nowMs - windowMs) this.#window.shift();
    const cap = Math.max(1, Math.ceil(this.#rate - 1e-9));
    return this.#window.length >= cap ? this.#window[this.#window.length - cap]! + windowMs : 0;
  }

  #sent(chatId: number, nowMs: number): void {
    if (Number.isFinite(this.#rate)) {
      // A timer that fired late may catch up (the window cap still holds): late timers then do not
      // slow the pace down.
      const spacing = 1000 / this.#rate;
      const onGrid = nowMs - this.#nextGlobal <= CATCH_UP_SPACINGS * spacing;
      this.#nextGlobal = (onGrid ? this.#nextGlobal : nowMs) + spacing;
      this.#window.push(nowMs);
    }
    if (this.#chatSpacing) this.#chatReady.set(chatId, nowMs + this.#chatSpacing);
    this.#sends.set(chatId, [this.#sends.get(chatId)?.[1], nowMs]);
    if (this.#sends.size > 10_000) this.#forget(nowMs);
  }

  /** Forgets chats idle for a while, so memory follows the recent traffic only. */
  #forget(nowMs: number): void {
    const horizon = nowMs - OWN_LIMIT_SPACINGS * Math.max(this.#chatSpacing, 1000);
    for (const [chatId, [, latest]] of this.#sends) {
      if (latest < horizon && (this.#chatReady.get(chatId) ?? 0) <= nowMs) {
        this.#sends.delete(chatId);
        this.#chatReady.delete(chatId);
      }
    }
  }

  /** The hard cap's window now, in ms. */
  get windowMs(): number {
    return this.#windowMs;
  }

  /**
   * A send that left at `sentAtMs` (its take) was delivered at `nowMs`: the pace creeps back up
   * towards the ceiling, the window back down; a slow answer moves its send later in the window.
   */
  delivered(nowMs: number, sentAtMs?: number): void {
    if (sentAtMs !== undefined) this.#answered(sentAtMs, nowMs - sentAtMs);
    const seconds = Math.max(0, nowMs - this.#lastAdjust) / 1000;
    this.#rate = Math.min(this.#ceiling, this.#rate + seconds * INCREASE_PER_S);
    this.#windowMs = Math.max(WINDOW_MIN_MS, this.#windowMs - seconds * WINDOW_NARROW_PER_S);
    this.#lastAdjust = nowMs;
  }

  #answered(sentAtMs: number, roundTripMs: number): void {
    this.#roundTrips.push(roundTripMs);
    if (this.#roundTrips.length > ROUND_TRIPS_KEPT) this.#roundTrips.shift();
    const late = Math.min(LATE_ARRIVAL_MAX_MS, roundTripMs - Math.min(...this.#roundTrips));
    const i = this.#window.lastIndexOf(sentAtMs);
    if (late <= 0 || i < 0) return;
    this.#window.splice(i, 1);
    const at = sentAtMs + late;
    let j = this.#window.length;
    while (j > 0 && this.#window[j - 1]! > at) j--;
    this.#window.splice(j, 0, at); // kept in time order
  }

  /**
   * Telegram answered 429 for `chatId` with `retryAfterMs`: that chat waits it out; when it looks
   * global every chat does, and the pace drops.
   */
  retryAfter(chatId: number, retryAfterMs: number, nowMs: number): void {
    const until = nowMs + retryAfterMs;
    this.#chatReady.set(chatId, Math.max(this.#chatReady.get(chatId) ?? 0, until));
    const previous = this.#sends.get(chatId)?.[0];
    const ownLimit =
      this.#chatSpacing > 0 && previous !== undefined && nowMs - previous <= OWN_LIMIT_SPACINGS * this.#chatSpacing;
    const othersToo =
      this.#last429 !== undefined && this.#last429.chatId !== chatId && nowMs - this.#last429.at <= 1000;
    this.#last429 = { chatId, at: nowMs };
    if (ownLimit && !othersToo) return; // that chat's own limit: the pace was not the problem
    this.pause(until);
    if (Number.isFinite(this.#ceiling)) {
      this.#rate = Math.max(this.#ceiling * FLOOR, this.#rate * DECREASE);
      this.#windowMs = Math.min(WINDOW_MAX_MS, this.#windowMs + WINDOW_WIDEN_MS);
      this.#lastAdjust = nowMs;
    }
  }

  /** Nothing is sent before `untilMs` (a 429 judged global, or the Bot API failing). */
  pause(untilMs: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, untilMs);
  }

  /** Everything queued, emptied (to give back when stopping). */
  drain(): T[] {
    const all = [...this.#queues.values()].flat();
    this.#queues.clear();
    this.#ring = [];
    this.#size = 0;
    return all;
  }
}
