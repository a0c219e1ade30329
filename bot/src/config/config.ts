/**
 * The bot's configuration, read from the environment once at start and validated by hand (no
 * schema library in the image). A bad or missing key throws a ConfigError whose one-line message
 * names the key and never contains a secret value.
 */
import { botRelease } from "../version.js";

export type LogLevel = "error" | "warn" | "info" | "http" | "verbose" | "debug" | "silly";
const LOG_LEVELS: readonly LogLevel[] = ["error", "warn", "info", "http", "verbose", "debug", "silly"];

export interface Config {
  botToken: string;
  /** Full connection string, built from POSTGRES_* when DATABASE_URL is absent. */
  databaseUrl: string;
  /** The database password (from DATABASE_URL or POSTGRES_PASSWORD), kept for the log redactor. */
  databasePassword: string | undefined;
  telegramApiRoot: string;
  logLevel: LogLevel;
  healthPort: number;
  /** ADMIN_CHAT_IDS: the owner's chats, the only ones /status answers (none: it answers nowhere). */
  adminChatIds: number[];
  /** The watchdog's report (remote/bin/watchdog.sh), mounted read-only by the compose file. */
  watchStatusFile: string;
  release: string;
  production: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`config: ${key} ${reason}`);
    this.name = "ConfigError";
  }
}

// Telegram's tokens are "<digits>:<35 chars>"; tests use short ones such as "123:test".
const TOKEN_SHAPE = /^\d+:[A-Za-z0-9_-]+$/;

function present(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const value = env[key]?.trim();
  return value ? value : undefined;
}

function required(env: NodeJS.ProcessEnv, key: string): string {
  const value = present(env, key);
  if (value === undefined) throw new ConfigError(key, "is missing");
  return value;
}

function port(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = present(env, key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw new ConfigError(key, `must be a port number 1-65535, got "${raw.slice(0, 20)}"`);
  }
  return n;
}

/** Chat ids separated by commas (or spaces); a group's is negative. */
function chatIds(env: NodeJS.ProcessEnv, key: string): number[] {
  const parts = (present(env, key) ?? "").split(/[ ,]+/).filter(Boolean);
  if (!parts.every((p) => /^-?\d{1,16}$/.test(p))) throw new ConfigError(key, "must be chat ids separated by commas");
  return parts.map(Number);
}

function httpUrl(key: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(key, "is not a valid URL");
  }
  return url;
}

function databaseFromEnv(env: NodeJS.ProcessEnv): { url: string; password: string | undefined } {
  const direct = present(env, "DATABASE_URL");
  if (direct !== undefined) {
    const url = httpUrl("DATABASE_URL", direct);
    if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
      throw new ConfigError("DATABASE_URL", "must start with postgres:// or postgresql://");
    }
    return { url: direct, password: url.password ? decodeURIComponent(url.password) : undefined };
  }
  const host = required(env, "POSTGRES_HOST");
  const dbPort = port(env, "POSTGRES_PORT", 5432);
  const user = required(env, "POSTGRES_USER");
  const password = required(env, "POSTGRES_PASSWORD");
  const db = required(env, "POSTGRES_DB");
  const url = new URL("postgres://placeholder");
  url.hostname = host;
  url.port = String(dbPort);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  url.pathname = `/${encodeURIComponent(db)}`;
  return { url: url.toString(), password };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const botToken = required(env, "BOT_TOKEN");
  if (!TOKEN_SHAPE.test(botToken)) throw new ConfigError("BOT_TOKEN", "does not look like a bot token (digits:secret)");

  const database = databaseFromEnv(env);

  const apiRoot = present(env, "TELEGRAM_API_ROOT") ?? "https://api.telegram.org";
  const apiUrl = httpUrl("TELEGRAM_API_ROOT", apiRoot);
  if (apiUrl.protocol !== "http:" && apiUrl.protocol !== "https:") {
    throw new ConfigError("TELEGRAM_API_ROOT", "must be an http(s) URL");
  }

  const level = (present(env, "LOG_LEVEL") ?? "info").toLowerCase();
  if (!LOG_LEVELS.includes(level as LogLevel)) {
    throw new ConfigError("LOG_LEVEL", `must be one of ${LOG_LEVELS.join(", ")}`);
  }

  return {
    botToken,
    databaseUrl: database.url,
    databasePassword: database.password,
    telegramApiRoot: apiRoot.replace(/\/+$/, ""),
    logLevel: level as LogLevel,
    healthPort: port(env, "HEALTH_PORT", 8080),
    adminChatIds: chatIds(env, "ADMIN_CHAT_IDS"),
    watchStatusFile: present(env, "WATCH_STATUS_FILE") ?? "/srv/watch/status.json",
    release: botRelease(env),
    production: env.NODE_ENV === "production",
  };
}

/** The values the logger must never print. */
export function secretsOf(config: Pick<Config, "botToken" | "databasePassword">): string[] {
  return [config.botToken, config.databasePassword].filter((s): s is string => typeof s === "string" && s.length >= 3);
}
