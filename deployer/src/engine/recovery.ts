/**
 * What to undo after a deploy or rollback failed before its commit point: a pure function of the
 * plan and of what was done (steps done or started, values the server reported). The runner runs
 * the steps it returns like any others.
 */
import * as bots from "../commands/bot-containers.js";
import * as compose from "../commands/compose.js";
import * as migrate from "../commands/migrate.js";
import * as release from "../commands/release.js";
import { run, type Action, type Values } from "./actions.js";
import * as judge from "./judges.js";
import { waitServing, type DeployPlan } from "./plan.js";
import type { Step } from "./steps.js";

export interface Progress {
  /** Steps that finished. */
  done: ReadonlySet<string>;
  /** The step that failed (it may have done part of its work). */
  failed?: string;
  values: Values;
}

export interface Recovery {
  steps: Step[];
  /** The result's message when every recovery step worked. */
  restored: string;
  exitCode: 1 | 4;
}

export function recoveryPlan(plan: DeployPlan, p: Progress, why: string): Recovery | undefined {
  if (plan.request.noRollback) return undefined;
  const reached = (id: string) => p.done.has(id) || p.failed === id;
  const l = plan.layout;
  const dir = l.release(plan.tag);
  const prev = plan.previous;
  const prevDir = prev ? l.release(prev) : undefined;
  const migrated = Number(p.values.get("migrated") ?? 0);
  const reverted = Number(p.values.get("reverted") ?? 0);
  const actions: Action[] = [];

  const standbyStarted = plan.strategy === "handover" && reached("standby");
  const oldStopped =
    (plan.strategy === "handover" && reached("handover")) ||
    (plan.strategy === "stop-first" && (reached("stop") || reached("start")));
  const firstStarted = plan.strategy === "first" && reached("start");
  const switched = reached("switch");

  if (standbyStarted) {
    if (!p.values.has("standby"))
      actions.push(run(bots.ids(), { quiet: true, judge: judge.newContainerIfAny(plan.oldBots, "standby") }));
    actions.push(
      run(bots.remove([bots.STANDBY], true), {
        when: { text: "the standby was started", holds: (v) => v.has("standby") },
        what: "removing the standby",
      }),
    );
  }
  if (migrated > 0)
    actions.push(
      run(migrate.down(dir, migrated), {
        timeoutMs: 15 * 60_000,
        what: `reverting the ${migrated} migration(s) this run applied (restore the pre-deploy backup${p.values.get("backup") ? ` ${p.values.get("backup")}` : ""} if this fails)`,
      }),
    );
  if (reverted > 0 && prevDir)
    actions.push(run(migrate.up(prevDir), { timeoutMs: 15 * 60_000, what: `re-applying ${prev}'s migrations` }));
  if (switched && prev)
    actions.push(...release.switchCurrent(l, prev).map((c) => run(c, { what: "switching current back" })));
  if (oldStopped && plan.strategy === "handover") {
    actions.push(
      run(bots.start(plan.oldBots), { what: `starting ${prev ?? "the old bot"} again` }),
      waitServing(plan.oldBots[0]!, 120_000, "the old bot serves again"),
    );
  } else if (oldStopped && prevDir) {
    actions.push(
      run(bots.replace(prevDir), { timeoutMs: 15 * 60_000, what: `starting ${prev}` }),
      run(bots.ids(), { quiet: true, judge: judge.onlyContainer("bot") }),
      waitServing(bots.RUNNING_BOT, 120_000, "the old bot serves again"),
    );
  } else if (firstStarted) {
    actions.push(run(compose.compose(dir, "stop", "bot"), { what: "stopping the bot" }));
  }
  if (actions.length === 0) return undefined;

  const restored =
    plan.strategy === "handover" && !oldStopped
      ? `${plan.tag} failed (${why}); nothing changed for users: the old release ${prev ?? ""} kept running throughout`
      : firstStarted || !prev
        ? `${plan.tag} failed (${why}); first deploy, nothing to roll back to (bot stopped)`
        : `${plan.tag} failed (${why}); rolled back to ${prev}`;
  return {
    steps: [
      {
        id: "rescue",
        title: prev ? `Undo: back to ${prev}` : "Undo: stop the new bot",
        actions,
      },
    ],
    restored: restored.replace(/ {2,}/g, " "),
    exitCode: firstStarted || !prev ? 1 : 4,
  };
}
