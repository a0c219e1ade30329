/** The progress view's state: a reducer over the engine's TaskEvents (deploy, rollback, provision, backups). */
import type { StepStatus, TaskEvent, TaskResult } from "../engine/events.js";

export interface StepView {
  id: string;
  title: string;
  status: StepStatus;
  startedAt?: number;
  endedAt?: number;
  note?: string;
  error?: string;
  progress?: { done: number; total: number };
}

export interface DeployState {
  task?: string;
  steps: StepView[];
  currentId?: string;
  /** The current (or failed) step's last output lines, bounded. */
  output: string[];
  warnings: string[];
  /** Every remote command that ended, in order, with its step and exit code (bounded). */
  ran: RanCommand[];
  /** Ids of finished steps in the order they finished: what goes to <Static>. */
  finished: string[];
  result?: TaskResult;
  startedAt?: number;
}

export interface RanCommand {
  stepId: string;
  line: string;
  /** null: it ended without one (timed out, interrupted). */
  code: number | null;
}

export const OUTPUT_KEEP = 200;
export const RAN_KEEP = 500;

export const initialDeploy: DeployState = { steps: [], output: [], ran: [], warnings: [], finished: [] };

function updateStep(steps: StepView[], id: string, patch: (s: StepView) => StepView): StepView[] {
  // Unknown ids (rescue, history, unlock...) are shown too, titled by their id.
  const found = steps.some((s) => s.id === id);
  const list = found ? steps : [...steps, { id, title: id, status: "pending" as const }];
  return list.map((s) => (s.id === id ? patch(s) : s));
}

const addOnce = (list: string[], id: string): string[] => (list.includes(id) ? list : [...list, id]);

/** A step that ended (done, skipped or failed): recorded once as finished, no longer current. */
function finishStep(state: DeployState, id: string, patch: Partial<StepView>): DeployState {
  return {
    ...state,
    finished: addOnce(state.finished, id),
    currentId: state.currentId === id ? undefined : state.currentId,
    steps: updateStep(state.steps, id, (s) => ({ ...s, ...patch })),
  };
}

export function deployReducer(state: DeployState, event: TaskEvent): DeployState {
  switch (event.type) {
    case "plan":
      return {
        ...state,
        task: event.task,
        startedAt: state.startedAt ?? event.at,
        steps: event.steps.map((s) => ({ id: s.id, title: s.title, status: "pending" })),
      };
    case "step-start":
      return {
        ...state,
        startedAt: state.startedAt ?? event.at,
        currentId: event.stepId,
        output: [],
        steps: updateStep(state.steps, event.stepId, (s) => ({ ...s, status: "running", startedAt: event.at })),
      };
    case "output": {
      const output = [...state.output, event.line];
      return { ...state, output: output.length > OUTPUT_KEEP ? output.slice(-OUTPUT_KEEP) : output };
    }
    case "command": {
      const ran = [...state.ran, { stepId: event.stepId, line: event.line, code: event.code }];
      return { ...state, ran: ran.length > RAN_KEEP ? ran.slice(-RAN_KEEP) : ran };
    }
    case "progress":
      return {
        ...state,
        steps: updateStep(state.steps, event.stepId, (s) => ({
          ...s,
          progress: { done: event.done, total: event.total },
        })),
      };
    case "step-done":
      return finishStep(state, event.stepId, {
        status: event.status,
        endedAt: event.at,
        ...(event.note ? { note: event.note } : {}),
      });
    case "step-failed":
      // The failed step's output stays visible: it is what the user needs to read.
      return finishStep(state, event.stepId, { status: "failed", endedAt: event.at, error: event.error });
    case "warning":
      return { ...state, warnings: [...state.warnings, event.message] };
    case "summary":
      return { ...state, currentId: undefined, result: event.result };
    default:
      return state;
  }
}

export const reduceEvents = (state: DeployState, events: TaskEvent[]): DeployState =>
  events.reduce(deployReducer, state);

/** What ran, as lines: each step's title, then its commands with their exit codes, newest last. */
export function ranLines(state: DeployState): { text: string; code?: number | null }[] {
  const title = new Map(state.steps.map((s) => [s.id, s.title]));
  const rows: { text: string; code?: number | null }[] = [];
  let step: string | undefined;
  for (const c of state.ran) {
    if (c.stepId !== step) rows.push({ text: title.get(c.stepId) ?? c.stepId });
    step = c.stepId;
    rows.push({ text: `$ ${c.line}`, code: c.code });
  }
  return rows;
}

export function stepDurationMs(step: StepView, now: number): number | undefined {
  if (step.startedAt === undefined) return undefined;
  return (step.endedAt ?? now) - step.startedAt;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}
