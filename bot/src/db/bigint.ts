/**
 * `bigint` columns come back from pg as strings; Telegram ids and our serial ids fit in 2^53, so
 * they are read back as JS numbers. A value that would lose precision is an error, never a
 * silently wrong id.
 */
import type { ValueTransformer } from "typeorm";

/** Parses an int8 value as read from pg (string, or number/bigint when a parser already ran). */
export function int8ToNumber(value: string | number | bigint): number {
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint value ${String(value)} does not fit a JS number exactly`);
  return n;
}

export const bigintTransformer: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | bigint | null) =>
    value === null || value === undefined ? value : int8ToNumber(value),
};
