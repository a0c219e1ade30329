/**
 * A log line as a person reads it. `docker compose logs --timestamps` gives
 * `bot-1 | 2026-12-01T22:15:22.653214189Z {"level":"info","message":"…",…}`; the bot's JSON becomes
 * `time level message key=value…`, anything else (PostgreSQL) stays as it came. Parsed when first
 * drawn, filtered or levelled (most lines of a fast stream never are), then kept in a bounded cache;
 * the time is drawn per frame, since `t` switches it.
 */
export type Level = "error" | "warn" | "info" | "debug";

export interface ParsedLine {
  /** The server's timestamp as it came (UTC), if the line had one. */
  at?: string;
  level: Level;
  /** What a filter searches and what is drawn after the time: level, message, key=value… */
  body: string;
  /** The bot's JSON record, for Enter's expanded view; undefined for other lines. */
  json?: string;
}

const PREFIX = /^(\S+)\s+\|\s(?:(\d{4}-\d\d-\d\dT[\d:.]+Z)\s)?/;
const ERROR_RE = /\b(error|err|fatal|panic|crit(ical)?|exception)\b/i;
const WARN_RE = /\b(warn|warning)\b/i;
const LEVELS: Record<string, Level> = {
  error: "error",
  fatal: "error",
  crit: "error",
  warn: "warn",
  warning: "warn",
  info: "info",
  http: "info",
  verbose: "debug",
  debug: "debug",
  silly: "debug",
};

/** A level guessed from words, for lines that do not say theirs (PostgreSQL's ERROR:, WARNING:). */
export function detectLevel(text: string): Level {
  if (ERROR_RE.test(text)) return "error";
  if (WARN_RE.test(text)) return "warn";
  return "info";
}

function value(v: unknown): string {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return typeof v === "string" && /[\s"=]/.test(s) ? JSON.stringify(s) : s;
}

export function parseLine(raw: string): ParsedLine {
  const prefix = PREFIX.exec(raw);
  const rest = prefix ? raw.slice(prefix[0].length) : raw;
  const at = prefix?.[2];
  if (rest.startsWith("{")) {
    try {
      const record = JSON.parse(rest) as Record<string, unknown>;
      if (record && typeof record === "object" && !Array.isArray(record)) {
        const { level, message, timestamp, ...fields } = record;
        const lvl = LEVELS[String(level).toLowerCase()] ?? detectLevel(String(level ?? ""));
        const kv = Object.entries(fields).map(([k, v]) => `${k}=${value(v)}`);
        const body = [lvl.padEnd(5), message === undefined ? "" : String(message), ...kv].join(" ").trimEnd();
        const when = at ?? (typeof timestamp === "string" ? timestamp : undefined);
        return { ...(when ? { at: when } : {}), level: lvl, body, json: rest };
      }
    } catch {
      // Not JSON after all: shown as it came.
    }
  }
  return { level: detectLevel(raw), body: raw };
}

/** Parsed lines kept: more than the log view's ring (5000), so filtering the whole ring hits. */
export const PARSE_CACHE_SIZE = 8192;
const cache = new Map<string, ParsedLine>();

/** parseLine through a bounded cache (the oldest entry goes first): a line is parsed once, not per frame. */
export function parsed(raw: string): ParsedLine {
  let p = cache.get(raw);
  if (p === undefined) {
    p = parseLine(raw);
    if (cache.size >= PARSE_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(raw, p);
  }
  return p;
}

/** The time column: local HH:MM:SS, or the server's UTC timestamp (to the millisecond) with `utc`. */
export function timeText(at: string | undefined, utc: boolean, offsetMinutes?: (d: Date) => number): string {
  if (!at) return "";
  if (utc) return at.replace(/(\.\d{3})\d*Z$/, "$1Z");
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  const offset = offsetMinutes ? offsetMinutes(d) : -d.getTimezoneOffset();
  return new Date(d.getTime() + offset * 60_000).toISOString().slice(11, 19);
}

/** The line as drawn: time (JSON lines only), then the body. */
export function displayText(line: ParsedLine, utc: boolean, offsetMinutes?: (d: Date) => number): string {
  if (line.json === undefined) return line.body;
  const time = timeText(line.at, utc, offsetMinutes);
  return time ? `${time} ${line.body}` : line.body;
}

/** Enter's view of a line: its JSON indented, or the line itself. */
export function expanded(line: ParsedLine & { text: string }): string[] {
  if (line.json === undefined) return [line.text];
  return JSON.stringify(JSON.parse(line.json), null, 2).split("\n");
}
