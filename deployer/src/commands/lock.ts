/**
 * The deploy lock: `mkdir` is atomic, so exactly one of two racing deployers gets it. info.json
 * says who holds it, since when and doing what.
 */
import type { Argv } from "../ssh/types.js";
import type { Layout } from "./layout.js";

export interface LockInfo {
  by: string;
  at: string;
  action: string;
  tag?: string;
  pid: number;
}

/** Exit codes of the acquire script. */
export const LOCK_HELD = 3;

const ACQUIRE = [
  'if mkdir -- "$1" 2>/dev/null; then printf "%s\\n" "$2" > "$1/info.json"; exit 0; fi',
  'if [ -d "$1" ]; then cat -- "$1/info.json" 2>/dev/null || printf "{}\\n"; exit 3; fi',
  'printf "cannot create %s\\n" "$1" >&2; exit 1',
].join("\n");

export const acquire = (l: Layout, info: LockInfo): Argv => [
  "bash",
  "-c",
  ACQUIRE,
  "bash",
  l.lock,
  JSON.stringify(info),
];

export const release = (l: Layout): Argv => ["rm", "-rf", "--", l.lock];

export const read = (l: Layout): Argv => ["cat", "--", l.lockInfo];

export function parseLockInfo(text: string): LockInfo | undefined {
  try {
    const v: unknown = JSON.parse(text.trim());
    if (!v || typeof v !== "object") return undefined;
    const o = v as Record<string, unknown>;
    return {
      by: typeof o.by === "string" ? o.by : "someone unknown",
      at: typeof o.at === "string" ? o.at : "",
      action: typeof o.action === "string" ? o.action : "unknown",
      ...(typeof o.tag === "string" ? { tag: o.tag } : {}),
      pid: typeof o.pid === "number" ? o.pid : 0,
    };
  } catch {
    return undefined;
  }
}

/** A lock older than this is probably left by a lost connection; we say so, we never break it. */
export const STALE_AFTER_MS = 30 * 60_000;

export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const h = Math.round(m / 6) / 10;
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} days`;
}

/** "held by deploy@laptop since 2024-...Z (3 min ago), doing deploy v2" (+ stale hint). */
export function describeLock(info: LockInfo | undefined, now: number): string {
  if (!info) return "the deploy lock is held (no details: its info.json is missing or unreadable); `unlock` removes it";
  const at = Date.parse(info.at);
  const age = Number.isFinite(at) ? now - at : NaN;
  const ageText = Number.isFinite(age) ? ` (${formatAge(age)} ago)` : "";
  const doing = `${info.action}${info.tag ? ` ${info.tag}` : ""}`;
  const stale =
    Number.isFinite(age) && age > STALE_AFTER_MS
      ? `; it looks stale (${formatAge(age)} old): if no deploy is running, \`unlock\` removes it`
      : "";
  return `the deploy lock is held by ${info.by} since ${info.at || "an unknown time"}${ageText}, doing ${doing}${stale}`;
}
