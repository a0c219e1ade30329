/**
 * GET /health on HEALTH_PORT: 200 {"ok":true,"role",...} while judgeHealth says so, else 503
 * {"ok":false,"role","reason"} (docs/CONTRACTS.md).
 */
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { healthResponse, judgeHealth } from "./liveness.js";
import type { HandoverInfo, Role } from "./liveness.js";

export interface HealthServerOptions {
  port: number;
  host?: string;
  /** Runs SELECT 1 (bounded by dbTimeoutMs). */
  pingDb: () => Promise<void>;
  lastPollAt: () => number | undefined;
  /** "standby" until the process holds the polling lease; "active" when absent. */
  role?: () => Role;
  /** getMe succeeded; true when absent. */
  botReady?: () => boolean;
  /** This process's takeover, when it took over from a recent step-down. */
  handover?: () => HandoverInfo | undefined;
  maxPollAgeMs?: number;
  dbTimeoutMs?: number;
  release?: string;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export async function startHealthServer(o: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/health") {
      res.writeHead(404, { "content-type": "application/json" }).end('{"ok":false,"reason":"not found"}');
      return;
    }
    void (async () => {
      let dbOk = true;
      let dbError: string | undefined;
      try {
        await withTimeout(o.pingDb(), o.dbTimeoutMs ?? 2000);
      } catch (err) {
        dbOk = false;
        dbError = err instanceof Error ? err.message.split("\n")[0] : String(err);
      }
      const role = o.role?.() ?? "active";
      const h = judgeHealth({
        role,
        dbOk,
        dbError,
        botReady: o.botReady?.() ?? true,
        lastPollAt: o.lastPollAt(),
        now: Date.now(),
        maxPollAgeMs: o.maxPollAgeMs ?? 90_000,
      });
      const { status, body } = healthResponse(h, { role, release: o.release ?? "dev", handover: o.handover?.() });
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    })();
  });
  server.keepAliveTimeout = 1000;
  return listen(server, o.port, o.host);
}

/** Listens on host:port (every interface by default); close() also drops kept-alive connections. */
export async function listen(server: Server, port: number, host = "0.0.0.0"): Promise<HealthServer> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
