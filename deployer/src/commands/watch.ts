/**
 * The server watchdog's report (remote/bin/watchdog.sh writes APP_DIR/watch/status.json every
 * minute; docs/CONTRACTS.md): read for `status`, parsed here (pure) into what the status shows.
 */
import type { Argv } from "../ssh/types.js";
import { WATCH_STATUS } from "../stack/contract.js";
import type { Layout } from "./layout.js";

/** `cat` of the report; a server without a watchdog yet answers with exit 1 and nothing. */
export const readReport = (l: Layout): Argv => ["cat", "--", `${l.appDir}/${WATCH_STATUS}`];

export interface WatchSummary {
  /** When the watchdog last ran (ISO). */
  at: string;
  /** Alerts go to an admin chat (ADMIN_CHAT_IDS set). */
  alerts: boolean;
  incidents: Array<{ level: string; since: string; text: string }>;
  lastAlert?: { at: string; kind: string; text: string };
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** The report's incidents and last alert, or undefined when stdout is not the watchdog's JSON. */
export function parseReport(stdout: string): WatchSummary | undefined {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!v || typeof v !== "object" || !Array.isArray(v.incidents)) return undefined;
  const incidents = (v.incidents as Array<Record<string, unknown>>).map((i) => ({
    level: str(i.level),
    since: str(i.since),
    text: str(i.text),
  }));
  const last = v.lastAlert as Record<string, unknown> | null | undefined;
  return {
    at: str(v.at),
    alerts: v.alerts === true,
    incidents,
    ...(last && typeof last === "object"
      ? { lastAlert: { at: str(last.at), kind: str(last.kind), text: str(last.text) } }
      : {}),
  };
}

/** The lines `status` prints about the watchdog (the CLI and the UI alike). */
export function describeWatch(w: WatchSummary | undefined): string[] {
  if (!w) return ["watchdog: no report (not installed yet, or its timer is not running)"];
  const lines = [
    `watchdog: last ran ${w.at}; alerts ${w.alerts ? "on" : "off (no ADMIN_CHAT_IDS in the env)"}`,
    w.incidents.length === 0 ? "open incidents: none" : `open incidents: ${w.incidents.length}`,
    ...w.incidents.map((i) => `  ${i.level} since ${i.since}: ${i.text}`),
  ];
  if (w.lastAlert) {
    const first = w.lastAlert.text.split("\n")[0] ?? "";
    lines.push(`last alert: ${w.lastAlert.at} (${w.lastAlert.kind}) ${first}`);
  } else lines.push("last alert: none");
  return lines;
}
