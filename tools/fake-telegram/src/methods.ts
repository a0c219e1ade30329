/** The Bot API methods the fake serves (getUpdates aside: polling.ts), validated like Telegram with its error texts. */
import type { BotState } from "./bots.ts";
import { trimMessage } from "./entities.ts";
import { bad } from "./errors.ts";
import { parseHtml } from "./html.ts";
import type { MessageStore } from "./messages.ts";
import { intParam, isTrue } from "./params.ts";
import type { FloodControl } from "./rate-limit.ts";
import type { Chat, Message, MessageEntity, User } from "./types.ts";

export type Method = (bot: BotState, params: Record<string, unknown>) => unknown;

export interface MethodContext {
  messages: MessageStore;
  flood: FloodControl;
  /** Username getMe reports. */
  botUsername: string;
}

const MAX_MESSAGE_LENGTH = 4096;
const NOT_MODIFIED =
  "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

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

/** The methods by lower-case name (Telegram's method names are case-insensitive). */
export function botMethods({ messages, flood, botUsername }: MethodContext): Record<string, Method> {
  const botUser = (token: string): User => {
    const prefix = token.split(":")[0] ?? "";
    const id = /^\d{1,15}$/.test(prefix) ? Number(prefix) : hashId(token);
    return {
      id,
      is_bot: true,
      first_name: "Test Bot",
      username: botUsername,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    };
  };

  const edited = (
    chat: Chat,
    params: Record<string, unknown>,
    before: Message | undefined,
    next: { text: string | undefined; entities: MessageEntity[]; markup: unknown },
  ): Message => {
    const message: Message = {
      ...(before ?? { message_id: intParam(params, "message_id") ?? 0, chat, date: Math.floor(Date.now() / 1000) }),
      edit_date: Math.floor(Date.now() / 1000),
    };
    if (next.text !== undefined) message.text = next.text;
    if (next.entities.length > 0) message.entities = next.entities;
    else delete message.entities;
    if (next.markup !== undefined) message.reply_markup = next.markup;
    else delete message.reply_markup;
    messages.store(message, true);
    return message;
  };

  const setDescription = (bot: BotState, params: Record<string, unknown>, field: string, max: number): true => {
    const text = params[field] === undefined ? "" : String(params[field]);
    if (text.length > max) throw bad(`${field.toUpperCase()}_INVALID`);
    bot.descriptions.set(`${field}\n${String(params["language_code"] ?? "")}`, text);
    return true;
  };

  return {
    getme: (bot) => botUser(bot.token),
    logout: () => true,
    close: () => true,
    sendmessage: (bot, params) => {
      const chat = messages.chat(params);
      const { text, entities } = messageText(params);
      const markup = replyMarkup(params);
      flood.check(bot.token, "sendmessage", chat.id);
      const message: Message = {
        message_id: messages.nextMessageId(String(chat.id)),
        from: botUser(bot.token),
        chat,
        date: Math.floor(Date.now() / 1000),
        text,
      };
      if (entities.length > 0) message.entities = entities;
      if (markup !== undefined) message.reply_markup = markup;
      messages.store(message, true);
      return message;
    },
    editmessagetext: (_bot, params) => {
      const { text, entities } = messageText(params);
      const markup = replyMarkup(params);
      if (params["inline_message_id"] !== undefined) return true;
      const chat = messages.chat(params);
      const stored = messages.stored(chat, params, "edit");
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
      return edited(chat, params, before, { text, entities, markup });
    },
    editmessagereplymarkup: (_bot, params) => {
      const markup = replyMarkup(params);
      if (params["inline_message_id"] !== undefined) return true;
      const chat = messages.chat(params);
      const stored = messages.stored(chat, params, "edit");
      if (stored && !stored.fromBot) throw bad("message can't be edited");
      const before = stored?.message;
      if (before && sameJson(before.reply_markup, markup)) throw bad(NOT_MODIFIED);
      return edited(chat, params, before, { text: before?.text, entities: before?.entities ?? [], markup });
    },
    deletemessage: (_bot, params) => {
      const chat = messages.chat(params);
      const stored = messages.stored(chat, params, "delete");
      if (stored) stored.deleted = true;
      return true;
    },
    answercallbackquery: (_bot, params) => {
      const id = params["callback_query_id"] === undefined ? "" : String(params["callback_query_id"]);
      if (!messages.answerCallback(id)) {
        throw bad("query is too old and response timeout expired or query ID is invalid");
      }
      const text = params["text"];
      if (typeof text === "string" && text.length > 200) throw bad("MESSAGE_TOO_LONG");
      return true;
    },
    sendchataction: (_bot, params) => {
      messages.chat(params);
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
    setmydescription: (bot, params) => setDescription(bot, params, "description", 512),
    setmyshortdescription: (bot, params) => setDescription(bot, params, "short_description", 120),
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
    getchat: (_bot, params) => messages.chat(params),
  };
}

/** Text and entities of a message to send, validated like Telegram. */
function messageText(params: Record<string, unknown>, field = "text"): { text: string; entities: MessageEntity[] } {
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

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const scopeKey = (params: Record<string, unknown>): string =>
  `${JSON.stringify(params["scope"] ?? { type: "default" })}\n${String(params["language_code"] ?? "")}`;

/** A stable bot id for a token without a numeric prefix. */
function hashId(s: string): number {
  let h = 7;
  for (const ch of s) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 2_000_000_000;
  return h + 1;
}
