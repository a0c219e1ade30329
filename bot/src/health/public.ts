/**
 * /health for an external monitor (UptimeRobot and the like), served by a small process of its own
 * (the compose service `health`, opt-in): the bot's service may run two containers during a
 * handover, and only one of them could bind a host port, so the published port belongs to this
 * process, which asks every bot container and answers for the service.
 *
 * Public, so it says little: 200 {"ok":true} while some bot container is active and healthy, else
 * 503 {"ok":false}; no release, role or error text (the server's own /status and the deployer's
 * `status` have those). Every request within `cacheMs` of the last check gets that check's answer,
 * so a flood of requests costs the bot one probe (and one database ping) per period at most.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { createServer, type Server } from "node:http";
import { listen, type HealthServer } from "./server.js";

/** What one bot container answered: its HTTP status and body, or why there was no answer. */
export type BotAnswer = { status: number; body: unknown } | { error: string };

/** The service is up when one of its containers is active and healthy (a standby alone does not poll). */
export function judgePublic(answers: readonly BotAnswer[]): { status: 200 | 503; body: { ok: boolean } } {
  const up = answers.some((a) => {
    if (!("status" in a) || a.status !== 200) return false;
    const body = a.body as { ok?: unknown; role?: unknown } | null;
    return body?.ok === true && body.role === "active";
  });
  return up ? { status: 200, body: { ok: true } } : { status: 503, body: { ok: false } };
}

export interface PublicHealthOptions {
  port: number;
  host?: string;
  /** The bot's service name on the compose network: Docker's DNS answers one address per container. */
  upstreamHost: string;
  upstreamPort: number;
  /** How long one check's answer is served again. */
  cacheMs?: number;
  /** Each bot container gets this long to answer. */
  timeoutMs?: number;
  lookup?: (host: string) => Promise<string[]>;
  now?: () => number;
}

const lookupAll = async (host: string): Promise<string[]> =>
  (await dnsLookup(host, { all: true, family: 4 })).map((a) => a.address);

async function askBot(address: string, port: number, timeoutMs: number): Promise<BotAnswer> {
  try {
    const res = await fetch(`http://${address}:${port}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: judged not healthy
    }
    return { status: res.status, body };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

export async function startPublicHealth(o: PublicHealthOptions): Promise<HealthServer> {
  const cacheMs = o.cacheMs ?? 2000;
  const timeoutMs = o.timeoutMs ?? 3000;
  const lookup = o.lookup ?? lookupAll;
  const now = o.now ?? Date.now;
  let last: { at: number; answer: Promise<ReturnType<typeof judgePublic>> } | undefined;

  const check = async (): Promise<ReturnType<typeof judgePublic>> => {
    let addresses: string[];
    try {
      addresses = await lookup(o.upstreamHost);
    } catch {
      addresses = []; // no bot container on the network: down
    }
    return judgePublic(await Promise.all(addresses.map((a) => askBot(a, o.upstreamPort, timeoutMs))));
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if ((req.method !== "GET" && req.method !== "HEAD") || path !== "/health") {
      res.writeHead(404, { "content-type": "application/json" }).end('{"ok":false}');
      return;
    }
    // Requests while a check runs share it; so do those within cacheMs after it started.
    if (!last || now() - last.at >= cacheMs) last = { at: now(), answer: check() };
    void last.answer.then(({ status, body }) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : JSON.stringify(body));
    });
  });
  server.keepAliveTimeout = 1000;
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  return listen(server, o.port, o.host);
}
