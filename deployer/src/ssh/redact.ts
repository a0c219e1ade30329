/**
 * Redaction of secrets in streamed output. A secret may arrive split across chunks, so the
 * redactor holds back a tail that could still be the start of a secret (at most the longest secret
 * - 1 characters) until the next chunk decides. Overlapping occurrences are merged into one `[REDACTED]`, so no fragment of either leaks.
 * Every secret is looked for in each form it can take in output (secretForms).
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
  const forms = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap(secretForms);
  return [...new Set(forms.filter((f) => f.length >= MIN_SECRET_LENGTH))];
}

/**
 * The forms a secret takes in output: as is; URL-encoded (a password in a connection string,
 * upper- and lower-case hex, `+` for spaces); JSON-escaped (a log line; also with Go's \u0026 for
 * & < > and \uXXXX for non-ASCII); and base64 (an Authorization header of user:password, a
 * config blob). A secret inside a longer base64 text is encoded according to its offset modulo 3,
 * so each of the three encodings is kept without its first and last characters, which depend on
 * the neighbouring bytes. The bot's logger has the same list (bot/src/logging/redact.ts; a test
 * checks they agree).
 */
export function secretForms(secret: string): string[] {
  const url = [encodeURIComponent(secret), encodeURIComponent(secret).replace(/[!'()*]/g, percent)];
  const urls = [...url, ...url.map((u) => u.replace(/%20/g, "+"))];
  const json = JSON.stringify(secret).slice(1, -1);
  const jsons = [json, json.replace(/[<>&\u2028\u2029]/g, unicodeEscape)];
  const asciiJsons = jsons.map((j) => j.replace(/[\u0080-\uffff]/g, unicodeEscape));
  const base64 = base64Cores(secret);
  return [
    ...new Set([
      secret,
      ...urls,
      ...urls.map((u) => u.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())),
      ...jsons,
      ...asciiJsons,
      ...asciiJsons.map((j) => j.replace(/\\u[0-9a-f]{4}/g, (e) => e.toUpperCase().replace("\\U", "\\u"))),
      ...base64,
      ...base64.map((b) => b.replace(/\+/g, "-").replace(/\//g, "_")),
    ]),
  ];
}

const percent = (c: string): string => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
const unicodeEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** The base64 characters that depend only on the secret's bytes, for each offset modulo 3. */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  return [0, 1, 2].map((k) => {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString("base64");
    return encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
  });
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

/** Redacts whole texts, the forms of the secrets worked out once (for many lines). */
export function textRedactor(secrets: readonly string[]): (text: string) => string {
  const usable = usableSecrets(secrets);
  return (text) => (usable.length === 0 ? text : replaceSpans(text, findSpans(text, usable)));
}

/** Redacts a whole text at once. */
export function redactText(text: string, secrets: readonly string[]): string {
  return textRedactor(secrets)(text);
}
