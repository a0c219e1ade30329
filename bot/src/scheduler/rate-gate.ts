/**
 * Paces sends below Telegram's limits (about 30 messages a second overall, 1 a second per chat), so
 * the bot rarely meets a 429 at all. Slots are spaced evenly rather than in bursts: any one-second
 * window then holds at most `perSecond` of them. A message waiting for its chat's slot does not hold
 * back other chats: it takes a later global slot and leaves the earlier ones free. Pure: time is
 * passed in.
 */
export interface RateLimit {
  /** Messages a second across all chats. */
  perSecond: number;
  /** Messages a second to one chat (default: no per-chat limit). */
  perChatPerSecond?: number;
}

export interface RateGate {
  /** Reserves the earliest slot for a message to `chatId`; returns how long to wait for it, in ms. */
  reserve(chatId: number, nowMs: number): number;
}

export function createRateGate(limit: RateLimit): RateGate {
  if (!(limit.perSecond > 0)) throw new RangeError(`rate limit: perSecond must be positive, got ${limit.perSecond}`);
  // A hair over the exact spacing, so float rounding never squeezes one extra slot into a second.
  const spacing = 1000 / limit.perSecond + 1e-6;
  const chatSpacing = limit.perChatPerSecond ? 1000 / limit.perChatPerSecond : 0;
  // Reserved global slots, ascending; only those that can still conflict with a new one are kept.
  let slots: number[] = [];
  const nextByChat = new Map<number, number>();
  return {
    reserve(chatId, nowMs) {
      slots = slots.filter((s) => s > nowMs - spacing);
      let at = Math.max(nowMs, chatSpacing ? (nextByChat.get(chatId) ?? 0) : 0);
      let index = 0;
      for (; index < slots.length; index++) {
        const s = slots[index]!;
        if (s >= at + spacing) break; // fits in the gap before this slot
        if (s > at - spacing) at = s + spacing; // too close: move past it
      }
      slots.splice(index, 0, at);
      if (chatSpacing) {
        nextByChat.set(chatId, at + chatSpacing);
        // Forget chats whose next slot has passed, so the map stays as small as recent traffic.
        if (nextByChat.size > 10_000) for (const [c, t] of nextByChat) if (t <= nowMs) nextByChat.delete(c);
      }
      return at - nowMs;
    },
  };
}
