/**
 * The pre-commit guard's rules, as pure functions: a commit must not add an env file (other than
 * the example) nor anything shaped like a Telegram bot token. A guard for people; CI does not need it.
 */
import { basename } from "node:path";

export interface StagedFile {
  path: string;
  /** The staged content; undefined for binary or deleted files. */
  content?: string;
}

/** A Telegram bot token: numeric bot id, a colon, and a 35-character secret (30+ to be safe). */
export const TELEGRAM_TOKEN = /\b\d{6,}:[A-Za-z0-9_-]{30,}/;

const ALLOWED_ENV_FILES = new Set([".env.production.example"]);

/** True for `.env`, `.env.production`, `bot/.env.local`... but not for the committed example. */
export function isEnvFile(path: string): boolean {
  const name = basename(path);
  return (name === ".env" || name.startsWith(".env.")) && !ALLOWED_ENV_FILES.has(name);
}

/** One line per problem; an empty list lets the commit through. */
export function findSecretProblems(files: readonly StagedFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    if (isEnvFile(file.path)) {
      problems.push(`${file.path}: env files hold secrets and are never committed (git rm --cached ${file.path})`);
      continue;
    }
    const lines = file.content?.split("\n") ?? [];
    const at = lines.findIndex((line) => TELEGRAM_TOKEN.test(line));
    if (at >= 0) {
      problems.push(`${file.path}:${at + 1}: looks like a Telegram bot token; keep tokens in .env.production`);
    }
  }
  return problems;
}
