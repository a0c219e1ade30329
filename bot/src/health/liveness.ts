/** The health rule, pure: the database answered and getUpdates succeeded recently. */
export interface HealthInput {
  dbOk: boolean;
  dbError?: string;
  /** ms since the epoch of the last successful getUpdates; undefined before the first. */
  lastPollAt: number | undefined;
  now: number;
  /** How old the last successful poll may be (a long poll lasts up to its timeout, ~30 s). */
  maxPollAgeMs: number;
}

export type Health = { ok: true; lastPollAgeMs: number } | { ok: false; reason: string };

export function judgeHealth(h: HealthInput): Health {
  if (!h.dbOk) return { ok: false, reason: `database: ${h.dbError ?? "not answering"}` };
  if (h.lastPollAt === undefined) return { ok: false, reason: "telegram: no successful getUpdates yet" };
  const age = h.now - h.lastPollAt;
  if (age > h.maxPollAgeMs)
    return { ok: false, reason: `telegram: last successful getUpdates ${Math.round(age / 1000)} s ago` };
  return { ok: true, lastPollAgeMs: age };
}
