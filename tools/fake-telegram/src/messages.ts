/**
 * What the fake remembers of chats: per-chat message ids (shared by users and the bot), messages
 * for edit/delete checks (bounded), open callback queries, chats that answer "chat not found".
 */
import { bad } from "./errors.ts";
import { intParam } from "./params.ts";
import type { Chat, Message, Update } from "./types.ts";

export interface StoredMessage {
  message: Message;
  fromBot: boolean;
  deleted: boolean;
}

export class MessageStore {
  /** Bound of stored messages and open callback queries (oldest forgotten first). */
  readonly max: number;
  #missingChats = new Set<string>();
  #chatCounters = new Map<string, number>();
  #chats = new Map<string, Chat>();
  #messages = new Map<string, StoredMessage>();
  #openCallbacks = new Set<string>();
  #nextCallbackId = 1;

  constructor(max: number, missingChats: ReadonlyArray<number | string> = []) {
    this.max = max;
    for (const chat of missingChats) this.#missingChats.add(String(chat));
  }

  get size(): number {
    return this.#messages.size;
  }

  /** Fills in the message ids, dates, replied-to messages and callback ids a user's update gets from Telegram. */
  complete(update: Update): void {
    const now = Math.floor(Date.now() / 1000);
    const msg = update.message;
    if (msg?.chat) {
      const chatKey = String(msg.chat.id);
      this.#chats.set(chatKey, msg.chat);
      if (!msg.message_id) msg.message_id = this.nextMessageId(chatKey);
      else this.#chatCounters.set(chatKey, Math.max(this.#chatCounters.get(chatKey) ?? 0, msg.message_id));
      if (!msg.date) msg.date = now;
      const reply = msg.reply_to_message;
      if (reply && reply.text === undefined) {
        const stored = this.#messages.get(`${chatKey}:${reply.message_id}`);
        msg.reply_to_message = stored ? stored.message : { ...reply, chat: msg.chat, date: reply.date ?? now };
      }
      this.store(msg, false);
    }
    const query = update.callback_query;
    if (query) {
      if (!query.id) query.id = String(this.#nextCallbackId++);
      this.#openCallbacks.add(query.id);
      if (this.#openCallbacks.size > this.max) {
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
  }

  nextMessageId(chatKey: string): number {
    const id = (this.#chatCounters.get(chatKey) ?? 0) + 1;
    this.#chatCounters.set(chatKey, id);
    return id;
  }

  store(message: Message, fromBot: boolean): void {
    this.#messages.set(`${message.chat.id}:${message.message_id}`, { message, fromBot, deleted: false });
    if (this.#messages.size > this.max) {
      const oldest = this.#messages.keys().next().value;
      if (oldest !== undefined) this.#messages.delete(oldest);
    }
  }

  /** The chat a method names by chat_id; "chat not found" for a missing one. */
  chat(params: Record<string, unknown>): Chat {
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

  /** The message a method names by message_id; undefined when it existed but the bounded store forgot it. */
  stored(chat: Chat, params: Record<string, unknown>, verb: "edit" | "delete"): StoredMessage | undefined {
    const messageId = intParam(params, "message_id");
    if (messageId === undefined) throw bad("message identifier is not specified");
    const stored = this.#messages.get(`${chat.id}:${messageId}`);
    const issued = this.#chatCounters.get(String(chat.id)) ?? 0;
    if (stored?.deleted || messageId <= 0 || messageId > issued) throw bad(`message to ${verb} not found`);
    return stored;
  }

  /** Answers a callback query once: false when it was never pushed or already answered. */
  answerCallback(id: string): boolean {
    return this.#openCallbacks.delete(id);
  }

  setChatMissing(chatId: number | string, missing: boolean): void {
    if (missing) this.#missingChats.add(String(chatId));
    else this.#missingChats.delete(String(chatId));
  }

  /** Forgets missing chats, stored messages and open callback queries; message ids keep increasing. */
  reset(): void {
    this.#missingChats.clear();
    this.#messages.clear();
    this.#openCallbacks.clear();
  }
}
