/**
 * What the scheduler calls to deliver a reminder: builds the message (text, a late mark, a mention
 * of the author in groups, done/snooze buttons) and maps Telegram's answer to a SendOutcome.
 * No auto-retry here: the scheduler owns waiting (429 retry_after) and backoff.
 */
import { Api, GrammyError, HttpError } from "grammy";
import type { I18n } from "@grammyjs/i18n";
import type { InlineKeyboard } from "grammy";
import type { BotContext } from "./context.js";
import type { Lang } from "./parse/types.js";
import type { DueReminder, Send, SendOutcome } from "./scheduler/types.js";
import { deliveredKeyboard } from "./features/keyboards.js";
import { escapeHtml, mention } from "./features/html.js";

export interface DeliveryMessage {
  chatId: number;
  text: string;
  replyMarkup: InlineKeyboard;
}

export interface DeliveryDeps {
  formatDue: (due: Date, zone: string, lang: Lang, now: Date) => string;
  i18n: I18n<BotContext>;
  now?: () => Date;
}

/** Pure: the message for one occurrence. */
export function buildDeliveryMessage(
  r: DueReminder,
  late: boolean,
  lang: Lang,
  t: (key: string, vars?: Record<string, string | number>) => string,
  formatDue: DeliveryDeps["formatDue"],
  now: Date,
): DeliveryMessage {
  const head = r.chatType === "private" ? "" : `${mention(r.userId, r.authorName)}: `;
  let text = t("reminder", { text: `${head}${escapeHtml(r.text)}` });
  if (late) text += t("reminder-late", { due: formatDue(r.dueAt, r.zone, lang, now) });
  return { chatId: r.chatId, text, replyMarkup: deliveredKeyboard((k) => t(k), r.id) };
}

/** Pure: Telegram's error to the scheduler's outcome. */
export function outcomeOfError(err: unknown): SendOutcome {
  if (err instanceof GrammyError) {
    const message = `${err.error_code}: ${err.description}`;
    if (err.error_code === 403) return { ok: false, kind: "blocked", message };
    if (
      err.error_code === 400 &&
      /chat not found|user not found|peer_id_invalid|chat_id is empty/i.test(err.description)
    ) {
      return { ok: false, kind: "chat-not-found", message };
    }
    if (err.error_code === 429) {
      const after = err.parameters.retry_after;
      return {
        ok: false,
        kind: "retry-later",
        message,
        ...(typeof after === "number" ? { retryAfterMs: after * 1000 } : {}),
      };
    }
    if (err.error_code >= 500) return { ok: false, kind: "retry-later", message };
    return { ok: false, kind: "error", message };
  }
  if (err instanceof HttpError) return { ok: false, kind: "error", message: `network: ${err.message}` };
  return { ok: false, kind: "error", message: err instanceof Error ? err.message : String(err) };
}

export function createSend(api: Api, deps: DeliveryDeps): Send {
  const now = deps.now ?? (() => new Date());
  // The author's language comes with the claim: no query between the send's slot and Telegram, whose
  // varying delay would let two sends reach Telegram closer together than they left here.
  return async (r, { late, lang = "en" }) => {
    const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(lang, key, vars);
    const msg = buildDeliveryMessage(r, late, lang, t, deps.formatDue, now());
    try {
      const sent = await api.sendMessage(msg.chatId, msg.text, { parse_mode: "HTML", reply_markup: msg.replyMarkup });
      return { ok: true, messageId: sent.message_id };
    } catch (err) {
      return outcomeOfError(err);
    }
  };
}

/** A Bot API client for deliveries: the bot's token and API root, none of the bot's retry transformers. */
export function deliveryApi(token: string, apiRoot?: string): Api {
  return new Api(token, apiRoot ? { apiRoot } : {});
}
