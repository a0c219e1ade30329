/**
 * LISTEN on a dedicated connection outside the pool, reconnecting by itself (with backoff) when
 * PostgreSQL restarts or the connection drops. After every (re)connect `onConnected` runs, since
 * notifications sent while disconnected are lost and the caller should look for due rows.
 */
import pg from "pg";
import { backoffMs } from "./backoff.js";
import { systemClock, type Clock, type Timer } from "./clock.js";
import type { SchedulerLogger } from "./types.js";

export interface ListenerOptions {
  config: pg.ClientConfig;
  channel: string;
  onNotify: (payload: string | undefined) => void;
  onConnected: () => void;
  logger?: SchedulerLogger;
  /** Reconnect backoff (defaults 250 ms doubling to 15 s). */
  retryBaseMs?: number;
  retryCapMs?: number;
  /** Times the reconnect backoff (default: the real clock). */
  clock?: Clock;
}

export interface Listener {
  /** Resolves after the first connection attempt, whether it succeeded or a retry is scheduled. */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly connected: boolean;
}

export function createListener(o: ListenerOptions): Listener {
  let client: pg.Client | undefined;
  let stopped = true;
  let connected = false;
  let failures = 0;
  let retryTimer: Timer | undefined;
  const clock = o.clock ?? systemClock;

  function scheduleReconnect(): void {
    if (stopped || retryTimer) return;
    const delay = backoffMs(++failures, o.retryBaseMs ?? 250, o.retryCapMs ?? 15_000);
    retryTimer = clock.setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
  }

  function drop(c: pg.Client, reason: string): void {
    if (client !== c) return; // an old connection's late event
    client = undefined;
    connected = false;
    c.removeAllListeners("notification");
    void c.end().catch(() => undefined);
    if (!stopped) {
      o.logger?.warn("scheduler: LISTEN connection lost, reconnecting", { reason });
      scheduleReconnect();
    }
  }

  async function connect(): Promise<void> {
    if (stopped) return;
    const c = new pg.Client({ ...o.config, keepAlive: true });
    client = c;
    // pg emits 'error' on a dropped connection; without a handler that would crash the process.
    c.on("error", (err) => drop(c, err.message));
    c.on("end", () => drop(c, "connection ended"));
    c.on("notification", (n) => {
      if (n.channel === o.channel) o.onNotify(n.payload);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(o.channel)}`);
    } catch (err) {
      drop(c, (err as Error).message);
      return;
    }
    if (client !== c || stopped) return;
    connected = true;
    if (failures > 0) o.logger?.info("scheduler: LISTEN connection back", { afterFailures: failures });
    failures = 0;
    o.onConnected();
  }

  return {
    get connected() {
      return connected;
    },
    async start() {
      if (!stopped) return;
      stopped = false;
      await connect();
    },
    async stop() {
      stopped = true;
      connected = false;
      clock.clearTimeout(retryTimer);
      retryTimer = undefined;
      const c = client;
      client = undefined;
      if (c) await c.end().catch(() => undefined);
    },
  };
}
