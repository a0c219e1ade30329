/**
 * When each bot had a getUpdates open, and the longest stretch of a window with none open: the
 * bot's downtime as Telegram sees it (benchmarks measure a deploy's downtime with it).
 */
import type { Interval, PollGap } from "./types.ts";

/** Sorted by start, overlapping ones joined; an open interval (no `to`) swallows everything after it. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.from - b.from);
  const out: Interval[] = [];
  for (const next of sorted) {
    const last = out.at(-1);
    if (last && (last.to === undefined || next.from <= last.to)) {
      if (next.to === undefined) delete last.to;
      else if (last.to !== undefined) last.to = Math.max(last.to, next.to);
    } else {
      out.push({ ...next });
    }
  }
  return out;
}

/** The longest stretch of [from, to] covered by none of `intervals` (the first, of equal ones); ms 0 when covered. */
export function longestGap(intervals: readonly Interval[], from: number, to: number): PollGap {
  if (!(from <= to)) throw new Error(`longestPollGap: from (${from}) must not be after to (${to})`);
  let best: PollGap = { from, to: from, ms: 0 };
  let cursor = from;
  const consider = (end: number) => {
    if (end - cursor > best.ms) best = { from: cursor, to: end, ms: end - cursor };
  };
  for (const interval of mergeIntervals(intervals)) {
    const end = interval.to ?? Infinity;
    if (end < cursor) continue;
    if (interval.from >= to) break;
    if (interval.from > cursor) consider(interval.from);
    cursor = Math.max(cursor, end);
    if (cursor >= to) return best;
  }
  consider(to);
  return best;
}

/** The getUpdates intervals of every token, bounded (the oldest are forgotten first). */
export class PollTimeline {
  readonly maxIntervals: number;
  #closed = new Map<string, Interval[]>();

  constructor(maxIntervals: number) {
    this.maxIntervals = maxIntervals;
  }

  /** A getUpdates of `token` that was open from `from` to `to`. */
  add(token: string, from: number, to: number): void {
    let list = this.#closed.get(token);
    if (!list) this.#closed.set(token, (list = []));
    const last = list.at(-1);
    // polls of one bot follow each other: extend the last interval when they touch
    if (last?.to !== undefined && from >= last.from && from <= last.to) last.to = Math.max(last.to, to);
    else list.push({ from, to });
    if (list.length > this.maxIntervals) list.splice(0, Math.max(1, Math.floor(this.maxIntervals / 10)));
  }

  /** Merged intervals of `token`, oldest first, with the poll open now (since `openSince`) as an open one. */
  intervals(token: string, openSince?: number): Interval[] {
    const closed = this.#closed.get(token) ?? [];
    return mergeIntervals(openSince === undefined ? closed : [...closed, { from: openSince }]);
  }
}
