/** Prints TaskEvents for a terminal or a pipe: step lines with durations, indented output. */
import type { TaskEvent } from "../engine/events.js";

export interface PrinterOptions {
  color: boolean;
  write: (text: string) => void;
}

const paint = (on: boolean, code: string, s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

export function createPrinter(o: PrinterOptions): (e: TaskEvent) => void {
  const titles = new Map<string, string>();
  const starts = new Map<string, number>();
  const c = (code: string, s: string) => paint(o.color, code, s);
  const secs = (id: string, at: number) => {
    const t = starts.get(id);
    return t === undefined ? "" : ` (${((at - t) / 1000).toFixed(1)} s)`;
  };
  return (e) => {
    switch (e.type) {
      case "plan":
        for (const s of e.steps) titles.set(s.id, s.title);
        o.write(c("1", `${e.task}`) + "\n");
        break;
      case "step-start":
        starts.set(e.stepId, e.at);
        o.write(`${c("36", "→")} ${titles.get(e.stepId) ?? e.stepId}\n`);
        break;
      case "output":
        o.write(`    ${c("2", e.line)}\n`);
        break;
      case "progress":
        break;
      // Non-quiet commands are already printed as `$ …` output lines, and a failure as the step's
      // error; the run log (cli/run.ts) keeps every command with its exit code.
      case "command":
        break;
      case "step-done":
        o.write(
          e.status === "skipped"
            ? `${c("2", "–")} ${titles.get(e.stepId) ?? e.stepId}: skipped${e.note ? ` (${e.note})` : ""}\n`
            : `${c("32", "✓")} ${titles.get(e.stepId) ?? e.stepId}${secs(e.stepId, e.at)}${e.note ? c("2", ` ${e.note}`) : ""}\n`,
        );
        break;
      case "step-failed":
        o.write(`${c("31", "✗")} ${titles.get(e.stepId) ?? e.stepId}${secs(e.stepId, e.at)}: ${e.error}\n`);
        break;
      case "warning":
        o.write(`${c("1;33", "!")} ${c("1;33", e.message)}\n`);
        break;
      case "summary": {
        const r = e.result;
        const figures = Object.entries(r.figures ?? {})
          .map(([k, v]) => `${k}: ${v}`)
          .join(", ");
        o.write(`${r.ok ? c("1;32", "done") : c("1;31", "failed")}: ${r.message}${figures ? ` (${figures})` : ""}\n`);
        // Warnings after the commit point are easy to miss above the summary: repeated under it.
        if (r.ok) for (const w of r.warnings ?? []) o.write(`${c("1;33", "! warning:")} ${w}\n`);
        break;
      }
    }
  };
}
