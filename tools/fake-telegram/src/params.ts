/** Bot API parameters as methods read them (pure). */
import { bad } from "./errors.ts";

/** Fields whose value is JSON when sent as a form field or query parameter. */
const JSON_FIELDS = new Set([
  "reply_markup",
  "allowed_updates",
  "commands",
  "scope",
  "entities",
  "link_preview_options",
  "reply_parameters",
]);

/** Parses JSON-valued fields sent as strings; leaves malformed ones as they are (the method says why). */
export function normalizeParams(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  for (const [key, value] of Object.entries(out)) {
    if (JSON_FIELDS.has(key) && typeof value === "string") {
      try {
        out[key] = JSON.parse(value);
      } catch {
        // kept as a string: the method's validation rejects it
      }
    }
  }
  return out;
}

/** An integer parameter, from a number or a numeric string; undefined when absent. */
export function intParam(params: Record<string, unknown>, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n)) throw bad(`invalid ${name} specified`);
  return n;
}

/** A boolean parameter as bots send it (true, "true", "1", 1). */
export const isTrue = (v: unknown): boolean => v === true || v === "true" || v === "1" || v === 1;
