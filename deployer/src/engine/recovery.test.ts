import { expect } from "chai";
import { deployPlan, type DeployRequest, type DeploySources } from "./plan.js";
import { recoveryPlan, type Progress } from "./recovery.js";
import { describeStep } from "./steps.js";
import type { ServerState } from "./state.js";

const OLD = "a".repeat(64);
const NEW = "b".repeat(64);
const src: DeploySources = {
  archive: () => Promise.reject(new Error("unused")),
  env: () => Promise.reject(new Error("unused")),
  deployUser: "deploy",
  asRoot: false,
  now: () => 0,
};
const rel = (dir: string) => ({
  dir,
  tag: dir,
  commit: "c",
  deployedAt: "2024-04-01T00:00:00Z",
  by: "me",
  complete: true,
});
const state = (over: Partial<ServerState> = {}): ServerState => ({
  currentTag: "v1",
  releases: [rel("v1")],
  images: ["v1"],
  handoverImages: ["v1"],
  postgresRunning: true,
  bots: [{ id: OLD, tag: "v1", running: true }],
  ...over,
});
const req = (over: Partial<DeployRequest> = {}): DeployRequest => ({
  action: "deploy",
  tag: "v2",
  commit: "c0ffee",
  by: "me",
  at: "2024-05-01T00:00:00Z",
  pid: 1,
  sourceKnowsLease: true,
  ...over,
});
const cfg = {
  appDir: "/opt/remindbot",
  keepReleases: 5,
  healthTimeoutSec: 60,
  backupBeforeDeploy: true,
  backupMinFreeMb: 0,
};
const handover = deployPlan(cfg, state(), req(), src);
const stopFirst = deployPlan(cfg, state({ handoverImages: [] }), req(), src);
const first = deployPlan(cfg, { ...state(), currentTag: undefined, releases: [], bots: [] } as ServerState, req(), src);

/** Progress after the steps before `failed` were done (in plan order). */
function at(plan: typeof handover, failed: string, values: Record<string, string> = {}): Progress {
  const order = plan.steps.map((s) => s.id);
  return { done: new Set(order.slice(0, order.indexOf(failed))), failed, values: new Map(Object.entries(values)) };
}
const text = (r: ReturnType<typeof recoveryPlan>) => (r ? r.steps.flatMap(describeStep).join("\n") : "");

describe("recoveryPlan", () => {
  it("nothing to undo before anything changed (checks, lock, upload, env, build, backup)", () => {
    for (const id of ["checks", "lock", "upload", "env", "build", "backup"])
      expect(recoveryPlan(handover, at(handover, id), "x"), id).to.equal(undefined);
  });

  it("--no-rollback: a failed gate is left as it is, whatever the strategy (and the plan says so)", () => {
    for (const plan of [handover, stopFirst]) {
      const kept = deployPlan(
        cfg,
        plan.strategy === "handover" ? state() : state({ handoverImages: [] }),
        req({ noRollback: true }),
        src,
      );
      expect(kept.strategy).to.equal(plan.strategy);
      expect(recoveryPlan(plan, at(plan, "gate", { standby: NEW, bot: NEW }), "x"), plan.strategy).to.not.equal(
        undefined,
      );
      expect(recoveryPlan(kept, at(kept, "gate", { standby: NEW, bot: NEW }), "x"), plan.strategy).to.equal(undefined);
      expect(kept.warnings.join("\n")).to.match(/^--no-rollback: a (standby|bot) that fails its gate is left/m);
    }
  });

  it("migrate failed after applying some: down N with the new image", () => {
    const r = recoveryPlan(handover, at(handover, "migrate", { migrated: "2" }), "x");
    expect(text(r)).to.match(/releases\/v2\/docker-compose.prod.yml.*'down' '2'/);
    expect(r?.restored).to.contain("nothing changed for users");
  });

  it("standby failed its gate: the standby is removed, migrations reverted; the old bot was never touched (exit 4)", () => {
    const r = recoveryPlan(handover, at(handover, "gate", { standby: NEW, migrated: "1" }), "unhealthy")!;
    const t = text(r);
    expect(t).to.contain("'docker' 'rm' '-f' ‹the new bot container, found at run time›");
    expect(t).to.match(/'down' '1'/);
    expect(t).to.not.contain(`'docker' 'start'`).and.not.contain("current.tmp");
    expect(r.exitCode).to.equal(4);
    expect(r.restored).to.contain("nothing changed for users").and.contain("kept running");
  });

  it("the standby step failed before its id was known: it is looked up, then removed", () => {
    const t = text(recoveryPlan(handover, at(handover, "standby"), "x"));
    expect(t).to.contain("'ps' '-aq'");
    expect(t).to.contain("# only when the standby was started:");
  });

  it("handover failed: standby removed, current switched back, the old bot started and awaited", () => {
    const r = recoveryPlan(handover, at(handover, "handover", { standby: NEW }), "x")!;
    const t = text(r);
    expect(t.indexOf("'rm' '-f'")).to.be.lessThan(t.indexOf(`'docker' 'start' '${OLD}'`));
    expect(t).to.contain("'releases/v1'");
    expect(t).to.contain(`bot-state.sh`);
    expect(r.restored).to.contain("rolled back to v1");
  });

  it("after the commit point nothing is undone (the runner never asks), and stop-first restarts the previous release", () => {
    const r = recoveryPlan(stopFirst, at(stopFirst, "gate"), "unhealthy")!;
    const t = text(r);
    expect(t).to.contain("'releases/v1'");
    expect(t).to.match(/releases\/v1\/docker-compose.prod.yml.*'up' '-d' '--no-deps' 'bot'/);
    expect(r.exitCode).to.equal(4);
  });

  it("a rollback that reverted migrations re-applies them with the previous release", () => {
    const r = recoveryPlan(handover, at(handover, "gate", { reverted: "2", standby: NEW }), "x");
    expect(text(r)).to.match(/releases\/v1\/docker-compose.prod.yml.*migrate.js' 'up'/);
  });

  it("first deploy: the bot is stopped, exit 1", () => {
    const r = recoveryPlan(first, at(first, "gate"), "unhealthy")!;
    expect(text(r)).to.match(/'stop' 'bot'$/m);
    expect(r.exitCode).to.equal(1);
  });
});
