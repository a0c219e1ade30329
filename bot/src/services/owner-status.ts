/**
 * The owner's /status: the watchdog's report (watch/status.json, written every minute on the
 * server by remote/bin/watchdog.sh and mounted read-only into the bot's container) read
 * tolerantly, and the answer's lines built from it and the bot's own figures. Pure.
 */

export interface WatchReport {
  at?: string;
  incidents: Array<{ key: string; level: string; since: string; text: string }>;
  lastDeploy?: { at?: string; action?: string; tag?: string; result?: string };
  disk: Array<{ mount: string; freeMb: number; totalMb: number }>;
  backup?: {
    newest?: string | null;
    newestAt?: string | null;
    lastRun?: { result: string; at: string } | null;
    drill?: { result: string; at: string } | null;
  };
}

/** The report from the file's text, or undefined when it is missing or not the watchdog's JSON. */
export function parseWatchReport(text: string | undefined): WatchReport | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as Partial<WatchReport>;
    if (!v || typeof v !== "object" || !Array.isArray(v.incidents)) return undefined;
    return { ...v, incidents: v.incidents, disk: Array.isArray(v.disk) ? v.disk : [] };
  } catch {
    return undefined;
  }
}

export interface StatusFacts {
  release: string;
  uptimeMs: number;
  now: Date;
  dueNextHour: number;
  report: WatchReport | undefined;
}

type T = (key: string, args?: Record<string, string | number>) => string;

const minutes = (ms: number): string => {
  const m = Math.max(0, Math.floor(ms / 60_000));
  return m < 60 ? `${m} min` : m < 48 * 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${Math.floor(m / 1440)} d`;
};

const ago = (iso: string | null | undefined, now: Date): string => {
  const at = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(at)
    ? "?"
    : `${iso!.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC")} (${minutes(now.getTime() - at)})`;
};

/** The lines of the answer, in the chat's language through t. */
export function statusLines(f: StatusFacts, t: T): string[] {
  const r = f.report;
  const lines = [t("status-title"), t("status-release", { release: f.release, uptime: minutes(f.uptimeMs) })];
  lines.push(t("status-due", { count: f.dueNextHour }));
  if (!r) return [...lines, t("status-no-report")];
  const d = r.lastDeploy;
  lines.push(
    t("status-deploy", {
      deploy: d ? `${d.action ?? "?"} ${d.tag ?? "?"} ${d.result ?? "?"}, ${ago(d.at, f.now)}` : "—",
    }),
  );
  const b = r.backup;
  const run = (x: { result: string; at: string } | null | undefined) => (x ? `${x.result}, ${ago(x.at, f.now)}` : "—");
  lines.push(
    t("status-backup", { newest: b?.newest ? `${b.newest}, ${ago(b.newestAt, f.now)}` : "—", run: run(b?.lastRun) }),
  );
  lines.push(t("status-drill", { run: run(b?.drill) }));
  lines.push(
    t("status-disk", {
      disk: r.disk.map((x) => `${x.mount} ${x.freeMb} MiB / ${x.totalMb} MiB`).join("; ") || "—",
    }),
  );
  lines.push(t("status-incidents", { count: r.incidents.length }));
  for (const i of r.incidents) lines.push(`• ${i.level}: ${i.text} (${ago(i.since, f.now)})`);
  if (r.at && f.now.getTime() - Date.parse(r.at) > 5 * 60_000)
    lines.push(t("status-report-old", { at: ago(r.at, f.now) }));
  return lines;
}
