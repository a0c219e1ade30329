/** Update builders: what a user does, as the Bot API would report it (message ids and dates are filled in by the fake). */
import { commandEntities } from "./entities.ts";
import type { Chat, Message, UpdateInput, User } from "./types.ts";

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
