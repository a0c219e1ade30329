/**
 * The production env file, checked before anything connects: every key of the example present,
 * no placeholder left, not tracked by git. Values are secrets: errors name keys, never values.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";

export function parseEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m?.[1]) continue;
    let v = m[2] ?? "";
    if (
      (v.startsWith('"') && v.endsWith('"') && v.length >= 2) ||
      (v.startsWith("'") && v.endsWith("'") && v.length >= 2)
    )
      v = v.slice(1, -1);
    out.set(m[1], v);
  }
  return out;
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
