/**
 * Liveness of long polling. A getUpdates in flight that follows a success (or is the first) counts
 * as alive now: an idle long poll is answered only after its timeout, and the bot is healthy
 * meanwhile. A failed poll leaves only the last success's time.
 */
export class PollTracker {
  private lastSuccess: number | undefined;
  private inFlight = false;
  private lastFailed = false;

  constructor(private readonly now: () => number = Date.now) {}

  started(): void {
    this.inFlight = true;
  }

  finished(ok: boolean): void {
    this.inFlight = false;
    this.lastFailed = !ok;
    if (ok) this.lastSuccess = this.now();
  }

  /**
   * A new polling term (the polling lease taken again): its first getUpdates counts as alive like
   * a first one, whatever ended the previous term (an abort, a 409).
   */
  restart(): void {
    this.lastFailed = false;
  }

  /** For judgeHealth: when polling was last known to work. */
  lastAliveAt(): number | undefined {
    return this.inFlight && !this.lastFailed ? this.now() : this.lastSuccess;
  }
}
