/** history.jsonl: one JSON object per deploy/rollback/restore, appended, never rewritten. */
import type { Argv } from "../ssh/types.js";
import type { Layout } from "./layout.js";
import { scriptCall, type ScriptCall } from "./script.js";
import type { Arg } from "./late.js";

export interface HistoryEntry {
  at: string;
  action: string;
  tag: string;
  commit: string;
  by: string;
  result: string;
  durationMs: number;
  detail?: string;
}

export function historyLine(e: HistoryEntry): string {
  const o: HistoryEntry = {
    at: e.at,
    action: e.action,
    tag: e.tag,
    commit: e.commit,
    by: e.by,
    result: e.result,
    durationMs: Math.round(e.durationMs),
    ...(e.detail !== undefined ? { detail: e.detail.replace(/\s+/g, " ").slice(0, 500) } : {}),
  };
  return JSON.stringify(o);
}

/** The line travels as an argument (no secrets in it); remote/bin/history.sh appends it in one write. */
export const append = (l: Layout, e: HistoryEntry): ScriptCall =>
  scriptCall("remote/bin/history.sh", "append", l.history, historyLine(e));

export const read = (l: Layout, lines = 500): Argv => ["tail", "-n", String(lines), "--", l.history];

/** Bad lines (a cut write, a hand edit) are skipped, not fatal. */
export function parseHistory(text: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as Partial<HistoryEntry>;
      if (typeof v.tag !== "string" || typeof v.at !== "string") continue;
      out.push({
        at: v.at,
        action: typeof v.action === "string" ? v.action : "",
        tag: v.tag,
        commit: typeof v.commit === "string" ? v.commit : "",
        by: typeof v.by === "string" ? v.by : "",
        result: typeof v.result === "string" ? v.result : "",
        durationMs: typeof v.durationMs === "number" ? v.durationMs : 0,
        ...(typeof v.detail === "string" ? { detail: v.detail } : {}),
      });
    } catch {
      continue;
    }
  }
  return out;
}

/** The same append with a line known only at the end of a run (the engine's history step). */
export const appendLine = (l: Layout, line: Arg): { argv: readonly Arg[]; script: string } => {
  const call = scriptCall("remote/bin/history.sh", "append", l.history, "-");
  return { script: call.script, argv: [...call.argv.slice(0, -1), line] };
};
