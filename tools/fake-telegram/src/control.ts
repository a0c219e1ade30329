/**
 * The control plane under `/__control/`: the in-process API over HTTP, so tests drive a fake in
 * another process or a container the same way (client.ts is its other end).
 */
import type { CallFilter, ControlFault, UpdateInput } from "./types.ts";

/**
 * What the control plane drives: the in-process API (server.ts's FakeBotApi implements it). Its
 * answers go out as JSON, so they are `unknown` here; declared here so the two files do not import
 * each other.
 */
export interface Controlled {
  pushUpdate(input: UpdateInput | UpdateInput[], token?: string): unknown;
  calls(filter: CallFilter): unknown;
  cursor(): number;
  stats(): unknown;
  injectFault(spec: ControlFault): number;
  removeFault(id: number): boolean;
  clearFaults(): void;
  setChatMissing(chatId: number | string, missing?: boolean): void;
  reset(): void;
  lastGetUpdatesAt(token: string): number | undefined;
  pollingState(token: string): object;
  pollIntervals(token: string): unknown;
  longestPollGap(token: string, fromMs: number, toMs: number): unknown;
}

export interface ControlAnswer {
  status: number;
  body: unknown;
}

/** Answers one control request: `path` is what follows `/__control`. */
export function controlRequest(
  api: Controlled,
  method: string,
  path: string,
  q: URLSearchParams,
  body: Buffer,
): ControlAnswer {
  const ok = (result: unknown): ControlAnswer => ({ status: 200, body: { ok: true, result } });
  const fail = (code: number, description: string): ControlAnswer => ({
    status: code,
    body: { ok: false, error_code: code, description },
  });
  try {
    const json = (): unknown => (body.length === 0 ? {} : JSON.parse(body.toString("utf8")));
    const num = (name: string): number | undefined => {
      const raw = q.get(name);
      if (raw === null || raw === "") return undefined;
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got "${raw}"`);
      return n;
    };
    const route = `${method} ${path}`;
    if (route === "POST /updates") {
      return ok(api.pushUpdate(json() as UpdateInput | UpdateInput[], q.get("token") ?? undefined));
    }
    if (route === "GET /calls") {
      const filter: CallFilter = {};
      if (q.has("since")) filter.since = Number(q.get("since"));
      if (q.has("done_since")) filter.doneSince = Number(q.get("done_since"));
      if (q.has("method")) filter.method = q.get("method") ?? undefined;
      if (q.has("token")) filter.token = q.get("token") ?? undefined;
      if (q.has("chat_id")) filter.chatId = q.get("chat_id") ?? undefined;
      return ok(api.calls(filter));
    }
    if (route === "GET /cursor") return ok(api.cursor());
    if (route === "GET /stats") return ok(api.stats());
    if (route === "POST /faults") return ok({ id: api.injectFault(json() as ControlFault) });
    if (route === "DELETE /faults") return ok(api.clearFaults());
    const faultId = /^DELETE \/faults\/(\d+)$/.exec(route);
    if (faultId) return ok(api.removeFault(Number(faultId[1])));
    if (route === "POST /missing-chats") {
      const spec = json() as { chatId?: number | string; missing?: boolean };
      if (spec.chatId === undefined) return fail(400, "missing-chats: chatId is required");
      return ok(api.setChatMissing(spec.chatId, spec.missing ?? true));
    }
    if (route === "POST /reset") return ok(api.reset());
    if (route === "GET /last-get-updates") {
      const token = q.get("token") ?? "";
      return ok({ at: api.lastGetUpdatesAt(token) ?? null, ...api.pollingState(token) });
    }
    if (route === "GET /poll-gaps") {
      const token = q.get("token");
      const from = num("from");
      if (!token || from === undefined) return fail(400, "poll-gaps: token and from are required");
      const to = num("to") ?? Date.now();
      return ok({ intervals: api.pollIntervals(token), longest: api.longestPollGap(token, from, to) });
    }
    return fail(404, `Not Found: no control route ${route}`);
  } catch (err) {
    return fail(400, `Bad Request: ${(err as Error).message}`);
  }
}
