/** A task as data: steps of actions, run by runner.ts and printed by `plan`. */
import type { Action, Values } from "./actions.js";
import { describeAction } from "./actions.js";

export interface Step {
  /** Stable id within a plan ("build", "gate", "handover"...). */
  id: string;
  title: string;
  /** Set when the plan already knows the step has nothing to do; the runner reports it skipped. */
  skip?: string;
  actions: Action[];
  /** Run its actions at once, judged in order (independent read-only questions). */
  parallel?: boolean;
  /** Starts in the background when that step starts; its output is shown when its turn comes. */
  startsWith?: string;
  /** Once this step is done the task is committed: a later failure is a warning, never an undo. */
  commits?: boolean;
  /** Runs at the end whatever happened, once the lock was taken (history, unlock). */
  final?: boolean;
  /** A failure is a warning; the task goes on. */
  optional?: boolean;
}

export interface TaskPlan {
  /** "deploy v2", "backup", "restore <name>", "provision". */
  task: string;
  action: "deploy" | "rollback" | "backup" | "restore" | "provision";
  tag?: string;
  steps: Step[];
  warnings: string[];
  /** The message of a successful run (from what the server reported, when it depends on it). */
  success: string | ((v: Values) => string);
  /** Figures of the summary that come from all the server reported (provision's count of changes). */
  figures?: (v: Values) => Record<string, string>;
}

/** How `plan` shows a step: its actions as they will run. */
export function describeStep(s: Step): string[] {
  const lines: string[] = [];
  if (s.startsWith) lines.push(`# started in the background when "${s.startsWith}" starts`);
  if (s.parallel) lines.push("# asked at once, judged in order");
  for (const a of s.actions) lines.push(...describeAction(a));
  return lines;
}
