/** The product's limits, and the pure checks the services and features share. */
/** Active and paused reminders a user may have at once (paused ones count: resuming must not exceed it). */
export const MAX_ACTIVE_REMINDERS = 100;
/** Unconfirmed drafts a user may have; a new one beyond that replaces the oldest. */
export const MAX_DRAFTS = 10;
/** A draft not confirmed within this is gone: its buttons answer "expired". */
export const DRAFT_TTL_MS = 24 * 3600 * 1000;
export const MAX_TEXT_LENGTH = 1000;
/** Reminders further ahead than this are refused as a typo rather than stored. */
export const MAX_AHEAD_MS = 10 * 366 * 24 * 3600 * 1000;
/** Longest input the parser is asked to read; longer messages are refused before parsing. */
export const MAX_INPUT_LENGTH = 4096;

/** Removes control characters (keeps newlines and tabs as spaces) and trims. */
export function cleanText(raw: string): string {
  return (
    raw
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF]/g, "")
      .replace(/[\t\n\r]+/g, " ")
      .replace(/ {2,}/g, " ")
      .trim()
  );
}

/** Counts user-perceived length in code points, as Telegram does closely enough. */
export function textLength(text: string): number {
  return [...text].length;
}

export type TextProblem = { kind: "empty" } | { kind: "too-long"; length: number };

export function checkText(text: string): TextProblem | null {
  if (text.length === 0) return { kind: "empty" };
  const length = textLength(text);
  if (length > MAX_TEXT_LENGTH) return { kind: "too-long", length };
  return null;
}

export function isValidDue(due: Date, now: Date): boolean {
  const t = due.getTime();
  return Number.isFinite(t) && t > now.getTime() && t - now.getTime() <= MAX_AHEAD_MS;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * At most `max` user-perceived characters of `text`, followed by `mark` when cut. Cuts between
 * graphemes, so an emoji (a surrogate pair, or a ZWJ sequence) is never split into invalid UTF-16
 * that Telegram may refuse.
 */
export function truncate(text: string, max: number, mark = "…"): string {
  if (text.length <= max) return text;
  let out = "";
  let n = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (n === max) return out + mark;
    out += segment;
    n++;
  }
  return out;
}
