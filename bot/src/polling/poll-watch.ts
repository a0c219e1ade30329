/**
 * Watches this process's getUpdates calls (an API transformer): the offsets sent and the updates
 * received in the current polling term, when the term's first call started and when the last one
 * ended. The runner keeps its offset to itself; the step-down needs it. Also logs the failures the
 * runner retries, since the runner runs silent (it would print stacks to stderr).
 */
import type { Transformer } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "../logging/logger.js";
import type { OffsetState } from "./rules.js";

export class PollWatch {
  #lastSentOffset: number | undefined;
  #lastReceivedId: number | undefined;
  #firstStartAt: number | undefined;
  #lastEndAt: number | undefined;
  #onFirstPoll: ((at: number) => void) | undefined;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts a polling term (the runner starts again from offset 0). */
  arm(onFirstPoll?: (at: number) => void): void {
    this.#lastSentOffset = undefined;
    this.#lastReceivedId = undefined;
    this.#firstStartAt = undefined;
    this.#onFirstPoll = onFirstPoll;
  }

  offsets(): OffsetState {
    return { lastSentOffset: this.#lastSentOffset, lastReceivedId: this.#lastReceivedId };
  }

  firstStartAt(): number | undefined {
    return this.#firstStartAt;
  }

  /** When the last getUpdates ended (answered, failed or aborted). */
  lastEndAt(): number | undefined {
    return this.#lastEndAt;
  }

  transformer(): Transformer {
    return (async (prev, method, payload, signal) => {
      if (method !== "getUpdates") return prev(method, payload, signal);
      const offset = (payload as { offset?: number } | undefined)?.offset;
      if (offset !== undefined) this.#lastSentOffset = offset;
      if (this.#firstStartAt === undefined) {
        this.#firstStartAt = this.now();
        this.#onFirstPoll?.(this.#firstStartAt);
      }
      try {
        const res = await prev(method, payload, signal);
        if (res.ok) {
          const last = (res.result as Update[]).at(-1)?.update_id;
          if (last !== undefined && (this.#lastReceivedId === undefined || last > this.#lastReceivedId))
            this.#lastReceivedId = last;
        } else if (res.error_code !== 409) {
          // A 409 is the supervisor's to report (it means this process was replaced).
          this.log.warn("getUpdates failed", { error: `${res.error_code}: ${res.description}` });
        }
        return res;
      } catch (err) {
        if (!signal?.aborted)
          this.log.warn("getUpdates failed", { error: err instanceof Error ? err.message : String(err) });
        throw err;
      } finally {
        this.#lastEndAt = this.now();
      }
    }) as Transformer;
  }
}
