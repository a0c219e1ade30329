/** HTML parse-mode helpers: user text is always escaped before it reaches a message. */
import { truncate } from "../services/limits.js";

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function mention(userId: number, name: string | null): string {
  return `<a href="tg://user?id=${userId}">${escapeHtml(name?.trim() || String(userId))}</a>`;
}

/** The display name Telegram gives a user, bounded so a hostile name cannot bloat messages. */
export function displayName(from: { first_name: string; last_name?: string }): string {
  return truncate([from.first_name, from.last_name].filter(Boolean).join(" "), 64, "");
}
