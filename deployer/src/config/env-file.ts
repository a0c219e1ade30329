/**
 * The production env file, checked before anything connects: every key of the example present,
 * no placeholder left, not tracked by git. Values are secrets: errors name keys, never values.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { MIN_SECRET_LENGTH } from "../ssh/redact.js";
import { ConfigError } from "./errors.js";

/**
 * An env file read as docker compose reads `env_file:` (compose-go's dotenv): `KEY=value` lines,
 * optional `export `, `#` comment lines; an unquoted value ends at ` #` and is trimmed; '...' is
 * literal; "..." turns \n, \r, \" and \\ into what they stand for; quoted values may span lines,
 * and a quote right after a backslash does not close one. What compose would read differently from
 * this, or expand from the server's environment, is refused (one line naming the line and the key,
 * never the value), so the values checked and redacted here are the ones the bot gets: `$` outside
 * '...' (compose interpolates it), other backslash escapes, a quote never closed, text after a
 * closing quote, a key without `=`, a tab before `#`, an unquoted value starting with `#`.
 */
export function parseEnv(text: string, name = "env file"): Map<string, string> {
  const s = text.replace(/\r\n?/g, "\n");
  const out = new Map<string, string>();
  let i = 0;
  let lineNo = 1;
  const lineEnd = (from: number) => (s.indexOf("\n", from) < 0 ? s.length : s.indexOf("\n", from));
  while (i < s.length) {
    const eol = lineEnd(i);
    const line = s.slice(i, eol);
    const fail = (what: string): never => {
      throw new ConfigError(`${name}, line ${lineNo}: ${what}`);
    };
    if (/^\s*(#|$)/.test(line)) {
      i = eol + 1;
      lineNo++;
      continue;
    }
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*/.exec(line);
    if (!m?.[1]) fail("not KEY=value (a key is letters, digits and _; comment lines start with #)");
    const key = m![1]!;
    const start = i + m![0].length;
    const quote = s[start];
    if (quote === "'" || quote === '"') {
      const close = closingQuote(s, start + 1, quote);
      if (close < 0) fail(`${key}: its ${quote} quote is never closed`);
      const raw = s.slice(start + 1, close);
      // compose trims quote characters off the ends of what it found, so an escaped one there is lost.
      if (raw.endsWith(quote)) fail(`${key}: the value ends with an escaped ${quote}, which compose drops`);
      const after = lineEnd(close);
      if (!/^\s*(#.*)?$/.test(s.slice(close + 1, after))) fail(`${key}: only a comment may follow the closing quote`);
      out.set(key, quote === '"' ? unescapeDouble(raw, (what) => fail(`${key}: ${what}`)) : raw);
      lineNo += (s.slice(i, after).match(/\n/g) ?? []).length + 1;
      i = after + 1;
      continue;
    }
    let value = line.slice(m![0].length);
    // `KEY= # note` reads as a comment to a person; compose-go takes "# note" as the value.
    if (value.startsWith("#"))
      fail(`${key}: the value starts with # (compose takes it as the value, not a comment); quote it or fill it in`);
    const comment = value.indexOf(" #");
    if (comment >= 0) value = value.slice(0, comment);
    value = value.trimEnd();
    if (value.includes("$")) fail(`${key}: compose expands $ in unquoted values; put the value in '...'`);
    if (/\t#/.test(value))
      fail(`${key}: a tab before # (compose versions differ on it); use a space or quote the value`);
    out.set(key, value);
    i = eol + 1;
    lineNo++;
  }
  return out;
}

/** A double-quoted value's escapes, as compose reads them; what it would expand or read otherwise is refused. */
function unescapeDouble(raw: string, fail: (what: string) => never): string {
  if (raw.includes("$")) fail(`compose expands $ in "..." values; put the value in '...'`);
  return raw.replace(/\\([\s\S])/g, (_, c: string) => {
    const known = ESCAPES[c];
    return known ?? fail(`only \\n \\r \\" \\\\ are read the same by compose; put the value in '...'`);
  });
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", '"': '"', "\\": "\\" };

/** Index of the quote closing a value opened at from - 1, or -1: as compose, a quote after a backslash does not close. */
function closingQuote(s: string, from: number, quote: string): number {
  for (let i = from; i < s.length; i++) if (s[i] === quote && s[i - 1] !== "\\") return i;
  return -1;
}

/** An env file parseEnv (and compose) reads back as `env`: values quoted only when they need it. */
export function formatEnv(env: Iterable<readonly [string, string]>, header = ""): string {
  const quoted = (k: string, v: string): string => {
    if (/^[A-Za-z0-9_@%+=:,./-]*$/.test(v)) return v;
    if (!v.includes("'") && !v.endsWith("\\")) return `'${v}'`;
    if (!v.includes("$") && !v.endsWith('"'))
      return `"${v.replace(/[\\"]/g, "\\$&").replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
    throw new Error(
      `${k}: a value with ' and $ (or ending in " or \\) cannot be written so that compose reads it back`,
    );
  };
  const lines = [...env].map(([k, v]) => `${k}=${quoted(k, v)}`);
  return `${header}${lines.join("\n")}\n`;
}

const PLACEHOLDERS = [
  /^change[-_ ]?me$/i,
  /^changeme/i,
  /^<.*>$/,
  /^todo$/i,
  /^xxx+$/i,
  /^replace[-_ ]?me$/i,
  /^your[-_]/i,
];

export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  return v === "" || PLACEHOLDERS.some((re) => re.test(v));
}

export interface EnvCheckInput {
  envPath: string;
  examplePath: string;
  /** Whether git tracks envPath (the caller asks git). */
  tracked: boolean;
  /** How the user names the file in messages, e.g. ".env.production". */
  display?: string;
}

/**
 * Keys the bot reads that the example leaves out (docs/CONTRACTS.md, the compose invocation):
 * any other key is a typo or a leftover, refused rather than shipped silently.
 */
export const OPTIONAL_KEYS: ReadonlySet<string> = new Set([
  "TELEGRAM_API_ROOT",
  "HEALTH_PORT",
  "ADMIN_CHAT_IDS",
  "ALERT_LANG",
]);

/**
 * The owner's chats: the watchdog's alerts and the bot's /status (remote/bin/watchdog.sh). Optional:
 * without it alerts are off, and the deployer says so once per deploy.
 */
export const ADMIN_CHAT_IDS = "ADMIN_CHAT_IDS";

/** Why the watchdog would refuse the alert settings, or undefined (the same rules as watchdog.sh). */
export function alertSettingsProblem(env: ReadonlyMap<string, string>): string | undefined {
  const ids = env.get(ADMIN_CHAT_IDS);
  if (
    ids !== undefined &&
    !ids
      .split(/[ ,]+/)
      .filter(Boolean)
      .every((id) => /^-?[0-9]{1,20}$/.test(id))
  )
    return `${ADMIN_CHAT_IDS} must be chat ids separated by commas (e.g. 123456789,-1001234567890)`;
  const lang = env.get("ALERT_LANG");
  if (lang !== undefined && lang !== "en" && lang !== "ru") return "ALERT_LANG must be en or ru";
  return undefined;
}

/** Whether the env turns the owner's alerts on (at least one admin chat). */
export const alertsOn = (env: ReadonlyMap<string, string>): boolean =>
  (env.get(ADMIN_CHAT_IDS) ?? "").split(/[ ,]+/).some(Boolean);

/**
 * Keys whose values are names, not secrets. POSTGRES_USER and POSTGRES_DB are usually the app's
 * name ("remindbot"), which is in every path on the server: redacting them turned
 * /opt/remindbot into /opt/[REDACTED] in the output the engine parses (unit checksums, paths).
 */
export const NOT_SECRET_KEYS: ReadonlySet<string> = new Set([
  "POSTGRES_USER",
  "POSTGRES_DB",
  "LOG_LEVEL",
  "HEALTH_PORT",
  // chat ids address the owner; they grant nothing (the token does)
  "ADMIN_CHAT_IDS",
  "ALERT_LANG",
]);

/** Returns the env's values (for the redactor) or throws one line naming the problem. */
export function checkEnvFile(input: EnvCheckInput): Map<string, string> {
  const name = input.display ?? basename(input.envPath);
  if (input.tracked)
    throw new ConfigError(
      `${name} is tracked by git: untrack it with \`git rm --cached ${name}\` (it stays on disk) and commit`,
    );
  if (!existsSync(input.envPath))
    throw new ConfigError(`${name} is missing: copy .env.production.example to ${name} and fill every value`);
  const stat = statSync(input.envPath);
  if (!stat.isFile()) throw new ConfigError(`${name} is not a file: envFile names the env file itself`);
  // Secrets only the owner may read (the server's copy is 0600 too).
  if (process.platform !== "win32" && (stat.mode & 0o077) !== 0)
    throw new ConfigError(
      `${name} can be read or written by others (mode ${(stat.mode & 0o777).toString(8)}): run \`chmod 600 ${name}\``,
    );
  const env = parseEnv(readFileSync(input.envPath, "utf8"), name);
  const example = existsSync(input.examplePath)
    ? parseEnv(readFileSync(input.examplePath, "utf8"), basename(input.examplePath))
    : new Map<string, string>();
  const missing = [...example.keys()].filter((k) => !env.has(k));
  if (missing.length > 0)
    throw new ConfigError(`${name} lacks ${missing.join(", ")} (every key of .env.production.example is needed)`);
  const unknown = [...env.keys()].filter((k) => !example.has(k) && !OPTIONAL_KEYS.has(k));
  if (unknown.length > 0)
    throw new ConfigError(
      `${name}: unknown key(s) ${unknown.join(", ")} (the keys are those of .env.production.example, and optionally ${[...OPTIONAL_KEYS].join(", ")})`,
    );
  const alerts = alertSettingsProblem(env);
  if (alerts) throw new ConfigError(`${name}: ${alerts}`);
  const placeholders = [...env.entries()].filter(([, v]) => isPlaceholder(v)).map(([k]) => k);
  if (placeholders.length > 0)
    throw new ConfigError(`${name}: ${placeholders.join(", ")} still empty or a placeholder such as change-me`);
  // A shorter secret is not redacted from output (too likely to be an ordinary word or number).
  const short = [...env].filter(([k, v]) => !NOT_SECRET_KEYS.has(k) && v.length < MIN_SECRET_LENGTH).map(([k]) => k);
  if (short.length > 0)
    throw new ConfigError(
      `${name}: ${short.join(", ")} shorter than ${MIN_SECRET_LENGTH} characters: too short to keep out of output; use a longer value`,
    );
  return env;
}

/**
 * The secrets of the env file at path, for the redactor, read before anything connects; only its
 * syntax is checked here (the deploy's local check does the rest). Throws one line (ConfigError).
 */
export function envFileSecrets(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isFile())
    throw new ConfigError(`${basename(path)} is not a file: envFile names the env file itself`);
  return secretValues(parseEnv(readFileSync(path, "utf8"), basename(path)));
}

/** Values long enough to redact (the redactor ignores short ones), names excepted. */
export function secretValues(env: Map<string, string>): string[] {
  return [...env].filter(([k, v]) => !NOT_SECRET_KEYS.has(k) && v.length >= MIN_SECRET_LENGTH).map(([, v]) => v);
}
