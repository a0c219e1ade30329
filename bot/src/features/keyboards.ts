/** Inline keyboards; every payload goes through encodeAction. */
import { InlineKeyboard } from "grammy";
import type { TranslateFunction } from "@grammyjs/i18n";
import type { Reminder } from "../db/index.js";
import { encodeAction } from "../services/callback-data.js";

export function draftKeyboard(t: TranslateFunction, id: number): InlineKeyboard {
  return new InlineKeyboard()
    .text(t("button-confirm"), encodeAction({ op: "confirm", id }))
    .text(t("button-change"), encodeAction({ op: "change", id }))
    .text(t("button-cancel"), encodeAction({ op: "cancel", id }));
}

export function pickKeyboard(
  id: number,
  options: Array<{ label: string; at: Date }>,
  t: TranslateFunction,
): InlineKeyboard {
  const kb = new InlineKeyboard();
  options.forEach((o, i) => {
    kb.text(o.label, encodeAction({ op: "pick", id, minutes: Math.round(o.at.getTime() / 60_000) }));
    if (i % 2 === 1) kb.row();
  });
  return kb.row().text(t("button-cancel"), encodeAction({ op: "cancel", id }));
}

/** `owner`: the user whose list it is, carried by the page buttons (in a group, only they may turn pages). */
export function listKeyboard(
  t: TranslateFunction,
  items: Reminder[],
  page: number,
  pages: number,
  first: number,
  owner: number,
) {
  const kb = new InlineKeyboard();
  items.forEach((r, i) => {
    const n = first + i;
    kb.text(t("button-delete", { n }), encodeAction({ op: "delete", id: r.id, page }));
    kb.text(
      r.status === "paused" ? t("button-resume", { n }) : t("button-pause", { n }),
      encodeAction({ op: r.status === "paused" ? "resume" : "pause", id: r.id, page }),
    );
    kb.text(t("button-edit", { n }), encodeAction({ op: "edit", id: r.id })).row();
  });
  if (pages > 1) {
    if (page > 0) kb.text(t("button-prev"), encodeAction({ op: "page", page: page - 1, owner }));
    if (page < pages - 1) kb.text(t("button-next"), encodeAction({ op: "page", page: page + 1, owner }));
  }
  return kb;
}

export function deliveredKeyboard(t: (key: string) => string, id: number): InlineKeyboard {
  return new InlineKeyboard()
    .text(t("button-done"), encodeAction({ op: "done", id }))
    .row()
    .text(t("button-snooze-10m"), encodeAction({ op: "snooze", id, what: "10m" }))
    .text(t("button-snooze-1h"), encodeAction({ op: "snooze", id, what: "1h" }))
    .row()
    .text(t("button-snooze-morning"), encodeAction({ op: "snooze", id, what: "morning" }));
}

export function languageKeyboard(onboarding: boolean): InlineKeyboard {
  return new InlineKeyboard()
    .text("🇷🇺 Русский", encodeAction({ op: "lang", lang: "ru", onboarding }))
    .text("🇬🇧 English", encodeAction({ op: "lang", lang: "en", onboarding }));
}

export function settingsKeyboard(t: TranslateFunction): InlineKeyboard {
  return new InlineKeyboard()
    .text(t("button-language"), encodeAction({ op: "settings", what: "lang" }))
    .text(t("button-zone"), encodeAction({ op: "settings", what: "zone" }))
    .row()
    .text(t("button-quiet"), encodeAction({ op: "settings", what: "quiet" }));
}

/** Common quiet windows (minutes after local midnight). */
export const QUIET_CHOICES: Array<[number, number]> = [
  [22 * 60, 7 * 60],
  [23 * 60, 8 * 60],
  [0, 9 * 60],
  [21 * 60, 9 * 60],
];

export function quietKeyboard(t: TranslateFunction, label: (s: number, e: number) => string): InlineKeyboard {
  const kb = new InlineKeyboard();
  QUIET_CHOICES.forEach(([s, e], i) => {
    kb.text(label(s, e), encodeAction({ op: "quiet", start: s, end: e }));
    if (i % 2 === 1) kb.row();
  });
  return kb.row().text(t("button-quiet-off"), encodeAction({ op: "quiet-off" }));
}
