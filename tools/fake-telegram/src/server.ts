/**
 * A fake Telegram Bot API on node:http: the one stand-in for Telegram's cloud in every test tier.
 *
 * It behaves like Telegram where a bot can tell: `/bot<token>/<method>` with JSON, form or query
 * parameters; `{"ok":...}` envelopes with matching HTTP statuses; long-poll getUpdates honouring
 * offset/limit/timeout/allowed_updates, with 409 when a newer poll terminates an older one; Bot API
 * error texts; HTML parse_mode checked like Telegram. Tests drive it in-process (the FakeBotApi
 * methods) or over HTTP under `/__control/` (control.ts, client.ts); both do the same things.
 *
 * Every file of this package imports only `node:` built-ins and its siblings (`./x.ts`) and uses
 * only erasable TypeScript, so the directory also runs under Node 22's type stripping in a
 * container (cli.ts is the entry).
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Bots } from "./bots.ts";
import { CallLog, isMessageTo } from "./calls.ts";
import { controlRequest, type Controlled } from "./control.ts";
import { ApiError, toApiError } from "./errors.ts";
import { Faults } from "./faults.ts";
import { parseBody, readBody, sendApiError, sendJson } from "./http.ts";
import { MessageStore } from "./messages.ts";
import { botMethods, type Method } from "./methods.ts";
import { normalizeParams } from "./params.ts";
import { PollTimeline, longestGap } from "./poll-gaps.ts";
import { LongPolling } from "./polling.ts";
import { FloodControl } from "./rate-limit.ts";
import type {
  CallFilter,
  CallRecord,
  ControlFault,
  FakeBotApiOptions,
  Interval,
  PollGap,
  PollingState,
  RateLimitSpec,
  Stats,
  Update,
  UpdateInput,
} from "./types.ts";

export class FakeBotApi implements Controlled {
  /** The apiRoot for grammY (`client.apiRoot`) and TELEGRAM_API_ROOT: `http://host:port`, no trailing slash. */
  readonly url: string;
  readonly server: Server;
  readonly maxCalls: number;

  #tokens: Set<string> | undefined;
  #calls: CallLog;
  #bots: Bots;
  #polling: LongPolling;
  #timeline: PollTimeline;
  #messages: MessageStore;
  #faults = new Faults();
  #flood = new FloodControl();
  #methods: Record<string, Method>;
  // Telegram's update ids only ever grow. A fake restarted beside a bot that remembers handled ids
  // (handled_updates, kept two days) must not start again from 1: it starts from the clock (ms).
  #nextUpdateId = Date.now();
  #stopped = false;

  constructor(server: Server, url: string, opts: FakeBotApiOptions) {
    this.server = server;
    this.url = url;
    this.maxCalls = Math.max(1, opts.maxCalls ?? 50_000);
    this.#tokens = opts.tokens ? new Set(opts.tokens) : undefined;
    this.#calls = new CallLog(this.maxCalls);
    this.#bots = new Bots(opts.defaultToken ?? opts.tokens?.[0]);
    this.#polling = new LongPolling(
      this.#bots,
      (res, record, error, result) => this.#finish(res, record, error, result),
      (record) => this.#complete(record),
    );
    this.#timeline = new PollTimeline(this.maxCalls);
    this.#messages = new MessageStore(this.maxCalls, opts.missingChats);
    this.#methods = botMethods({
      messages: this.#messages,
      flood: this.#flood,
      botUsername: opts.botUsername ?? "test_bot",
    });
    if (opts.rateLimit) this.setRateLimit(opts.rateLimit);
  }

  // ---- in-process API (mirrored by the control plane)

  /** Queues updates for `token`'s bot (default: see FakeBotApiOptions.defaultToken); returns them with their ids. */
  pushUpdate(input: UpdateInput | UpdateInput[], token?: string): Update[] {
    const updates = (Array.isArray(input) ? input : [input]).map((one) => {
      const update = structuredClone(one) as Update;
      update.update_id = this.#nextUpdateId++;
      this.#messages.complete(update);
      return update;
    });
    this.#polling.deliver(this.#bots.target(token), updates);
    return updates;
  }

  /** Recorded calls, oldest first (completed ones: a long poll appears when answered). */
  calls(filter: CallFilter = {}): CallRecord[] {
    return this.#calls.calls(filter);
  }

  /** The highest seq handed out so far: a `since` cursor for "calls from now on". */
  cursor(): number {
    return this.#calls.cursor();
  }

  /** The first recorded call (seq > since) matching `predicate`, already made or yet to come; rejects after timeoutMs. */
  waitForCall(
    predicate: (call: CallRecord) => boolean,
    timeoutMs = 5000,
    opts: { since?: number } = {},
  ): Promise<CallRecord> {
    return this.#calls.waitFor(predicate, timeoutMs, opts.since ?? 0);
  }

  /** Waits for a successful sendMessage to `chatId` (seq > since) and returns its record. */
  waitForMessage(chatId: number | string, timeoutMs = 5000, opts: { since?: number } = {}): Promise<CallRecord> {
    return this.waitForCall(isMessageTo(chatId), timeoutMs, opts);
  }

  /** Injects a fault (returns its id, for removeFault) or, given `{rateLimit}`, sets the rate limit (returns 0). */
  injectFault(spec: ControlFault): number {
    if ("rateLimit" in spec) {
      this.setRateLimit(spec.rateLimit);
      return 0;
    }
    return this.#faults.inject(spec);
  }

  removeFault(id: number): boolean {
    return this.#faults.remove(id);
  }

  /** Removes every fault and the rate limit. */
  clearFaults(): void {
    this.#faults.clear();
    this.#flood.set(null);
  }

  /** Emulates Telegram's flood limits (null: none). */
  setRateLimit(spec: RateLimitSpec | null): void {
    this.#flood.set(spec);
  }

  /** Makes a chat answer "Bad Request: chat not found" (or exist again). */
  setChatMissing(chatId: number | string, missing = true): void {
    this.#messages.setChatMissing(chatId, missing);
  }

  /**
   * When `token`'s bot was last seen polling: now while a getUpdates is waiting, else when the last
   * one was answered; undefined if it never polled. A gap in this is bot downtime.
   */
  lastGetUpdatesAt(token: string): number | undefined {
    const bot = this.#bots.find(token);
    if (!bot) return undefined;
    return bot.poll ? Date.now() : bot.lastEndAt;
  }

  pollingState(token: string): PollingState {
    const bot = this.#bots.find(token);
    return {
      polling: bot?.poll !== undefined,
      lastStartAt: bot?.lastStartAt,
      lastEndAt: bot?.lastEndAt,
      count: bot?.polls ?? 0,
    };
  }

  /** The intervals during which at least one getUpdates of `token` was open, oldest first (the last may be open: no `to`). */
  pollIntervals(token: string): Interval[] {
    return this.#timeline.intervals(token, this.#bots.find(token)?.poll?.record.at);
  }

  /** The longest stretch within [fromMs, toMs] with no getUpdates of `token` open: the bot's longest downtime there. */
  longestPollGap(token: string, fromMs: number, toMs: number): PollGap {
    return longestGap(this.pollIntervals(token), fromMs, toMs);
  }

  /** Counts of every call ever made, including those dropped from the record. */
  stats(): Stats {
    return this.#calls.stats(this.#messages.size);
  }

  /**
   * Forgets queued updates, the call record, faults, the rate limit, missing chats, stored messages
   * and webhooks. Ids keep increasing (a running bot's offset stays valid); waiting long polls, the
   * polling state and the poll intervals stay.
   */
  reset(): void {
    this.#bots.reset();
    this.#calls.clear();
    this.clearFaults();
    this.#messages.reset();
  }

  /** Answers waiting long polls with [], closes every socket and the server. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#polling.stop();
    this.#calls.rejectWaiters("waitForCall: the fake Bot API was stopped");
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
      // answered polls flush first; anything still open after that is cut
      setTimeout(() => this.server.closeAllConnections(), 50).unref();
    });
  }

  // ---- HTTP

  /** The request listener (public so the server can be created before the instance). */
  handle(req: IncomingMessage, res: ServerResponse): void {
    readBody(req).then(
      (body) => this.#route(req, res, body),
      (err: unknown) => {
        const code = err instanceof ApiError ? err.code : 400;
        const description = err instanceof Error ? err.message : "Bad Request";
        sendJson(res, code, { ok: false, error_code: code, description });
      },
    );
  }

  #route(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const url = new URL(req.url ?? "/", "http://fake");
    if (url.pathname.startsWith("/__control/")) {
      const path = url.pathname.slice("/__control".length);
      const answer = controlRequest(this, req.method ?? "GET", path, url.searchParams, body);
      sendJson(res, answer.status, answer.body);
      return;
    }
    const m = /^\/bot([^/]*)\/([^/]*)$/.exec(url.pathname);
    if (!m) {
      sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    const token = decodeURIComponent(m[1] ?? "");
    const method = m[2] ?? "";
    let params: Record<string, unknown>;
    try {
      params = normalizeParams({ ...Object.fromEntries(url.searchParams), ...parseBody(req, body) });
    } catch (err) {
      sendJson(res, 400, { ok: false, error_code: 400, description: (err as Error).message });
      return;
    }
    const record = this.#calls.begin(token, method, params);
    if (this.#tokens && !this.#tokens.has(token)) {
      this.#finish(res, record, new ApiError(401, "Unauthorized"));
      return;
    }
    const bot = this.#bots.get(token);
    const lower = method.toLowerCase();
    try {
      this.#faults.check(token, lower, params);
      if (lower === "getupdates") {
        this.#polling.getUpdates(bot, params, res, record);
        return;
      }
      const handler = this.#methods[lower];
      if (!handler) throw new ApiError(404, "Not Found: method not found");
      this.#finish(res, record, undefined, handler(bot, params));
    } catch (err) {
      this.#finish(res, record, toApiError(err));
    }
  }

  /** Answers a Bot API call and completes its record. */
  #finish(res: ServerResponse, record: CallRecord, error: ApiError | undefined, result?: unknown): void {
    if (error) {
      sendApiError(res, error);
      record.response = { ok: false, error_code: error.code, description: error.message };
    } else {
      sendJson(res, 200, { ok: true, result });
      record.response =
        record.method.toLowerCase() === "getupdates"
          ? { ok: true, updateIds: (result as Update[]).map((u) => u.update_id) }
          : { ok: true, result };
    }
    this.#complete(record);
  }

  /** Records an ended call; a getUpdates also adds the stretch it was open to the poll timeline. */
  #complete(record: CallRecord): void {
    this.#calls.complete(record);
    if (record.method.toLowerCase() === "getupdates") this.#timeline.add(record.token, record.at, record.endAt);
  }
}

/** Starts a fake Bot API on host:port (default 127.0.0.1, a free port). */
export async function startFakeBotApi(opts: FakeBotApiOptions = {}): Promise<FakeBotApi> {
  const host = opts.host ?? "127.0.0.1";
  // requests cannot arrive before `api` exists: the server is not listening until below
  const server = createServer((req, res) => api.handle(req, res));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // a deep backlog: a burst of thousands of sends must queue, not be reset
    server.listen({ port: opts.port ?? 0, host, backlog: 4096 }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const api = new FakeBotApi(server, `http://${shown}:${port}`, opts);
  return api;
}
