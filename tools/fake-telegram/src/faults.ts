/** Injected faults: a method (or any) answers an error status for the next N calls, for a while, or until removed. */
import { faultError } from "./errors.ts";
import type { FaultSpec } from "./types.ts";

interface ActiveFault {
  id: number;
  spec: FaultSpec;
  until: number;
  left: number;
}

export class Faults {
  #faults: ActiveFault[] = [];
  #nextId = 1;

  /** Returns the fault's id, for remove(). */
  inject(spec: FaultSpec): number {
    if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599) {
      throw new Error(`injectFault: status must be an HTTP error status (400-599), got ${String(spec.status)}`);
    }
    const id = this.#nextId++;
    this.#faults.push({
      id,
      spec: { ...spec, method: spec.method?.toLowerCase() },
      until: spec.durationMs === undefined ? Infinity : Date.now() + spec.durationMs,
      left: spec.count ?? Infinity,
    });
    return id;
  }

  remove(id: number): boolean {
    const before = this.#faults.length;
    this.#faults = this.#faults.filter((f) => f.id !== id);
    return this.#faults.length < before;
  }

  clear(): void {
    this.#faults = [];
  }

  /** Throws the first live fault matching the call (`method` lower-case), using up one of its count. */
  check(token: string, method: string, params: Record<string, unknown>): void {
    const now = Date.now();
    this.#faults = this.#faults.filter((f) => f.left > 0 && f.until > now);
    const chat = params["chat_id"] === undefined ? undefined : String(params["chat_id"]);
    const fault = this.#faults.find(
      (f) =>
        (f.spec.method === undefined || f.spec.method === method) &&
        (f.spec.token === undefined || f.spec.token === token) &&
        (f.spec.chatId === undefined || String(f.spec.chatId) === chat),
    );
    if (!fault) return;
    fault.left--;
    throw faultError(fault.spec);
  }
}
