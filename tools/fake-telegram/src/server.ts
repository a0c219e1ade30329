/**
 * A fake Telegram Bot API on node:http: the one stand-in for Telegram's cloud in every test tier.
 *
 * Self-contained on purpose: it imports only `node:` built-ins and uses only erasable TypeScript,
 * so the same file runs in-process under tsx (Node 20) and as its own server under Node 22's type
 * stripping in a container: `node fake-bot-api.ts --host 0.0.0.0 --port 8081`.
 *
 * It behaves like Telegram where a bot can tell: `/bot<token>/<method>` with JSON, form or query
 * parameters; `{"ok":...}` envelopes with matching HTTP statuses; long-poll getUpdates honouring
 * offset/limit/timeout/allowed_updates, with 409 when a newer poll terminates an older one; Bot API
 * error texts; HTML parse_mode checked like Telegram. Tests drive it in-process (the FakeBotApi
 * methods) or over HTTP under `/__control/` (see fake-bot-api-client.ts); both do the same things.
 */
import { realpathSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";

// ---------------------------------------------------------------------------------------------
// Types (a loose subset of the Bot API's: the fake cannot import grammY's)

export interface User {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
  [key: string]: unknown;
}

export interface Chat {
  id: number;
  type: "private" | "group" | "supergroup" | "channel";
  title?: string;
  first_name?: string;
  username?: string;
  [key: string]: unknown;
}

export interface MessageEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

export interface Message {
  message_id: number;
  date: number;
  chat: Chat;
  from?: User;
  text?: string;
  entities?: MessageEntity[];
  reply_markup?: unknown;
  reply_to_message?: Message;
  location?: { latitude: number; longitude: number };
  edit_date?: number;
  [key: string]: unknown;
}

export interface CallbackQuery {
  id: string;
  from: User;
  chat_instance: string;
  message?: Message;
  data?: string;
  [key: string]: unknown;
}

/** An update as a test builds it: `update_id` (and message ids, callback ids) are assigned by the fake. */
export interface UpdateInput {
  update_id?: number;
  message?: Partial<Message> & { chat: Chat };
  callback_query?: Partial<CallbackQuery> & { from: User };
  [key: string]: unknown;
}

export interface Update {
  update_id: number;
  message?: Message;
  callback_query?: CallbackQuery;
  [key: string]: unknown;
}

/** What the fake answered, as recorded. `result` is omitted for getUpdates (see `updateIds`). */
export interface CallResponse {
  ok: boolean;
  error_code?: number;
  description?: string;
  result?: unknown;
  /** getUpdates only: the ids of the updates it returned. */
  updateIds?: number[];
}

/** One Bot API call as the fake saw it. */
export interface CallRecord {
  /** Increasing per call, assigned when the request arrives. */
  seq: number;
  /** Increasing per call, assigned when it is answered (a long poll is answered after later calls). */
  doneSeq: number;
  /** Arrival time, ms since the epoch. */
  at: number;
  /** When it was answered, ms since the epoch. */
  endAt: number;
  token: string;
  /** As the bot spelled it (Telegram's method names are case-insensitive). */
  method: string;
  /** Parameters from the query and body; JSON-valued fields (reply_markup, ...) are parsed. */
  params: Record<string, unknown>;
  response: CallResponse;
  /** The client went away before the answer (an aborted long poll). */
  aborted?: boolean;
}

export interface CallFilter {
  /** Only calls with seq greater than this. */
  since?: number;
  /** Only calls with doneSeq greater than this (answered after that point): an exact cursor for polling. */
  doneSince?: number;
  method?: string;
  token?: string;
  chatId?: number | string;
}

/** An injected error: `method` (any method if omitted) answers `status` for the next `count` calls or for `durationMs`; neither means until removed. */
export interface FaultSpec {
  method?: string;
  status: number;
  /** Defaults to Telegram's text for the status (403: blocked by the user, 400: chat not found, ...). */
  description?: string;
  /** Seconds, for 429 (default 1). */
  retryAfter?: number;
  /** Only calls whose chat_id is this. */
  chatId?: number | string;
  /** Only calls of this bot. */
  token?: string;
  count?: number;
  durationMs?: number;
}

/** Telegram's flood limits, per second: `global` messages overall and `perChat` per chat (per bot). */
export interface RateLimitSpec {
  global?: number;
  perChat?: number;
  /** Methods that count; default: send* (but sendChatAction), copyMessage, forwardMessage. */
  methods?: string[];
}

export type ControlFault = FaultSpec | { rateLimit: RateLimitSpec | null };

export interface FakeBotApiOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Tokens accepted; others get 401 Unauthorized. Default: any token. */
  tokens?: string[];
  /** The bot that receives updates pushed without a token; default: the first token seen. */
  defaultToken?: string;
  /** Bound of the call record (oldest dropped first) and of stored messages. Default 50,000. */
  maxCalls?: number;
  /** Chats that answer "Bad Request: chat not found". */
  missingChats?: Array<number | string>;
  /** Username getMe reports (default "test_bot"). */
  botUsername?: string;
  rateLimit?: RateLimitSpec;
}

export interface PollingState {
  /** A getUpdates of this token is waiting right now. */
  polling: boolean;
  lastStartAt?: number;
  lastEndAt?: number;
  count: number;
}

export interface Stats {
  calls: number;
  /** Calls dropped from the record because of `maxCalls`. */
  droppedCalls: number;
  /** Messages the fake remembers for edits and deletes (bounded by maxCalls). */
  storedMessages: number;
  byMethod: Record<string, { ok: number; failed: number }>;
}

// ---------------------------------------------------------------------------------------------
// Errors shaped like the Bot API's

