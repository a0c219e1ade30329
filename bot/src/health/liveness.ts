/**
 * The health rule, pure. A standby (waiting for the polling lease) is healthy when the database
 * answers and getMe succeeded; an active process when the database answers and getUpdates
 * succeeded recently.
 */
export type Role = "standby" | "active";

export interface HealthInput {
  role: Role;
  dbOk: boolean;
  dbError?: string;
  /** getMe succeeded at start. */
  botReady: boolean;
  /** ms since the epoch of the last successful getUpdates; undefined before the first. */
  lastPollAt: number | undefined;
  now: number;
  /** How old the last successful poll may be (a long poll lasts up to its timeout, ~30 s). */
  maxPollAgeMs: number;
}

export type Health = { ok: true; lastPollAgeMs?: number } | { ok: false; reason: string };

export function judgeHealth(h: HealthInput): Health {
  if (!h.dbOk) return { ok: false, reason: `database: ${h.dbError ?? "not answering"}` };
  if (!h.botReady) return { ok: false, reason: "telegram: getMe has not succeeded" };
  if (h.role === "standby") return { ok: true };
  if (h.lastPollAt === undefined) return { ok: false, reason: "telegram: no successful getUpdates yet" };
  const age = h.now - h.lastPollAt;
  if (age > h.maxPollAgeMs)
    return { ok: false, reason: `telegram: last successful getUpdates ${Math.round(age / 1000)} s ago` };
  return { ok: true, lastPollAgeMs: age };
}

export interface HandoverInfo {
  gapMs: number;
  at: string;
}

export type HealthBody =
  | { ok: true; role: Role; release: string; lastPollAgeMs?: number; handover?: HandoverInfo }
  | { ok: false; role: Role; reason: string };

/** What GET /health answers: 200 with the role and release, or 503 with the reason. */
export function healthResponse(
  h: Health,
  about: { role: Role; release: string; handover?: HandoverInfo },
): { status: 200 | 503; body: HealthBody } {
  if (!h.ok) return { status: 503, body: { ok: false, role: about.role, reason: h.reason } };
  const body: HealthBody = { ok: true, role: about.role, release: about.release };
  if (h.lastPollAgeMs !== undefined) body.lastPollAgeMs = h.lastPollAgeMs;
  if (about.handover) body.handover = about.handover;
  return { status: 200, body };
}
