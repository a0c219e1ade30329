/**
 * Redaction of secrets in log lines; pure, so the log format and tests share it. Each secret is
 * looked for in every form it takes in output (secretForms). The deployer's redactor has the same
 * list (deployer/src/ssh/redact.ts): the bot ships without the deployer, and a test checks the two agree.
 */

export const REDACTED = "[REDACTED]";
/** Shorter values are too likely to be ordinary words or numbers to be worth hiding. */
export const MIN_SECRET_LENGTH = 6;

/**
 * The forms a secret takes in output: as is; URL-encoded (a password in a connection string,
 * upper- and lower-case hex, `+` for spaces); JSON-escaped (a log line; also with Go's \u0026 for
 * & < > and \uXXXX for non-ASCII); and base64 (an Authorization header of user:password). A secret
 * inside a longer base64 text is encoded according to its offset modulo 3, so each of the three
 * encodings is kept without its first and last characters, which depend on the neighbouring bytes.
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

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Replaces every form of every secret (the longest first where two start at one place), and anything token-shaped. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const forms = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap(secretForms))].filter(
    (f) => f.length >= MIN_SECRET_LENGTH,
  );
  forms.sort((a, b) => b.length - a.length);
  let out = forms.length ? text.replace(new RegExp(forms.map(escapeRegExp).join("|"), "g"), REDACTED) : text;
  // Anything shaped like a Telegram bot token, known or not (e.g. inside an API URL in an error).
  out = out.replace(/\b\d{6,}:[A-Za-z0-9_-]{30,}\b/g, REDACTED);
  return out;
}
