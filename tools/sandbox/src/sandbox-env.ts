/**
 * The sandbox's env (.sandbox/env): what .env.production is to a real server. Generated once, on the
 * first `up`; the values are secrets in form (never printed), test values in substance.
 */
import { randomBytes } from "node:crypto";

export type RandomBytes = (n: number) => Buffer;

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const TOKEN_TAIL = `${ALNUM}_-`;

/** n characters from alphabet; rejection sampling keeps the distribution uniform. */
export function randomString(n: number, alphabet: string, random: RandomBytes = randomBytes): string {
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < n) {
    for (const byte of random(n * 2)) {
      if (byte < limit && out.length < n) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

/** Shaped like a real bot token ("<bot id>:<35 characters>"), made at run time, valid nowhere. */
export function randomBotToken(random: RandomBytes = randomBytes): string {
  const id = randomString(1, "123456789", random) + randomString(9, "0123456789", random);
  return `${id}:${randomString(35, TOKEN_TAIL, random)}`;
}

export const ENV_KEYS = [
  "POSTGRES_USER",
  "POSTGRES_PASSWORD",
  "POSTGRES_DB",
  "BOT_TOKEN",
  "TELEGRAM_API_ROOT",
  "LOG_LEVEL",
  "ADMIN_CHAT_IDS",
] as const;

/** The admin chat of every sandbox: its deploys have the watchdog's alerts on, as a real one would. */
export const SANDBOX_ADMIN_CHAT = "5550001";

export type SandboxEnv = Record<(typeof ENV_KEYS)[number], string>;

export function generateSandboxEnv(telegramApiRoot: string, random: RandomBytes = randomBytes): SandboxEnv {
  return {
    POSTGRES_USER: "remindbot",
    // alphanumeric: safe in a connection URL and in compose's env-file syntax without quoting
    POSTGRES_PASSWORD: randomString(40, ALNUM, random),
    POSTGRES_DB: "remindbot",
    BOT_TOKEN: randomBotToken(random),
    TELEGRAM_API_ROOT: telegramApiRoot,
    LOG_LEVEL: "info",
    ADMIN_CHAT_IDS: SANDBOX_ADMIN_CHAT,
  };
}

/**
 * Completes an existing env: keeps every value already there (the database on the server was
 * initialised with that password), adds what is missing, and keeps TELEGRAM_API_ROOT current.
 */
export function completeSandboxEnv(existing: Record<string, string>, fresh: SandboxEnv): Record<string, string> {
  const out: Record<string, string> = { ...fresh, ...existing };
  out.TELEGRAM_API_ROOT = fresh.TELEGRAM_API_ROOT;
  return out;
}