export class ApiError extends Error {
  readonly code: number;
  readonly parameters: Record<string, unknown> | undefined;
  constructor(code: number, description: string, parameters?: Record<string, unknown>) {
    super(description);
    this.code = code;
    this.parameters = parameters;
  }
}

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: "Bad Request: chat not found",
  401: "Unauthorized",
  403: "Forbidden: bot was blocked by the user",
  404: "Not Found",
  409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** The error a fault spec produces. */
export function faultError(spec: FaultSpec): ApiError {
  if (spec.status === 429) {
    const retryAfter = spec.retryAfter ?? 1;
    return new ApiError(429, spec.description ?? `Too Many Requests: retry after ${retryAfter}`, {
      retry_after: retryAfter,
    });
  }
  return new ApiError(spec.status, spec.description ?? DEFAULT_DESCRIPTIONS[spec.status] ?? `Error ${spec.status}`);
}

const bad = (description: string): ApiError => new ApiError(400, `Bad Request: ${description}`);

// ---------------------------------------------------------------------------------------------
// Pure helpers: parameters, HTML parse mode, commands, rate limits

/** Fields whose value is JSON when sent as a form field or query parameter. */
const JSON_FIELDS = new Set([
  "reply_markup",
  "allowed_updates",
  "commands",
  "scope",
  "entities",
  "link_preview_options",
  "reply_parameters",
]);

/** Parses JSON-valued fields sent as strings; leaves malformed ones as they are (the method says why). */
export function normalizeParams(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  for (const [key, value] of Object.entries(out)) {
    if (JSON_FIELDS.has(key) && typeof value === "string") {
      try {
        out[key] = JSON.parse(value);
      } catch {
        // kept as a string: the method's validation rejects it
      }
    }
  }
  return out;
}

/** An integer parameter, from a number or a numeric string; undefined when absent. */
export function intParam(params: Record<string, unknown>, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n)) throw bad(`invalid ${name} specified`);
  return n;
}

/** Telegram's HTML tags (td's parse_html); tag -> entity type. */
const HTML_TAGS: Record<string, string> = {
  a: "text_link",
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
  span: "spoiler",
  "tg-emoji": "custom_emoji",
  code: "code",
  pre: "pre",
  blockquote: "blockquote",
};

const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

const isSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\n" || c === "\r";

/** Decodes `&...;` at i like Telegram (lt, gt, amp, quot, numeric); unknown ones stay text. */
function decodeEntityAt(s: string, i: number): { char: string; end: number } | undefined {
  const m = /^&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,4});/.exec(s.slice(i, i + 12));
  if (!m || m[1] === undefined) return undefined;
  const name = m[1];
  let char: string | undefined;
  if (name.startsWith("#x")) char = safeCodePoint(parseInt(name.slice(2), 16));
  else if (name.startsWith("#")) char = safeCodePoint(parseInt(name.slice(1), 10));
  else char = NAMED_ENTITIES[name];
  return char === undefined ? undefined : { char, end: i + m[0].length };
}

function safeCodePoint(n: number): string | undefined {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : undefined;
}

const byteOffset = (s: string, i: number): number => Buffer.byteLength(s.slice(0, i), "utf8");

/**
 * Parses Telegram's HTML parse mode: plain text and entities, or an ApiError with Telegram's
 * "can't parse entities" text (unknown tags, unbalanced or mismatched tags, unclosed tags).
 */
