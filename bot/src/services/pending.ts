/**
 * What the bot waits for from a user between two messages (a time zone, the new text of an edited
 * reminder). In memory with a time limit: losing it on restart only means the user repeats a step.
 */
export type Pending = { kind: "zone" } | { kind: "edit"; reminderId: number };

const TTL_MS = 15 * 60 * 1000;

export class PendingInputs {
  private readonly entries = new Map<number, { pending: Pending; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  set(userId: number, pending: Pending): void {
    this.entries.set(userId, { pending, until: this.now() + TTL_MS });
    if (this.entries.size > 10_000) this.sweep();
  }

  get(userId: number): Pending | undefined {
    const entry = this.entries.get(userId);
    if (!entry) return undefined;
    if (entry.until < this.now()) {
      this.entries.delete(userId);
      return undefined;
    }
    return entry.pending;
  }

  clear(userId: number): void {
    this.entries.delete(userId);
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) if (entry.until < now) this.entries.delete(id);
  }
}
