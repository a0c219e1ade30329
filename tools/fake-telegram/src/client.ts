/**
 * Drives a fake Bot API over HTTP through its control plane (`/__control/...`), for a fake that
 * runs in another process or a container. Same methods as the in-process FakeBotApi.
 */
import { isMessageTo } from "./calls.ts";
import type {
  CallFilter,
  CallRecord,
  ControlFault,
  Interval,
  PollGap,
  PollingState,
  RateLimitSpec,
  Stats,
  Update,
  UpdateInput,
} from "./types.ts";

export { callbackQuery, location, message } from "./builders.ts";

/** How long one control request may take before it fails. */
const REQUEST_TIMEOUT_MS = 10_000;

export class FakeBotApiClient {
  /** The fake's base URL (its `url`, the bot's TELEGRAM_API_ROOT). */
  readonly url: string;
  /** How often waitForCall asks for new calls. */
  readonly pollIntervalMs: number;

  constructor(url: string, opts: { pollIntervalMs?: number } = {}) {
    this.url = url.replace(/\/+$/, "");
    this.pollIntervalMs = opts.pollIntervalMs ?? 50;
  }

  /** Queues updates for `token`'s bot (default: the fake's default bot); returns them with their ids. */
  pushUpdate(update: UpdateInput | UpdateInput[], token?: string): Promise<Update[]> {
    return this.#request<Update[]>("POST", "/updates", update, token === undefined ? {} : { token });
  }

  calls(filter: CallFilter = {}): Promise<CallRecord[]> {
    const query: Record<string, string> = {};
    if (filter.since !== undefined) query["since"] = String(filter.since);
    if (filter.doneSince !== undefined) query["done_since"] = String(filter.doneSince);
    if (filter.method !== undefined) query["method"] = filter.method;
    if (filter.token !== undefined) query["token"] = filter.token;
    if (filter.chatId !== undefined) query["chat_id"] = String(filter.chatId);
    return this.#request<CallRecord[]>("GET", "/calls", undefined, query);
  }

  /** The highest seq handed out so far: a `since` cursor for "calls from now on". */
  cursor(): Promise<number> {
    return this.#request<number>("GET", "/cursor");
  }

  /**
   * The first recorded call (seq > since) matching `predicate`, already made or yet to come. Polls
   * the control plane every pollIntervalMs, asking only for calls it has not seen; rejects after timeoutMs.
   */
  async waitForCall(
    predicate: (call: CallRecord) => boolean,
    timeoutMs = 5000,
    opts: { since?: number } = {},
  ): Promise<CallRecord> {
    const deadline = Date.now() + timeoutMs;
    const since = opts.since ?? 0;
    let doneSince = 0;
    let last: CallRecord[] = [];
    for (;;) {
      const calls = await this.calls({ since, doneSince });
      for (const call of calls) {
        doneSince = Math.max(doneSince, call.doneSeq);
        if (predicate(call)) return call;
      }
      if (calls.length > 0) last = calls.slice(-5);
      const left = deadline - Date.now();
      if (left <= 0) {
        const summary = last.map(
          (c) => `#${c.seq} ${c.method} ${c.response.ok ? "ok" : String(c.response.error_code)}`,
        );
        throw new Error(
          `waitForCall: no matching call within ${timeoutMs} ms; last calls: ${summary.join(", ") || "none"}`,
        );
      }
      await sleep(Math.min(this.pollIntervalMs, left));
    }
  }

  /** Waits for a successful sendMessage to `chatId` (seq > since). */
  waitForMessage(chatId: number | string, timeoutMs = 5000, opts: { since?: number } = {}): Promise<CallRecord> {
    return this.waitForCall(isMessageTo(chatId), timeoutMs, opts);
  }

  /** Injects a fault (returns its id) or, given `{rateLimit}`, sets the rate limit (returns 0). */
  async injectFault(spec: ControlFault): Promise<number> {
    const { id } = await this.#request<{ id: number }>("POST", "/faults", spec);
    return id;
  }

  removeFault(id: number): Promise<boolean> {
    return this.#request<boolean>("DELETE", `/faults/${id}`);
  }

  async setRateLimit(spec: RateLimitSpec | null): Promise<void> {
    await this.injectFault({ rateLimit: spec });
  }

  /** Removes every fault and the rate limit. */
  async clearFaults(): Promise<void> {
    await this.#request("DELETE", "/faults");
  }

  async setChatMissing(chatId: number | string, missing = true): Promise<void> {
    await this.#request("POST", "/missing-chats", { chatId, missing });
  }

  async reset(): Promise<void> {
    await this.#request("POST", "/reset");
  }

  /** When `token`'s bot was last seen polling (now while a poll waits); undefined if never. */
  async lastGetUpdatesAt(token: string): Promise<number | undefined> {
    const { at } = await this.#request<{ at: number | null }>("GET", "/last-get-updates", undefined, { token });
    return at ?? undefined;
  }

  async pollingState(token: string): Promise<PollingState> {
    const { polling, lastStartAt, lastEndAt, count } = await this.#request<PollingState & { at: number | null }>(
      "GET",
      "/last-get-updates",
      undefined,
      { token },
    );
    return { polling, lastStartAt, lastEndAt, count };
  }

  /** The intervals during which at least one getUpdates of `token` was open (the last may be open: no `to`). */
  async pollIntervals(token: string): Promise<Interval[]> {
    const { intervals } = await this.#pollGaps(token, 0, Date.now());
    return intervals;
  }

  /** The longest stretch within [fromMs, toMs] with no getUpdates of `token` open. */
  async longestPollGap(token: string, fromMs: number, toMs: number): Promise<PollGap> {
    const { longest } = await this.#pollGaps(token, fromMs, toMs);
    return longest;
  }

  #pollGaps(token: string, from: number, to: number): Promise<{ intervals: Interval[]; longest: PollGap }> {
    return this.#request("GET", "/poll-gaps", undefined, { token, from: String(from), to: String(to) });
  }

  stats(): Promise<Stats> {
    return this.#request<Stats>("GET", "/stats");
  }

  async #request<T>(method: string, path: string, body?: unknown, query: Record<string, string> = {}): Promise<T> {
    const qs = new URLSearchParams(query).toString();
    const res = await fetch(`${this.url}/__control${path}${qs ? `?${qs}` : ""}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let parsed: { ok?: boolean; result?: unknown; description?: string };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new Error(`fake Bot API ${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
    }
    if (!parsed.ok) throw new Error(`fake Bot API ${method} ${path}: ${parsed.description ?? `HTTP ${res.status}`}`);
    return parsed.result as T;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
