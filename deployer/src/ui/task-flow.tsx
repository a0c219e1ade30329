/**
 * The shared shape of Deploy, Rollback and Provision: choose (optional) → plan → confirm → progress.
 * Loading and failures are states here, drawn as one line each.
 */
import { Text } from "ink";
import { useEffect, useState, type ReactNode } from "react";
import type { PlanView } from "../engine/api.js";
import type { TaskResult } from "../engine/events.js";
import { ErrorLine } from "./error-line.js";
import { PlanConfirm } from "./plan-view.js";
import { TaskProgress, type StartTask } from "./progress-view.js";
import { useKeys } from "./key-queue.js";

export type FlowStep =
  { kind: "choose" } | { kind: "plan"; tag?: string; plan?: PlanView; error?: unknown } | { kind: "run"; tag?: string };

export function TaskFlow({
  title,
  chooser,
  loadPlan,
  start,
  onBack,
  onBusy,
  onFinished,
}: {
  title: string;
  /** Renders the picker; undefined for tasks without a choice (provision). */
  chooser?: (choose: (tag: string) => void, back: () => void) => ReactNode;
  loadPlan: (tag?: string) => Promise<PlanView>;
  start: (tag: string | undefined) => StartTask;
  onBack: () => void;
  onBusy: (busy: boolean) => void;
  onFinished?: (result: TaskResult) => void;
}) {
  const [step, setStep] = useState<FlowStep>(chooser ? { kind: "choose" } : { kind: "plan" });
  const planFor = step.kind === "plan" && !step.plan && step.error === undefined ? (step.tag ?? "") : undefined;

  useEffect(() => {
    if (planFor === undefined || step.kind !== "plan") return;
    let live = true;
    const tag = step.tag;
    loadPlan(tag).then(
      (plan) => live && setStep({ kind: "plan", tag, plan }),
      (error: unknown) => live && setStep({ kind: "plan", tag, error }),
    );
    return () => {
      live = false;
    };
  }, [planFor]);

  const back = () => (chooser ? setStep({ kind: "choose" }) : onBack());
  useKeys(
    (input, key) => {
      if (key.escape || input === "q") back();
    },
    // While the plan loads or after it failed; the plan view has its own keys.
    { isActive: step.kind === "plan" && !step.plan },
  );

  if (step.kind === "choose") return <>{chooser?.((tag) => setStep({ kind: "plan", tag }), onBack)}</>;
  if (step.kind === "plan") {
    if (step.error !== undefined) return <ErrorLine error={step.error} />;
    if (!step.plan) return <Text dimColor>Planning {title}…</Text>;
    return <PlanConfirm plan={step.plan} onConfirm={() => setStep({ kind: "run", tag: step.tag })} onBack={back} />;
  }
  return <TaskProgress title={title} start={start(step.tag)} onBack={onBack} onBusy={onBusy} onFinished={onFinished} />;
}
