/** The handover's decisions, pure: whether to confirm the offset at step-down, and the polling gap. */

export interface OffsetState {
  /** `offset` of the last getUpdates sent (Telegram confirms everything below it on receipt). */
  lastSentOffset: number | undefined;
  /** The highest update_id received in this polling term. */
  lastReceivedId: number | undefined;
}

/**
 * The offset a final `getUpdates({offset, limit: 1, timeout: 0})` must confirm, or undefined when
 * none is needed: nothing was received, or the last request already carried that offset. Sending
 * one anyway would cost up to seconds, since Telegram may hold a short poll that repeats the
 * previous offset.
 */
export function offsetToConfirm(s: OffsetState): number | undefined {
  if (s.lastReceivedId === undefined) return undefined;
  const next = s.lastReceivedId + 1;
  if (s.lastSentOffset !== undefined && s.lastSentOffset >= next) return undefined;
  return next;
}

export interface HandoverGapInput {
  /** stopped_polling_at of the previous holder's record (ms since the epoch), when there is one. */
  previousStoppedAt: number | undefined;
  /** When this process got the lease. */
  acquiredAt: number;
  /** When this process sent its first getUpdates after that; undefined before. */
  firstPollAt: number | undefined;
  /** An older record belongs to an earlier handover, not to this one. */
  maxRecordAgeMs: number;
}

export interface HandoverGap {
  /** From the previous holder's last getUpdates ending to this one's first starting. */
  gapMs: number;
  /** When this process started polling (ISO). */
  at: string;
}

export function handoverGap(h: HandoverGapInput): HandoverGap | undefined {
  if (h.previousStoppedAt === undefined || h.firstPollAt === undefined) return undefined;
  if (h.acquiredAt - h.previousStoppedAt > h.maxRecordAgeMs) return undefined;
  return { gapMs: h.firstPollAt - h.previousStoppedAt, at: new Date(h.firstPollAt).toISOString() };
}