export function parseHtml(html: string): { text: string; entities: MessageEntity[] } {
  const fail = (why: string): ApiError => bad(`can't parse entities: ${why}`);
  const stack: Array<{ tag: string; start: number; attrs: Record<string, string> }> = [];
  const entities: MessageEntity[] = [];
  let text = "";
  let i = 0;
  while (i < html.length) {
    const c = html[i] as string;
    if (c === "&") {
      const decoded = decodeEntityAt(html, i);
      text += decoded ? decoded.char : "&";
      i = decoded ? decoded.end : i + 1;
      continue;
    }
    if (c !== "<") {
      text += c;
      i++;
      continue;
    }
    const begin = i;
    i++;
    if (html[i] !== "/") {
      const nameStart = i;
      while (i < html.length && !isSpace(html[i]) && html[i] !== ">") i++;
      if (i >= html.length) throw fail(`Unclosed start tag at byte offset ${byteOffset(html, begin)}`);
      const tag = html.slice(nameStart, i).toLowerCase();
      if (HTML_TAGS[tag] === undefined) {
        throw fail(`Unsupported start tag "${tag}" at byte offset ${byteOffset(html, begin)}`);
      }
      const attrs: Record<string, string> = {};
      while (html[i] !== ">") {
        while (isSpace(html[i])) i++;
        if (i >= html.length) throw fail(`Unclosed start tag at byte offset ${byteOffset(html, begin)}`);
        if (html[i] === ">") break;
        const attrStart = i;
        while (i < html.length && !isSpace(html[i]) && html[i] !== "=" && html[i] !== ">") i++;
        const attr = html.slice(attrStart, i).toLowerCase();
        if (attr === "") {
          throw fail(`Empty attribute name in the tag "${tag}" at byte offset ${byteOffset(html, attrStart)}`);
        }
        while (isSpace(html[i])) i++;
        if (html[i] !== "=") {
          if (html[i] === ">" || isSpace(html[i])) {
            attrs[attr] = ""; // a bare attribute, such as <blockquote expandable>
            continue;
          }
          throw fail(`Unclosed start tag at byte offset ${byteOffset(html, begin)}`);
        }
        i++;
        while (isSpace(html[i])) i++;
        if (i >= html.length) throw fail(`Unclosed start tag at byte offset ${byteOffset(html, begin)}`);
        const quote = html[i];
        let value = "";
        if (quote === '"' || quote === "'") {
          i++;
          while (i < html.length && html[i] !== quote) {
            const decoded = html[i] === "&" ? decodeEntityAt(html, i) : undefined;
            value += decoded ? decoded.char : html[i];
            i = decoded ? decoded.end : i + 1;
          }
          if (i >= html.length) throw fail(`Unclosed start tag at byte offset ${byteOffset(html, begin)}`);
          i++;
        } else {
          while (i < html.length && !isSpace(html[i]) && html[i] !== ">") value += html[i++];
        }
        attrs[attr] = value;
      }
      i++; // '>'
      if (tag === "span" && attrs["class"] !== "tg-spoiler") {
        throw fail(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(html, begin)}`);
      }
      stack.push({ tag, start: text.length, attrs });
      continue;
    }
    // an end tag
    i++;
    const nameStart = i;
    while (i < html.length && !isSpace(html[i]) && html[i] !== ">") i++;
    const tag = html.slice(nameStart, i).toLowerCase();
    while (isSpace(html[i])) i++;
    if (html[i] !== ">") throw fail(`Unclosed end tag at byte offset ${byteOffset(html, begin)}`);
    i++;
    const open = stack.pop();
    if (!open) throw fail(`Unexpected end tag at byte offset ${byteOffset(html, begin)}`);
    if (tag !== "" && tag !== open.tag) {
      throw fail(
        `Unmatched end tag at byte offset ${byteOffset(html, begin)}, expected "</${open.tag}>", found "</${tag}>"`,
      );
    }
    const length = text.length - open.start;
    if (length > 0) entities.push(entityFor(open.tag, open.start, length, open.attrs));
  }
  const unclosed = stack.pop();
  if (unclosed) throw fail(`Can't find end tag corresponding to start tag "${unclosed.tag}"`);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}

function entityFor(tag: string, offset: number, length: number, attrs: Record<string, string>): MessageEntity {
  const type = HTML_TAGS[tag] ?? "bold";
  if (tag === "a") return { type, offset, length, url: attrs["href"] ?? "" };
  if (tag === "tg-emoji") return { type, offset, length, custom_emoji_id: attrs["emoji-id"] ?? "" };
  if (tag === "blockquote" && "expandable" in attrs) return { type: "expandable_blockquote", offset, length };
  return { type, offset, length };
}

/** `bot_command` entities for /commands at the start of the text or after whitespace, as Telegram adds them. */
export function commandEntities(text: string): MessageEntity[] {
  const out: MessageEntity[] = [];
  const re = /(^|\s)(\/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,32})?)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const lead = m[1] ?? "";
    const command = m[2] ?? "";
    out.push({ type: "bot_command", offset: m.index + lead.length, length: command.length });
  }
  return out;
}

/** The update's type: its first field other than update_id. */
export function updateType(update: Record<string, unknown>): string | undefined {
  return Object.keys(update).find((k) => k !== "update_id");
}

/** What Telegram sends when allowed_updates is empty or was never set. */
const DEFAULT_EXCLUDED_UPDATES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

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

// ---------------------------------------------------------------------------------------------
// Update builders: what a user does, as the Bot API would report it

export interface UserOptions {
  /** The sender: a user id or a user (defaults: id = the chat id for private chats, first_name "Test"). */
  from?: number | Partial<User>;
  chatType?: "private" | "group" | "supergroup";
  languageCode?: string;
  /** A message id in the same chat, or the message itself, the new message replies to. */
  replyTo?: number | Message;
}

function userFor(chatId: number, opts: UserOptions): User {
  const given = typeof opts.from === "number" ? { id: opts.from } : (opts.from ?? {});
  const id = given.id ?? (chatId > 0 ? chatId : 1000);
  const user: User = { is_bot: false, first_name: "Test", ...given, id };
  if (opts.languageCode !== undefined) user.language_code = opts.languageCode;
  return user;
}

function chatFor(chatId: number, type: UserOptions["chatType"], from: User): Chat {
  const chatType = type ?? (chatId > 0 ? "private" : chatId < -1e12 ? "supergroup" : "group");
  if (chatType === "private") return { id: chatId, type: "private", first_name: from.first_name };
  return { id: chatId, type: chatType, title: `Group ${chatId}` };
}

/** A text message from a user (message_id and date are filled in by the fake). */
export function message(chatId: number, text: string, opts: UserOptions = {}): UpdateInput {
  const from = userFor(chatId, opts);
  const msg: Partial<Message> & { chat: Chat } = { chat: chatFor(chatId, opts.chatType, from), from, text };
  const entities = commandEntities(text);
  if (entities.length > 0) msg.entities = entities;
  if (opts.replyTo !== undefined) {
    msg.reply_to_message = typeof opts.replyTo === "number" ? ({ message_id: opts.replyTo } as Message) : opts.replyTo;
  }
  return { message: msg };
}

/** A press of an inline button with `data` under the message `messageId` (the fake fills in that message when it has it). */
export function callbackQuery(
  chatId: number,
  messageId: number,
  data: string,
  from?: number | Partial<User>,
): UpdateInput {
  const user = userFor(chatId, { from });
  return {
    callback_query: {
      from: user,
      chat_instance: String(chatId),
      message: { message_id: messageId, chat: chatFor(chatId, undefined, user), date: 0 },
      data,
    },
  };
}

/** A shared location. */
export function location(chatId: number, latitude: number, longitude: number, opts: UserOptions = {}): UpdateInput {
  const from = userFor(chatId, opts);
  return { message: { chat: chatFor(chatId, opts.chatType, from), from, location: { latitude, longitude } } };
}

// ---------------------------------------------------------------------------------------------
// The server

interface PendingPoll {
  res: ServerResponse;
  record: CallRecord;
  limit: number;
  timer: NodeJS.Timeout;
}

interface BotState {
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

interface ActiveFault {
  id: number;
  spec: FaultSpec;
  until: number;
  left: number;
}

interface StoredMessage {
  message: Message;
  fromBot: boolean;
  deleted: boolean;
}

interface Waiter {
  predicate: (call: CallRecord) => boolean;
  since: number;
  resolve: (call: CallRecord) => void;
  reject: (err: Error) => void;
}

type Handler = (bot: BotState, params: Record<string, unknown>) => unknown;

const MAX_BODY_BYTES = 20 * 1024 * 1024;
const MAX_MESSAGE_LENGTH = 4096;
const NOT_MODIFIED =
  "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

/** A successful sendMessage to `chatId`: what a user in that chat received. */
export function isMessageTo(chatId: number | string): (c: CallRecord) => boolean {
  return (c) =>
    c.method.toLowerCase() === "sendmessage" && c.response.ok && String(c.params["chat_id"]) === String(chatId);
}

export class FakeBotApi {
  /** The apiRoot for grammY (`client.apiRoot`) and TELEGRAM_API_ROOT: `http://host:port`, no trailing slash. */
  readonly url: string;
  readonly server: Server;
  readonly maxCalls: number;

  #tokens: Set<string> | undefined;
  #defaultToken: string | undefined;
  #botUsername: string;
  #bots = new Map<string, BotState>();
  #unassigned: Update[] = [];
  #nextUpdateId = 1;
  #nextCallbackId = 1;
  #seq = 0;
  #doneSeq = 0;
  #calls: CallRecord[] = [];
  #dropped = 0;
  #byMethod: Record<string, { ok: number; failed: number }> = {};
  #waiters = new Set<Waiter>();
  #faults: ActiveFault[] = [];
  #nextFaultId = 1;
  #rateLimit: { limiter: RateLimiter; methods: Set<string> | undefined } | undefined;
  #missingChats = new Set<string>();
  #chatCounters = new Map<string, number>();
  #chats = new Map<string, Chat>();
  #messages = new Map<string, StoredMessage>();
  #openCallbacks = new Set<string>();
  #stopped = false;

  constructor(server: Server, url: string, opts: FakeBotApiOptions) {
    this.server = server;
    this.url = url;
    this.maxCalls = Math.max(1, opts.maxCalls ?? 50_000);
    this.#tokens = opts.tokens ? new Set(opts.tokens) : undefined;
    this.#defaultToken = opts.defaultToken ?? opts.tokens?.[0];
    this.#botUsername = opts.botUsername ?? "test_bot";
    for (const chat of opts.missingChats ?? []) this.#missingChats.add(String(chat));
    if (opts.rateLimit) this.setRateLimit(opts.rateLimit);
  }

  // ---- in-process API (mirrored by the control plane)

  /** Queues updates for `token`'s bot (default: see FakeBotApiOptions.defaultToken); returns them with their ids. */
  pushUpdate(input: UpdateInput | UpdateInput[], token?: string): Update[] {
    const inputs = Array.isArray(input) ? input : [input];
    const target = token ?? this.#defaultToken;
    const bot = target === undefined ? undefined : this.#bot(target);
    const out: Update[] = [];
    for (const one of inputs) {
      const update = this.#complete(one);
      out.push(update);
      if (!bot) {
        this.#unassigned.push(update);
        continue;
      }
      const type = updateType(update) ?? "";
      const allowed = bot.allowedUpdates;
      const wanted = allowed && allowed.length > 0 ? allowed.includes(type) : !DEFAULT_EXCLUDED_UPDATES.has(type);
      if (wanted) bot.queue.push(update); // like Telegram, unwanted kinds are never delivered
    }
    if (bot) setImmediate(() => this.#wake(bot));
    return out;
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
  waitForCall(
    predicate: (call: CallRecord) => boolean,
    timeoutMs = 5000,
    opts: { since?: number } = {},
  ): Promise<CallRecord> {
    const since = opts.since ?? 0;
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
    if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599) {
      throw new Error(`injectFault: status must be an HTTP error status (400-599), got ${String(spec.status)}`);
    }
    const id = this.#nextFaultId++;
    this.#faults.push({
      id,
      spec: { ...spec, method: spec.method?.toLowerCase() },
      until: spec.durationMs === undefined ? Infinity : Date.now() + spec.durationMs,
      left: spec.count ?? Infinity,
    });
    return id;
  }

  removeFault(id: number): boolean {
    const before = this.#faults.length;
    this.#faults = this.#faults.filter((f) => f.id !== id);
    return this.#faults.length < before;
  }

  /** Removes every fault and the rate limit. */
  clearFaults(): void {
    this.#faults = [];
    this.#rateLimit = undefined;
  }

  /** Emulates Telegram's flood limits (null: none). */
  setRateLimit(spec: RateLimitSpec | null): void {
    this.#rateLimit = spec
      ? { limiter: new RateLimiter(spec), methods: spec.methods && new Set(spec.methods.map((m) => m.toLowerCase())) }
      : undefined;
  }

  /** Makes a chat answer "Bad Request: chat not found" (or exist again). */
  setChatMissing(chatId: number | string, missing = true): void {
    if (missing) this.#missingChats.add(String(chatId));
    else this.#missingChats.delete(String(chatId));
  }

  /**
   * When `token`'s bot was last seen polling: now while a getUpdates is waiting, else when the last
   * one was answered; undefined if it never polled. A gap in this is bot downtime.
   */
  lastGetUpdatesAt(token: string): number | undefined {
    const bot = this.#bots.get(token);
    if (!bot) return undefined;
    return bot.poll ? Date.now() : bot.lastEndAt;
  }

  pollingState(token: string): PollingState {
    const bot = this.#bots.get(token);
    return {
      polling: bot?.poll !== undefined,
      lastStartAt: bot?.lastStartAt,
      lastEndAt: bot?.lastEndAt,
      count: bot?.polls ?? 0,
    };
  }

  /** Counts of every call ever made, including those dropped from the record. */
  stats(): Stats {
    const byMethod: Stats["byMethod"] = {};
    for (const [m, c] of Object.entries(this.#byMethod)) byMethod[m] = { ...c };
    return { calls: this.#seq, droppedCalls: this.#dropped, storedMessages: this.#messages.size, byMethod };
  }

  /**
   * Forgets queued updates, the call record, faults, the rate limit, missing chats, stored messages
   * and webhooks. Ids keep increasing (a running bot's offset stays valid); waiting long polls stay.
   */
  reset(): void {
    for (const bot of this.#bots.values()) {
      bot.queue = [];
      bot.webhookUrl = "";
      bot.commands.clear();
      bot.descriptions.clear();
    }
    this.#unassigned = [];
    this.#calls = [];
    this.#dropped = 0;
    this.#byMethod = {};
    this.clearFaults();
    this.#missingChats.clear();
    this.#messages.clear();
    this.#openCallbacks.clear();
  }

  /** Answers waiting long polls with [], closes every socket and the server. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const bot of this.#bots.values()) {
      if (bot.poll) this.#answerPoll(bot, []);
    }
    for (const waiter of [...this.#waiters]) waiter.reject(new Error("waitForCall: the fake Bot API was stopped"));
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
      this.#control(req, res, url, body);
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
    const record: CallRecord = {
      seq: ++this.#seq,
      doneSeq: 0,
      at: Date.now(),
      endAt: 0,
      token,
      method,
      params,
      response: { ok: false },
    };
    if (this.#tokens && !this.#tokens.has(token)) {
      this.#finish(res, record, new ApiError(401, "Unauthorized"));
      return;
    }
    const bot = this.#bot(token);
    const lower = method.toLowerCase();
    try {
      this.#checkFaults(token, lower, params);
      if (lower === "getupdates") {
        this.#getUpdates(bot, params, res, record);
        return;
      }
      const handler = this.#handlers[lower];
      if (!handler) throw new ApiError(404, "Not Found: method not found");
      this.#finish(res, record, undefined, handler(bot, params));
    } catch (err) {
      this.#finish(res, record, toApiError(err));
    }
  }

  /** Answers a Bot API call and completes its record. */
  #finish(res: ServerResponse, record: CallRecord, error: ApiError | undefined, result?: unknown): void {
    if (error) {
      const body: Record<string, unknown> = { ok: false, error_code: error.code, description: error.message };
      if (error.parameters) body["parameters"] = error.parameters;
      sendJson(res, error.code, body);
      record.response = { ok: false, error_code: error.code, description: error.message };
    } else {
      sendJson(res, 200, { ok: true, result });
      record.response =
        record.method.toLowerCase() === "getupdates"
          ? { ok: true, updateIds: (result as Update[]).map((u) => u.update_id) }
          : { ok: true, result };
    }
    this.#record(record);
  }

  #record(record: CallRecord): void {
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

  #recent(): string {
    const last = this.#calls.slice(-5).map((c) => {
      const chat = c.params["chat_id"] === undefined ? "" : ` chat ${String(c.params["chat_id"])}`;
      return `#${c.seq} ${c.method}${chat} ${c.response.ok ? "ok" : String(c.response.error_code)}`;
    });
    return last.length > 0 ? last.join(", ") : "none";
  }

  #checkFaults(token: string, method: string, params: Record<string, unknown>): void {
    const now = Date.now();
    this.#faults = this.#faults.filter((f) => f.left > 0 && f.until > now);
    const chat = params["chat_id"] === undefined ? undefined : String(params["chat_id"]);
    const fault = this.#faults.find(
      (f) =>
        (f.spec.method === undefined || f.spec.method === method) &&
        (f.spec.token === undefined || f.spec.token === token) &&
        (f.spec.chatId === undefined || String(f.spec.chatId) === chat),
    );
    if (!fault) return;
    fault.left--;
    throw faultError(fault.spec);
  }

  /** Telegram's flood control for message-sending methods; call after validation. */
  #checkRate(token: string, method: string, chatId: number): void {
    const limit = this.#rateLimit;
    if (!limit) return;
    const counted = limit.methods ? limit.methods.has(method) : DEFAULT_RATE_LIMITED(method);
    if (!counted) return;
    const waitMs = limit.limiter.take(`${token}\n${chatId}`, Date.now());
    if (waitMs > 0) {
      const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
      throw new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    }
  }

  // ---- getUpdates

  #getUpdates(bot: BotState, params: Record<string, unknown>, res: ServerResponse, record: CallRecord): void {
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
      this.#finish(res, record, undefined, ready);
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
      this.#record(record);
    });
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
    this.#finish(poll.res, poll.record, error, updates);
  }

  // ---- state

  #bot(token: string): BotState {
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

  /** Fills in ids and dates a user's update gets from Telegram. */
  #complete(input: UpdateInput): Update {
    const update = structuredClone(input) as Update;
    update.update_id = this.#nextUpdateId++;
    const now = Math.floor(Date.now() / 1000);
    const msg = update.message;
    if (msg?.chat) {
      const chatKey = String(msg.chat.id);
      this.#chats.set(chatKey, msg.chat);
      if (!msg.message_id) msg.message_id = this.#nextMessageId(chatKey);
      else this.#chatCounters.set(chatKey, Math.max(this.#chatCounters.get(chatKey) ?? 0, msg.message_id));
      if (!msg.date) msg.date = now;
      const reply = msg.reply_to_message;
      if (reply && reply.text === undefined) {
        const stored = this.#messages.get(`${chatKey}:${reply.message_id}`);
        msg.reply_to_message = stored ? stored.message : { ...reply, chat: msg.chat, date: reply.date ?? now };
      }
      this.#store(msg, false);
    }
    const query = update.callback_query;
    if (query) {
      if (!query.id) query.id = String(this.#nextCallbackId++);
      this.#openCallbacks.add(query.id);
      if (this.#openCallbacks.size > this.maxCalls) {
        const oldest = this.#openCallbacks.values().next().value;
        if (oldest !== undefined) this.#openCallbacks.delete(oldest);
      }
      const shown = query.message;
      if (shown?.chat) {
        const stored = this.#messages.get(`${shown.chat.id}:${shown.message_id}`);
        if (stored) query.message = stored.message;
        else if (!shown.date) shown.date = now;
      }
    }
    return update;
  }

  #nextMessageId(chatKey: string): number {
    const id = (this.#chatCounters.get(chatKey) ?? 0) + 1;
    this.#chatCounters.set(chatKey, id);
    return id;
  }

  #store(message: Message, fromBot: boolean): void {
    this.#messages.set(`${message.chat.id}:${message.message_id}`, { message, fromBot, deleted: false });
    if (this.#messages.size > this.maxCalls) {
      const oldest = this.#messages.keys().next().value;
      if (oldest !== undefined) this.#messages.delete(oldest);
    }
  }

  #chat(params: Record<string, unknown>): Chat {
    const raw = params["chat_id"];
    if (raw === undefined || raw === null || raw === "") throw bad("chat_id is empty");
    const id = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw.trim()) : NaN;
    if (!Number.isInteger(id) || id === 0 || this.#missingChats.has(String(id))) throw bad("chat not found");
    const known = this.#chats.get(String(id));
    if (known) return known;
    return id > 0
      ? { id, type: "private", first_name: "Test" }
      : { id, type: id < -1e12 ? "supergroup" : "group", title: `Group ${id}` };
  }

  #botUser(token: string): User {
    const prefix = token.split(":")[0] ?? "";
    const id = /^\d{1,15}$/.test(prefix) ? Number(prefix) : hashId(token);
    return {
      id,
      is_bot: true,
      first_name: "Test Bot",
      username: this.#botUsername,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    };
  }

  /** Text and entities of a message to send, validated like Telegram. */
  #text(params: Record<string, unknown>, field = "text"): { text: string; entities: MessageEntity[] } {
    const raw = params[field];
    if (raw === undefined || raw === null || String(raw) === "") throw bad("message text is empty");
    const source = String(raw);
    const mode = params["parse_mode"] === undefined ? "" : String(params["parse_mode"]);
    let parsed: { text: string; entities: MessageEntity[] };
    if (mode.toLowerCase() === "html") parsed = parseHtml(source);
    else if (mode === "" || mode.toLowerCase() === "markdown" || mode.toLowerCase() === "markdownv2") {
      // Markdown is passed through unparsed (the bot uses HTML); given entities are echoed.
      parsed = {
        text: source,
        entities: Array.isArray(params["entities"]) ? (params["entities"] as MessageEntity[]) : [],
      };
    } else throw bad(`unsupported parse_mode`);
    const trimmed = trimMessage(parsed);
    if (trimmed.text === "") throw bad("message text is empty");
    if (trimmed.text.length > MAX_MESSAGE_LENGTH) throw bad("message is too long");
    return trimmed;
  }

  #stored(chat: Chat, params: Record<string, unknown>, verb: "edit" | "delete"): StoredMessage | undefined {
    const messageId = intParam(params, "message_id");
    if (messageId === undefined) throw bad("message identifier is not specified");
    const stored = this.#messages.get(`${chat.id}:${messageId}`);
    const issued = this.#chatCounters.get(String(chat.id)) ?? 0;
    if (stored?.deleted || messageId <= 0 || messageId > issued) throw bad(`message to ${verb} not found`);
    return stored; // undefined: it existed but the bounded store forgot it
  }

  #handlers: Record<string, Handler> = {
    getme: (bot) => this.#botUser(bot.token),
    logout: () => true,
    close: () => true,
    sendmessage: (bot, params) => {
      const chat = this.#chat(params);
      const { text, entities } = this.#text(params);
      const markup = replyMarkup(params);
      this.#checkRate(bot.token, "sendmessage", chat.id);
      const message: Message = {
        message_id: this.#nextMessageId(String(chat.id)),
        from: this.#botUser(bot.token),
        chat,
        date: Math.floor(Date.now() / 1000),
        text,
      };
      if (entities.length > 0) message.entities = entities;
      if (markup !== undefined) message.reply_markup = markup;
      this.#store(message, true);
      return message;
    },
    editmessagetext: (_bot, params) => {
      const { text, entities } = this.#text(params);
      const markup = replyMarkup(params);
      if (params["inline_message_id"] !== undefined) return true;
      const chat = this.#chat(params);
      const stored = this.#stored(chat, params, "edit");
      if (stored && !stored.fromBot) throw bad("message can't be edited");
      const before = stored?.message;
      if (
        before &&
        before.text === text &&
        sameJson(before.entities ?? [], entities) &&
        sameJson(before.reply_markup, markup)
      ) {
        throw bad(NOT_MODIFIED);
      }
      const message = this.#edited(chat, params, before, { text, entities, markup });
      return message;
    },
    editmessagereplymarkup: (_bot, params) => {
      const markup = replyMarkup(params);
      if (params["inline_message_id"] !== undefined) return true;
      const chat = this.#chat(params);
      const stored = this.#stored(chat, params, "edit");
      if (stored && !stored.fromBot) throw bad("message can't be edited");
      const before = stored?.message;
      if (before && sameJson(before.reply_markup, markup)) throw bad(NOT_MODIFIED);
      return this.#edited(chat, params, before, { text: before?.text, entities: before?.entities ?? [], markup });
    },
    deletemessage: (_bot, params) => {
      const chat = this.#chat(params);
      const stored = this.#stored(chat, params, "delete");
      if (stored) stored.deleted = true;
      return true;
    },
    answercallbackquery: (_bot, params) => {
      const id = params["callback_query_id"] === undefined ? "" : String(params["callback_query_id"]);
      if (!this.#openCallbacks.delete(id)) {
        throw bad("query is too old and response timeout expired or query ID is invalid");
      }
      const text = params["text"];
      if (typeof text === "string" && text.length > 200) throw bad("MESSAGE_TOO_LONG");
      return true;
    },
    sendchataction: (_bot, params) => {
      this.#chat(params);
      const action = String(params["action"] ?? "");
      if (!CHAT_ACTIONS.has(action)) throw bad("wrong parameter action in request");
      return true;
    },
    setmycommands: (bot, params) => {
      const commands = params["commands"];
      if (!Array.isArray(commands)) throw bad("can't parse commands JSON object");
      if (commands.length > 100) throw bad("too many commands specified");
      for (const c of commands as Array<Record<string, unknown>>) {
        const name = typeof c?.["command"] === "string" ? c["command"] : "";
        const description = typeof c?.["description"] === "string" ? c["description"] : "";
        if (!/^[a-z0-9_]{1,32}$/.test(name)) throw bad("BOT_COMMAND_INVALID");
        if (description.length < 1 || description.length > 256) throw bad("BOT_COMMAND_DESCRIPTION_INVALID");
      }
      bot.commands.set(scopeKey(params), commands);
      return true;
    },
    getmycommands: (bot, params) => bot.commands.get(scopeKey(params)) ?? [],
    deletemycommands: (bot, params) => {
      bot.commands.delete(scopeKey(params));
      return true;
    },
    setmydescription: (bot, params) => this.#setDescription(bot, params, "description", 512),
    setmyshortdescription: (bot, params) => this.#setDescription(bot, params, "short_description", 120),
    getmydescription: (bot, params) => ({
      description: bot.descriptions.get(`description\n${String(params["language_code"] ?? "")}`) ?? "",
    }),
    getmyshortdescription: (bot, params) => ({
      short_description: bot.descriptions.get(`short_description\n${String(params["language_code"] ?? "")}`) ?? "",
    }),
    setwebhook: (bot, params) => {
      const url = String(params["url"] ?? "");
      if (url !== "" && !/^https:\/\//.test(url)) throw bad("bad webhook: An HTTPS URL must be provided for webhook");
      bot.webhookUrl = url;
      if (isTrue(params["drop_pending_updates"])) bot.queue = [];
      return true;
    },
    deletewebhook: (bot, params) => {
      bot.webhookUrl = "";
      if (isTrue(params["drop_pending_updates"])) bot.queue = [];
      return true;
    },
    getwebhookinfo: (bot) => ({
      url: bot.webhookUrl,
      has_custom_certificate: false,
      pending_update_count: bot.queue.length,
    }),
    getchat: (_bot, params) => this.#chat(params),
  };

  #setDescription(bot: BotState, params: Record<string, unknown>, field: string, max: number): true {
    const text = params[field] === undefined ? "" : String(params[field]);
    if (text.length > max) throw bad(`${field.toUpperCase()}_INVALID`);
    bot.descriptions.set(`${field}\n${String(params["language_code"] ?? "")}`, text);
    return true;
  }

  #edited(
    chat: Chat,
    params: Record<string, unknown>,
    before: Message | undefined,
    next: { text: string | undefined; entities: MessageEntity[]; markup: unknown },
  ): Message {
    const message: Message = {
      ...(before ?? { message_id: intParam(params, "message_id") ?? 0, chat, date: Math.floor(Date.now() / 1000) }),
      edit_date: Math.floor(Date.now() / 1000),
    };
    if (next.text !== undefined) message.text = next.text;
    if (next.entities.length > 0) message.entities = next.entities;
    else delete message.entities;
    if (next.markup !== undefined) message.reply_markup = next.markup;
    else delete message.reply_markup;
    this.#store(message, true);
    return message;
  }

  #control(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const ok = (result: unknown): void => sendJson(res, 200, { ok: true, result });
    const fail = (code: number, description: string): void =>
      sendJson(res, code, { ok: false, error_code: code, description });
    try {
      const path = url.pathname.slice("/__control".length);
      const q = url.searchParams;
      const json = (): unknown => (body.length === 0 ? {} : JSON.parse(body.toString("utf8")));
      const route = `${req.method ?? "GET"} ${path}`;
      if (route === "POST /updates") {
        return ok(this.pushUpdate(json() as UpdateInput | UpdateInput[], q.get("token") ?? undefined));
      }
      if (route === "GET /calls") {
        const filter: CallFilter = {};
        if (q.has("since")) filter.since = Number(q.get("since"));
        if (q.has("done_since")) filter.doneSince = Number(q.get("done_since"));
        if (q.has("method")) filter.method = q.get("method") ?? undefined;
        if (q.has("token")) filter.token = q.get("token") ?? undefined;
        if (q.has("chat_id")) filter.chatId = q.get("chat_id") ?? undefined;
        return ok(this.calls(filter));
      }
      if (route === "GET /cursor") return ok(this.cursor());
      if (route === "GET /stats") return ok(this.stats());
      if (route === "POST /faults") return ok({ id: this.injectFault(json() as ControlFault) });
      if (route === "DELETE /faults") return ok(this.clearFaults());
      const faultId = /^DELETE \/faults\/(\d+)$/.exec(route);
      if (faultId) return ok(this.removeFault(Number(faultId[1])));
      if (route === "POST /missing-chats") {
        const spec = json() as { chatId?: number | string; missing?: boolean };
        if (spec.chatId === undefined) return fail(400, "missing-chats: chatId is required");
        return ok(this.setChatMissing(spec.chatId, spec.missing ?? true));
      }
      if (route === "POST /reset") return ok(this.reset());
      if (route === "GET /last-get-updates") {
        const token = q.get("token") ?? "";
        return ok({ at: this.lastGetUpdatesAt(token) ?? null, ...this.pollingState(token) });
      }
      return fail(404, `Not Found: no control route ${route}`);
    } catch (err) {
      return fail(400, `Bad Request: ${(err as Error).message}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Small pure pieces used above

const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

function matches(call: CallRecord, filter: CallFilter): boolean {
  if (filter.since !== undefined && call.seq <= filter.since) return false;
  if (filter.doneSince !== undefined && call.doneSeq <= filter.doneSince) return false;
  if (filter.method !== undefined && call.method.toLowerCase() !== filter.method.toLowerCase()) return false;
  if (filter.token !== undefined && call.token !== filter.token) return false;
  if (filter.chatId !== undefined && String(call.params["chat_id"]) !== String(filter.chatId)) return false;
  return true;
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(500, `Internal Server Error: ${err instanceof Error ? err.message : String(err)}`);
}

const isTrue = (v: unknown): boolean => v === true || v === "true" || v === "1" || v === 1;

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const scopeKey = (params: Record<string, unknown>): string =>
  `${JSON.stringify(params["scope"] ?? { type: "default" })}\n${String(params["language_code"] ?? "")}`;

function hashId(s: string): number {
  let h = 7;
  for (const ch of s) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 2_000_000_000;
  return h + 1;
}

/** Telegram trims a message's surrounding whitespace; entity offsets follow. */
function trimMessage(m: { text: string; entities: MessageEntity[] }): { text: string; entities: MessageEntity[] } {
  const lead = m.text.length - m.text.trimStart().length;
  const text = m.text.trim();
  if (lead === 0 && text.length === m.text.length) return m;
  const entities = m.entities
    .map((e) => {
      const start = Math.max(0, e.offset - lead);
      const end = Math.min(text.length, e.offset + e.length - lead);
      return { ...e, offset: start, length: end - start };
    })
    .filter((e) => e.length > 0);
  return { text, entities };
}

/** reply_markup validated like Telegram for the parts bots get wrong (callback_data over 64 bytes, bare text buttons). */
function replyMarkup(params: Record<string, unknown>): unknown {
  const markup = params["reply_markup"];
  if (markup === undefined || markup === null || markup === "") return undefined;
  if (typeof markup !== "object" || Array.isArray(markup)) throw bad("can't parse reply keyboard markup JSON object");
  const keyboard = (markup as Record<string, unknown>)["inline_keyboard"];
  if (keyboard === undefined) return markup;
  if (!Array.isArray(keyboard) || keyboard.some((row) => !Array.isArray(row))) {
    throw bad('can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Arrays');
  }
  for (const row of keyboard as unknown[][]) {
    for (const button of row as Array<Record<string, unknown>>) {
      if (typeof button?.["text"] !== "string")
        throw bad('can\'t parse inline keyboard button: Field "text" must be of type String');
      const data = button["callback_data"];
      if (typeof data === "string" && (data.length === 0 || Buffer.byteLength(data, "utf8") > 64)) {
        throw bad("BUTTON_DATA_INVALID");
      }
      const actions = Object.keys(button).filter((k) => k !== "text" && k !== "style");
      if (actions.length === 0)
        throw bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
    }
  }
  return markup;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, "Request Entity Too Large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Parameters from a JSON, urlencoded or multipart (text fields) body. */
export function parseBody(req: Pick<IncomingMessage, "headers">, body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const header = String(req.headers["content-type"] ?? "");
  const type = header.toLowerCase();
  if (type.startsWith("application/json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw new Error("Bad Request: can't parse JSON object");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error("Bad Request: parameters must be a JSON object");
    }
    return parsed as Record<string, unknown>;
  }
  if (type.startsWith("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(body.toString("utf8")));
  }
  if (type.startsWith("multipart/form-data")) {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(header);
    const mark = boundary?.[1] ?? boundary?.[2];
    if (!mark) throw new Error("Bad Request: multipart boundary is missing");
    return parseMultipart(body.toString("latin1"), mark);
  }
  return {};
}

/** Text fields of a multipart body (files are recorded by name only: the fake stores no media). */
function parseMultipart(raw: string, boundary: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of raw.split(`--${boundary}`)) {
    const split = part.indexOf("\r\n\r\n");
    if (split < 0) continue;
    const head = part.slice(0, split);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined) continue;
    const value = part.slice(split + 4).replace(/\r\n$/, "");
    out[name] = /filename=/i.test(head) ? `[file ${name}]` : Buffer.from(value, "latin1").toString("utf8");
  }
  return out;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

// ---------------------------------------------------------------------------------------------
// Starting it

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

/** Command-line options: --host H --port P [--token T]... [--max-calls N] [--rate-limit GLOBAL,PERCHAT]. */
export function parseCliArgs(argv: string[]): FakeBotApiOptions {
  const opts: FakeBotApiOptions = { host: "127.0.0.1", port: 8081 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const need = (): string => {
      if (value === undefined || value.startsWith("--")) throw new Error(`${String(flag)} needs a value`);
      i++;
      return value;
    };
    const int = (v: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${String(flag)} must be a non-negative integer, got "${v}"`);
      return n;
    };
    if (flag === "--host") opts.host = need();
    else if (flag === "--port") opts.port = int(need());
    else if (flag === "--token") (opts.tokens ??= []).push(need());
    else if (flag === "--max-calls") opts.maxCalls = int(need());
    else if (flag === "--bot-username") opts.botUsername = need();
    else if (flag === "--rate-limit") {
      const [global, perChat] = need().split(",");
      opts.rateLimit = { global: int(global ?? ""), perChat: int(perChat ?? "") };
    } else
      throw new Error(
        `unknown option ${String(flag)} (expected --host, --port, --token, --max-calls, --rate-limit, --bot-username)`,
      );
  }
  return opts;
}

async function main(): Promise<void> {
  let opts: FakeBotApiOptions;
  try {
    opts = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`fake-bot-api: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const api = await startFakeBotApi(opts);
  process.stdout.write(`${JSON.stringify({ url: api.url })}\n`);
  const shutdown = (): void => {
    api.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isMainModule()) {
  main().catch((err: unknown) => {
    process.stderr.write(`fake-bot-api: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
