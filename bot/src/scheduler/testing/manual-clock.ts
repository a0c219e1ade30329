/**
 * A clock for tests that moves only when told to. The scheduler's own decisions then follow it
 * exactly, while database round trips and NOTIFY stay real: `pass` and `passUntil` let clock time
 * go by in small steps and let real I/O finish between steps (`quiet`), so nothing sleeps for the
 * durations being tested and the clock never runs ahead of work in progress.
 */
import type { Clock, Timer } from "../clock.js";

interface Armed {
  at: number;
  seq: number;
  callback: () => void;
}

export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly armed = new Map<number, Armed>();

  /** Starts at `startMs` (default: the real time now, so rows the database dates itself stay comparable). */
  constructor(startMs = Date.now()) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimeout(callback: () => void, ms: number): Timer {
    const id = ++this.seq;
    this.armed.set(id, { at: this.t + (Number.isFinite(ms) ? Math.max(0, ms) : 0), seq: id, callback });
    return id;
  }

  clearTimeout(timer: Timer | undefined): void {
    if (typeof timer === "number") this.armed.delete(timer);
  }

  /** Due times of the armed timers, earliest first. */
  pending(): number[] {
    return [...this.armed.values()].map((a) => a.at).sort((a, b) => a - b);
  }

  /**
   * Moves time forward by `ms`, firing each timer that falls due on the way at its own time, in
   * order (timers armed by those callbacks included, when they fall due within `ms` too).
   */
  advance(ms: number): void {
    const end = this.t + Math.max(0, ms);
    for (;;) {
      let next: [number, Armed] | undefined;
      for (const entry of this.armed) {
        const [, a] = entry;
        if (a.at <= end && (!next || a.at < next[1].at || (a.at === next[1].at && a.seq < next[1].seq))) next = entry;
      }
      if (!next) break;
      this.armed.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].callback();
    }
    this.t = end;
  }
}

/** A real pause for I/O between steps (the global timer, not any clock). */
const yieldToIo = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PassOptions {
  /** Largest step of clock time (default 50 ms); a step also ends at the next armed timer. */
  stepMs?: number;
  /** Real time given to I/O after each step (default 2 ms). */
  ioMs?: number;
  /** Holds when no work is in progress (e.g. no query or send in flight): after each step, real time is given until it does. */
  quiet?: () => boolean;
}

const REAL_LIMIT_MS = 20_000;

async function settle(ioMs: number, quiet: (() => boolean) | undefined, realDeadline: number): Promise<void> {
  do await yieldToIo(ioMs);
  while (quiet && !quiet() && Date.now() < realDeadline);
}

function nextStep(clock: ManualClock, stepMs: number, left: number): number {
  const next = clock.pending()[0];
  const toNext = next === undefined ? stepMs : Math.max(0, next - clock.now());
  return Math.min(stepMs, toNext, left);
}

/** Lets `ms` of clock time pass, in steps (at most 20 s of real time). */
export async function pass(
  clock: ManualClock,
  ms: number,
  { stepMs = 50, ioMs = 2, quiet }: PassOptions = {},
): Promise<void> {
  const end = clock.now() + ms;
  const realDeadline = Date.now() + REAL_LIMIT_MS;
  do {
    clock.advance(nextStep(clock, stepMs, end - clock.now()));
    await settle(ioMs, quiet, realDeadline);
  } while (clock.now() < end && Date.now() < realDeadline);
}

/**
 * Lets clock time pass, in steps, until `pred` holds; false if it still does not once `maxMs` of
 * clock time (or, as a guard against a loop that never moves the clock, 20 s of real time) passed.
 */
export async function passUntil(
  clock: ManualClock,
  pred: () => boolean | Promise<boolean>,
  maxMs: number,
  { stepMs = 50, ioMs = 2, quiet }: PassOptions = {},
): Promise<boolean> {
  const end = clock.now() + maxMs;
  const realDeadline = Date.now() + REAL_LIMIT_MS;
  for (;;) {
    if (await pred()) return true;
    if (clock.now() >= end || Date.now() >= realDeadline) return false;
    clock.advance(nextStep(clock, stepMs, end - clock.now()));
    await settle(ioMs, quiet, realDeadline);
  }
}
