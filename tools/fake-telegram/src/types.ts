/** The shapes the fake speaks: a loose subset of the Bot API's types (it cannot import grammY's) and its own records. */

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
  /** Bound of the call record (oldest dropped first), of stored messages and of poll intervals. Default 50,000. */
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

/** A stretch of time, ms since the epoch; `to` undefined: still going on. */
export interface Interval {
  from: number;
  to?: number;
}

/** The longest stretch of a window with no getUpdates open (`ms` = to - from). */
export interface PollGap {
  from: number;
  to: number;
  ms: number;
}

export interface Stats {
  calls: number;
  /** Calls dropped from the record because of `maxCalls`. */
  droppedCalls: number;
  /** Messages the fake remembers for edits and deletes (bounded by maxCalls). */
  storedMessages: number;
  byMethod: Record<string, { ok: number; failed: number }>;
}
