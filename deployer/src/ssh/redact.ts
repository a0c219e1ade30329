/**
 * Redaction of secrets in streamed output. A secret may arrive split across chunks, so the
 * redactor holds back a tail that could still be the start of a secret (at most the longest secret
 * - 1 characters) until the next chunk decides. Overlapping occurrences are merged into one `[REDACTED]`, so no fragment of either leaks.
 */
import { StringDecoder } from "node:string_decoder";

export const REDACTED = "[REDACTED]";
/** Shorter values are too likely to be ordinary words or numbers to be worth hiding. */
export const MIN_SECRET_LENGTH = 6;

export interface Redactor {
  /** Takes the next chunk (bytes are decoded as UTF-8 across chunks); returns what is safe to show. */
  push(chunk: string | Buffer): string;
  /** Returns the rest; call once at the end of the stream. */
  end(): string;
}

interface Span {
  start: number;
  end: number;
}

function usableSecrets(secrets: readonly string[]): string[] {
  return [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))];
}

/** Every occurrence of every secret, overlapping ones merged, in order. */
function findSpans(text: string, secrets: readonly string[]): Span[] {
  const spans: Span[] = [];
  for (const secret of secrets) {
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) {
      spans.push({ start: at, end: at + secret.length });
    }
  }
  spans.sort((a, b) => a.start - b.start);
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span.start < last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}

function replaceSpans(text: string, spans: readonly Span[]): string {
  let out = "";
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + REDACTED;
    at = span.end;
  }
  return out + text.slice(at);
}

/** The first index whose remaining text is a proper prefix of some secret (text.length when none). */
function firstPartialStart(text: string, secrets: readonly string[]): number {
  let first = text.length;
  for (const secret of secrets) {
    // Only the last (secret.length - 1) positions can hold an unfinished occurrence.
    for (let p = Math.max(0, text.length - secret.length + 1); p < first; p++) {
      if (secret.startsWith(text.slice(p))) {
        first = p;
        break;
      }
    }
  }
  return first;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

export function createRedactor(secrets: readonly string[]): Redactor {
  const usable = usableSecrets(secrets);
  const decoder = new StringDecoder("utf8");
  let held = "";

  return {
    push(chunk) {
      const text = held + (typeof chunk === "string" ? chunk : decoder.write(chunk));
      if (usable.length === 0) {
        held = "";
        return text;
      }
      const spans = findSpans(text, usable);
      // Hold back from the first place where a secret might begin and continue in a later chunk;
      // a complete occurrence overlapping that place is held back whole, so merging still works.
      let cut = firstPartialStart(text, usable);
      const straddling = spans.find((s) => s.start < cut && s.end > cut);
      if (straddling) cut = straddling.start;
      // Never emit half of a surrogate pair (a chunk written on its own would turn it into U+FFFD).
      if (cut > 0 && isHighSurrogate(text.charCodeAt(cut - 1))) cut -= 1;
      held = text.slice(cut);
      return replaceSpans(
        text.slice(0, cut),
        spans.filter((s) => s.end <= cut),
      );
    },
    end() {
      const text = held + decoder.end();
      held = "";
      return replaceSpans(text, findSpans(text, usable));
    },
  };
}

/** Redacts a whole text at once. */
export function redactText(text: string, secrets: readonly string[]): string {
  return replaceSpans(text, findSpans(text, usableSecrets(secrets)));
}
