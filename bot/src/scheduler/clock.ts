/**
 * The scheduler's one source of time: what time it is and how to wait. Every time decision of the
 * scheduler (due rows, leases, holds, 429 pauses, pacing, backoff, timers) goes through one Clock,
 * so a test can swap in a manual one (./testing/manual-clock.ts) and let time pass without sleeping.
 */

/** An armed timer, as returned by `Clock.setTimeout`; only good for handing back to `clearTimeout`. */
export type Timer = unknown;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once, `ms` from now. */
  setTimeout(callback: () => void, ms: number): Timer;
  /** Disarms a timer; a timer that already fired, or undefined, is ignored. */
  clearTimeout(timer: Timer | undefined): void;
}

/** The real clock: Date.now and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
};

/** Resolves after `ms` by `clock`. */
export function sleepFor(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => void clock.setTimeout(resolve, ms));
}
