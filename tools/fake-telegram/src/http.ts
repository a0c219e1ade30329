/** HTTP plumbing of the fake: request bodies in (JSON, form, multipart), JSON answers out. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./errors.ts";

const MAX_BODY_BYTES = 20 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, "Request Entity Too Large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Parameters from a JSON, urlencoded or multipart (text fields) body. */
export function parseBody(req: Pick<IncomingMessage, "headers">, body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const header = String(req.headers["content-type"] ?? "");
  const type = header.toLowerCase();
  if (type.startsWith("application/json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw new Error("Bad Request: can't parse JSON object");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error("Bad Request: parameters must be a JSON object");
    }
    return parsed as Record<string, unknown>;
  }
  if (type.startsWith("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(body.toString("utf8")));
  }
  if (type.startsWith("multipart/form-data")) {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(header);
    const mark = boundary?.[1] ?? boundary?.[2];
    if (!mark) throw new Error("Bad Request: multipart boundary is missing");
    return parseMultipart(body.toString("latin1"), mark);
  }
  return {};
}

/** Text fields of a multipart body (files are recorded by name only: the fake stores no media). */
function parseMultipart(raw: string, boundary: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of raw.split(`--${boundary}`)) {
    const split = part.indexOf("\r\n\r\n");
    if (split < 0) continue;
    const head = part.slice(0, split);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined) continue;
    const value = part.slice(split + 4).replace(/\r\n$/, "");
    out[name] = /filename=/i.test(head) ? `[file ${name}]` : Buffer.from(value, "latin1").toString("utf8");
  }
  return out;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** An ApiError as the Bot API answers it: `{ok:false, error_code, description, parameters?}`. */
export function sendApiError(res: ServerResponse, error: ApiError): void {
  const body: Record<string, unknown> = { ok: false, error_code: error.code, description: error.message };
  if (error.parameters) body["parameters"] = error.parameters;
  sendJson(res, error.code, body);
}
