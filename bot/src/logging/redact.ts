/** Replaces every occurrence of the given secrets in a string; pure, so the log format and tests share it. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 3) continue;
    out = out.split(secret).join("[REDACTED]");
    // URL-encoded forms too (a password inside a connection string).
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join("[REDACTED]");
  }
  // Anything shaped like a Telegram bot token, known or not (e.g. inside an API URL in an error).
  return out.replace(/\b\d{6,}:[A-Za-z0-9_-]{30,}\b/g, "[REDACTED]");
}
