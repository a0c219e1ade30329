/** Errors shaped like the Bot API's: an HTTP status, Telegram's description, optional parameters. */
import type { FaultSpec } from "./types.ts";

export class ApiError extends Error {
  readonly code: number;
  readonly parameters: Record<string, unknown> | undefined;
  constructor(code: number, description: string, parameters?: Record<string, unknown>) {
    super(description);
    this.code = code;
    this.parameters = parameters;
  }
}

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: "Bad Request: chat not found",
  401: "Unauthorized",
  403: "Forbidden: bot was blocked by the user",
  404: "Not Found",
  409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** The error a fault spec produces. */
export function faultError(spec: FaultSpec): ApiError {
  if (spec.status === 429) return tooManyRequests(spec.retryAfter ?? 1, spec.description);
  return new ApiError(spec.status, spec.description ?? DEFAULT_DESCRIPTIONS[spec.status] ?? `Error ${spec.status}`);
}

export function tooManyRequests(retryAfter: number, description?: string): ApiError {
  return new ApiError(429, description ?? `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
}

export const bad = (description: string): ApiError => new ApiError(400, `Bad Request: ${description}`);

/** Anything a method threw, as the API answers it (a bug in the fake becomes a 500). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(500, `Internal Server Error: ${err instanceof Error ? err.message : String(err)}`);
}
