/**
 * The deploy lock (remote/bin/lock.sh): `mkdir` is atomic, so exactly one of two racing deployers
 * gets it. info.json says who holds it, since when and doing what. Exit codes: stack/contract.ts
 * (LOCK_HELD, LOCK_EXIT).
 */
import type { Layout } from "./layout.js";
import { scriptCall, type ScriptCall } from "./script.js";

export interface LockInfo {
  by: string;
  at: string;
  action: string;
  tag?: string;
  pid: number;
}

const LOCK_SH = "remote/bin/lock.sh";

/** Exit 0 taken; LOCK_HELD with the holder's info.json on stdout; 1 cannot create. */
export const acquire = (l: Layout, info: LockInfo): ScriptCall =>
  scriptCall(LOCK_SH, "acquire", l.lock, JSON.stringify(info));

export const release = (l: Layout): ScriptCall => scriptCall(LOCK_SH, "release", l.lock);

/** The holder's info.json; exit 1 when there is none. */
export const read = (l: Layout): ScriptCall => scriptCall(LOCK_SH, "read", l.lock);

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
