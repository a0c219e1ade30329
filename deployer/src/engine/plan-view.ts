/** A plan as `plan` and the UI show it: every step with the actions the runner will execute. */
import type { PlanView } from "./api.js";
import type { DeployPlan } from "./plan.js";
import { describeStep, type TaskPlan } from "./steps.js";

export function planView(plan: TaskPlan): PlanView {
  const deploy = plan.action === "deploy" || plan.action === "rollback" ? (plan as DeployPlan) : undefined;
  return {
    action: plan.action as PlanView["action"],
    ...(plan.tag ? { tag: plan.tag } : {}),
    steps: plan.steps.map((s) => ({
      id: s.id,
      title: s.skip ? `${s.title} (skipped: ${s.skip})` : s.title,
      commands: s.skip ? [] : describeStep(s),
    })),
    migrationsUp: [],
    migrationsDown: deploy?.migrationsDown ?? [],
    warnings: plan.warnings,
  };
}
