/**
 * What an engine task reports while it runs. The CLI prints these; the UI reduces them into state.
 * Events are plain data (JSON-serialisable) so they can also go to the local log file as they are.
 */

/**
 * The reason a front end gives its AbortSignal when the user interrupts a task: a command cut short
 * by the abort fails with it, so the step and the result say this rather than "operation aborted".
 */
export const INTERRUPTED = "interrupted (Ctrl+C)";

export type StepStatus = "pending" | "running" | "done" | "failed" | "skipped";

export interface StepInfo {
  /** Stable id within a plan, e.g. "upload", "build", "backup", "migrate", "switch", "health". */
  id: string;
  /** What the user reads, e.g. "Build image remindbot-bot:v1.2". */
  title: string;
}

export type TaskEvent =
  | { type: "plan"; at: number; task: string; steps: StepInfo[] }
  | { type: "step-start"; at: number; stepId: string }
  /** A line of output of the running step (already redacted); stream tells stdout from stderr. */
  | { type: "output"; at: number; stepId: string; stream: "stdout" | "stderr"; line: string }
  /**
   * A remote command that ended, quiet ones too: its line as `plan` prints it (late values filled
   * in, a script as `< script`) and its exit code; null when it ended without one (timed out,
   * interrupted, connection lost). For a "what ran" view; printers may ignore it.
   */
  | { type: "command"; at: number; stepId: string; line: string; code: number | null }
  /** Bytes moved by an upload or download, for a progress bar. */
  | { type: "progress"; at: number; stepId: string; done: number; total: number }
  | { type: "step-done"; at: number; stepId: string; status: "done" | "skipped"; note?: string }
  | { type: "step-failed"; at: number; stepId: string; error: string }
  /** Something the user must notice (automatic rollback, stale lock...). */
  | { type: "warning"; at: number; message: string }
  | { type: "summary"; at: number; result: TaskResult };

export interface TaskResult {
  ok: boolean;
  /** Process exit code the CLI uses: 0 done, 1 failed, 2 usage, 3 lock held, 4 rolled back. */
  exitCode: 0 | 1 | 2 | 3 | 4;
  message: string;
  durationMs: number;
  /** Key figures for the summary screen, e.g. {"bot downtime": "2.1 s", "image size": "182 MB"}. */
  figures?: Record<string, string>;
  /** What went wrong without failing the task (after the commit point, a lock left behind...). */
  warnings?: string[];
}

export type EventSink = (event: TaskEvent) => void;
