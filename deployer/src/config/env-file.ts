/**
 * The production env file, checked before anything connects: every key of the example present,
 * no placeholder left, not tracked by git. Values are secrets: errors name keys, never values.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";

/**
 * An env file read as docker compose reads `env_file:`: `KEY=value` lines, optional `export `,
 * `#` comment lines, and after an unquoted value a ` #` comment; unquoted values are trimmed,
 * '...' is literal, "..." understands \n \r \t and a backslash before any other character;
 * quoted values may span lines. `${VAR}` is not interpolated: values are checked and redacted as written.
 */
export function parseEnv(text: string): Map<string, string> {
  const s = text.replace(/\r\n?/g, "\n");
  const out = new Map<string, string>();
  let i = 0;
  while (i < s.length) {
    const eol = s.indexOf("\n", i) < 0 ? s.length : s.indexOf("\n", i);
    const line = s.slice(i, eol);
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=[ \t]*/.exec(line);
    if (!m?.[1]) {
      i = eol + 1;
      continue;
    }
    const start = i + m[0].length;
    const quote = s[start];
    const close = quote === "'" || quote === '"' ? closingQuote(s, start + 1, quote) : -1;
    if (close >= 0) {
      const raw = s.slice(start + 1, close);
      out.set(m[1], quote === '"' ? raw.replace(/\\(.)/gs, (_, c: string) => ESCAPES[c] ?? c) : raw);
      const next = s.indexOf("\n", close);
      i = next < 0 ? s.length : next + 1; // what follows the closing quote on its line is a comment
    } else {
      const value = line.slice(m[0].length);
      const comment = value.search(/\s#/);
      out.set(m[1], (comment >= 0 ? value.slice(0, comment) : value).trim());
      i = eol + 1;
    }
  }
  return out;
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t" };

/** Index of the quote closing a value opened at from - 1 (a double-quoted one skips escaped characters), or -1. */
function closingQuote(s: string, from: number, quote: string): number {
  for (let i = from; i < s.length; i++) {
    if (quote === '"' && s[i] === "\\") i++;
    else if (s[i] === quote) return i;
  }
  return -1;
}

/** An env file parseEnv (and compose) reads back as `env`: values quoted only when they need it. */
export function formatEnv(env: Iterable<readonly [string, string]>, header = ""): string {
  const quoted = (v: string): string => {
    if (/^[A-Za-z0-9_@%+=:,./-]*$/.test(v)) return v;
    if (!/['\n]/.test(v)) return `'${v}'`;
    return `"${v.replace(/[\\"$]/g, "\\$&").replace(/\n/g, "\\n")}"`;
  };
  const lines = [...env].map(([k, v]) => `${k}=${quoted(v)}`);
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

/** Returns the env's values (for the redactor) or throws one line naming the problem. */
export function checkEnvFile(input: EnvCheckInput): Map<string, string> {
  const name = input.display ?? basename(input.envPath);
  if (input.tracked)
    throw new Error(
      `${name} is tracked by git: untrack it with \`git rm --cached ${name}\` (it stays on disk) and commit`,
    );
  if (!existsSync(input.envPath))
    throw new Error(`${name} is missing: copy .env.production.example to ${name} and fill every value`);
  const env = parseEnv(readFileSync(input.envPath, "utf8"));
  const example = existsSync(input.examplePath)
    ? parseEnv(readFileSync(input.examplePath, "utf8"))
    : new Map<string, string>();
  const missing = [...example.keys()].filter((k) => !env.has(k));
  if (missing.length > 0)
    throw new Error(`${name} lacks ${missing.join(", ")} (every key of .env.production.example is needed)`);
  const placeholders = [...env.entries()].filter(([, v]) => isPlaceholder(v)).map(([k]) => k);
  if (placeholders.length > 0)
    throw new Error(`${name}: ${placeholders.join(", ")} still empty or a placeholder such as change-me`);
  return env;
}

/**
 * Keys whose values are names, not secrets. POSTGRES_USER and POSTGRES_DB are usually the app's
 * name ("remindbot"), which is in every path on the server: redacting them turned
 * /opt/remindbot into /opt/[REDACTED] in the output the engine parses (unit checksums, paths).
 */
export const NOT_SECRET_KEYS: ReadonlySet<string> = new Set(["POSTGRES_USER", "POSTGRES_DB", "LOG_LEVEL"]);

/** Values long enough to redact (the redactor ignores short ones; see the SSH layer), names excepted. */
export function secretValues(env: Map<string, string>): string[] {
  return [...env].filter(([k, v]) => !NOT_SECRET_KEYS.has(k) && v.length >= 6).map(([, v]) => v);
}
