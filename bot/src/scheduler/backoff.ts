/** Exponential backoff with a cap and up to 20 % random spread, so many processes do not retry in step. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (0.8 + 0.2 * random()));
}
