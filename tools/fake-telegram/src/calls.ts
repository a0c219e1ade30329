/** The call record: every Bot API call in arrival order, bounded, with waiters for calls yet to come. */
import type { CallFilter, CallRecord, Stats } from "./types.ts";

interface Waiter {
  predicate: (call: CallRecord) => boolean;
  since: number;
  resolve: (call: CallRecord) => void;
  reject: (err: Error) => void;
}

/** A successful sendMessage to `chatId`: what a user in that chat received. */
export function isMessageTo(chatId: number | string): (c: CallRecord) => boolean {
  return (c) =>
    c.method.toLowerCase() === "sendmessage" && c.response.ok && String(c.params["chat_id"]) === String(chatId);
}

export function matches(call: CallRecord, filter: CallFilter): boolean {
  if (filter.since !== undefined && call.seq <= filter.since) return false;
  if (filter.doneSince !== undefined && call.doneSeq <= filter.doneSince) return false;
  if (filter.method !== undefined && call.method.toLowerCase() !== filter.method.toLowerCase()) return false;
  if (filter.token !== undefined && call.token !== filter.token) return false;
  if (filter.chatId !== undefined && String(call.params["chat_id"]) !== String(filter.chatId)) return false;
  return true;
}

export class CallLog {
  readonly maxCalls: number;
  #seq = 0;
  #doneSeq = 0;
  #calls: CallRecord[] = [];
  #dropped = 0;
  #byMethod: Record<string, { ok: number; failed: number }> = {};
  #waiters = new Set<Waiter>();

  constructor(maxCalls: number) {
    this.maxCalls = maxCalls;
  }

  /** A new record for a call that just arrived (its seq is taken now). */
  begin(token: string, method: string, params: Record<string, unknown>): CallRecord {
    return { seq: ++this.#seq, doneSeq: 0, at: Date.now(), endAt: 0, token, method, params, response: { ok: false } };
  }

  /** Records an answered call, in seq order, and wakes the waiters it matches. */
  complete(record: CallRecord): void {
    record.endAt = Date.now();
    record.doneSeq = ++this.#doneSeq;
    const counts = (this.#byMethod[record.method] ??= { ok: 0, failed: 0 });
    if (record.response.ok) counts.ok++;
    else counts.failed++;
    // Keep seq order even though a long poll is answered after later calls.
    let at = this.#calls.length;
    while (at > 0 && (this.#calls[at - 1] as CallRecord).seq > record.seq) at--;
    this.#calls.splice(at, 0, record);
    if (this.#calls.length > this.maxCalls) {
      const drop = Math.max(1, Math.floor(this.maxCalls / 10));
      this.#calls.splice(0, drop);
      this.#dropped += drop;
    }
    for (const waiter of this.#waiters) {
      if (record.seq > waiter.since && waiter.predicate(record)) waiter.resolve(record);
    }
  }

  /** Recorded calls, oldest first (completed ones: a long poll appears when answered). */
  calls(filter: CallFilter = {}): CallRecord[] {
    return this.#calls.filter((c) => matches(c, filter));
  }

  /** The highest seq handed out so far: a `since` cursor for "calls from now on". */
  cursor(): number {
    return this.#seq;
  }

  /** The first recorded call (seq > since) matching `predicate`, already made or yet to come; rejects after timeoutMs. */
  waitFor(predicate: (call: CallRecord) => boolean, timeoutMs: number, since: number): Promise<CallRecord> {
    const found = this.#calls.find((c) => c.seq > since && predicate(c));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        since,
        resolve: (call) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(call);
        },
        reject: (err) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`waitForCall: no matching call within ${timeoutMs} ms; last calls: ${this.#recent()}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Counts of every call ever made, including those dropped from the record. */
  stats(storedMessages: number): Stats {
    const byMethod: Stats["byMethod"] = {};
    for (const [m, c] of Object.entries(this.#byMethod)) byMethod[m] = { ...c };
    return { calls: this.#seq, droppedCalls: this.#dropped, storedMessages, byMethod };
  }

  /** Forgets the record and the counts; seq keeps increasing. */
  clear(): void {
    this.#calls = [];
    this.#dropped = 0;
    this.#byMethod = {};
  }

  rejectWaiters(reason: string): void {
    for (const waiter of [...this.#waiters]) waiter.reject(new Error(reason));
  }

  #recent(): string {
    const last = this.#calls.slice(-5).map((c) => {
      const chat = c.params["chat_id"] === undefined ? "" : ` chat ${String(c.params["chat_id"])}`;
      return `#${c.seq} ${c.method}${chat} ${c.response.ok ? "ok" : String(c.response.error_code)}`;
    });
    return last.length > 0 ? last.join(", ") : "none";
  }
}
