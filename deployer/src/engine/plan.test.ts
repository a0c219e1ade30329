import { expect } from "chai";
import { quoteArgv } from "../ssh/quote.js";
import { deployPlan, pruneSelection, type DeployRequest, type PlanConfig } from "./plan.js";
import type { ServerState } from "./state.js";

const config: PlanConfig = {
  appDir: "/opt/remindbot",
  keepReleases: 3,
  healthTimeoutSec: 90,
  backupBeforeDeploy: true,
  backupMinFreeMb: 512,
};
const req = (tag: string, action: "deploy" | "rollback" = "deploy"): DeployRequest => ({
  action,
  tag,
  commit: "0123456789abcdef0123",
  by: "me@box",
  at: "2024-05-01T10:00:00.000Z",
  pid: 42,
});
const rel = (dir: string, day: number) => ({
  dir,
  tag: dir,
  commit: "c" + dir,
  deployedAt: `2024-04-${String(day).padStart(2, "0")}T00:00:00Z`,
  by: "me",
  complete: true,
});
const fresh: ServerState = { releases: [], images: [], postgresRunning: false };
const ids = (p: ReturnType<typeof deployPlan>) => p.steps.map((s) => s.id);
const step = (p: ReturnType<typeof deployPlan>, id: string) => p.steps.find((s) => s.id === id);

describe("deployPlan", () => {
  it("fresh server: uploads, builds, starts PostgreSQL, no backup, up --wait", () => {
    const p = deployPlan(config, fresh, req("v1"));
    expect(p.firstDeploy).to.equal(true);
    expect(ids(p)).to.deep.equal([
      "checks",
      "lock",
      "upload",
      "env",
      "build",
      "database",
      "backup",
      "migrate",
      "switch",
      "up",
      "health",
      "rescue",
      "units",
      "history",
      "prune",
      "unlock",
    ]);
    expect(step(p, "upload")?.skip).to.equal(undefined);
    expect(step(p, "build")?.skip).to.equal(undefined);
    expect(step(p, "backup")?.skip).to.match(/first deploy/);
    expect(step(p, "up")?.commands.map(quoteArgv)[0]).to.contain("'up' '-d' '--wait'");
    expect(p.previous).to.equal(undefined);
  });

  it("redeploy of the running tag skips upload, build and backup; restarts the bot only", () => {
    const state: ServerState = { currentTag: "v1", releases: [rel("v1", 1)], images: ["v1"], postgresRunning: true };
    const p = deployPlan(config, state, req("v1"));
    expect(step(p, "upload")?.skip).to.match(/already on the server/);
    expect(step(p, "build")?.skip).to.match(/already on the server/);
    expect(step(p, "backup")?.skip).to.match(/redeploy/);
    expect(step(p, "migrate")?.skip).to.match(/redeploy of the running release/);
    expect(ids(p)).to.not.include("database");
    expect(ids(p)).to.not.include("revert");
    expect(quoteArgv(step(p, "up")!.commands[0]!)).to.match(/'up' '-d' '--remove-orphans' 'bot'$/);
  });

  it("release present without its image: no upload, a build", () => {
    const state: ServerState = {
      currentTag: "v1",
      releases: [rel("v1", 1), rel("v2", 2)],
      images: ["v1"],
      postgresRunning: true,
    };
    const p = deployPlan(config, state, req("v2"));
    expect(step(p, "upload")?.skip).to.be.a("string");
    expect(step(p, "build")?.skip).to.equal(undefined);
    expect(quoteArgv(step(p, "build")!.commands[0]!)).to.contain(
      "'/opt/remindbot/releases/v2/docker-compose.prod.yml'",
    );
    expect(step(p, "backup")?.skip).to.equal(undefined);
    expect(quoteArgv(step(p, "backup")!.commands[0]!)).to.equal(
      "'env' 'APP_DIR=/opt/remindbot' 'bash' '/opt/remindbot/releases/v2/remote/bin/backup.sh' '--label' 'pre-v2' '--min-free-mb' '512'",
    );
    expect(p.previous).to.equal("v1");
  });

  it("rollback with migrations to revert: backup, then down N with the current image", () => {
    const state: ServerState = {
      currentTag: "v2",
      releases: [rel("v1", 1), rel("v2", 2)],
      images: ["v1", "v2"],
      postgresRunning: true,
      migrations: { applied: ["m1", "m2", "m3"], targetKnown: ["m1"] },
    };
    const p = deployPlan(config, state, req("v1", "rollback"));
    expect(p.migrationsDown).to.deep.equal(["m3", "m2"]);
    const revert = step(p, "revert")!;
    expect(revert.skip).to.equal(undefined);
    expect(quoteArgv(revert.commands.at(-1)!)).to.match(
      /releases\/v2\/docker-compose.prod.yml.*'node' 'bot\/dist\/migrate.js' 'down' '2'$/,
    );
    expect(ids(p).indexOf("backup")).to.be.lessThan(ids(p).indexOf("revert"));
    expect(ids(p).indexOf("revert")).to.be.lessThan(ids(p).indexOf("switch"));
    expect(step(p, "build")?.skip).to.be.a("string");
    expect(p.warnings.join(" ")).to.contain("m3, m2");
  });

  it("rollback with nothing to revert says so", () => {
    const state: ServerState = {
      currentTag: "v2",
      releases: [rel("v1", 1), rel("v2", 2)],
      images: ["v1", "v2"],
      postgresRunning: true,
      migrations: { applied: ["m1"], targetKnown: ["m1"] },
    };
    expect(step(deployPlan(config, state, req("v1", "rollback")), "revert")?.skip).to.match(/no migration/);
  });

  it("a hostile tag never reaches a command", () => {
    for (const tag of ["v1;touch /tmp/x", "$(id)", "../.."])
      expect(() => deployPlan(config, fresh, req(tag))).to.throw(/tag/);
  });

  it("prunes beyond keepReleases, never current, target or previous", () => {
    const state: ServerState = {
      currentTag: "v2",
      releases: [rel("v1", 1), rel("v2", 2), rel("v3", 3), rel("v4", 4), rel("v5", 5)],
      images: ["v1", "v2", "v3", "v4", "v5", "old"],
      postgresRunning: true,
    };
    const p = deployPlan(config, state, req("v6"));
    expect(p.prune.tags).to.deep.equal(["v4", "v3", "v1"]);
    expect(p.prune.images).to.include.members(["v1", "v3", "v4", "old"]);
    expect(p.prune.images).to.not.include("v2");
    expect(pruneSelection(state, 2, ["v1", "v2"]).tags).to.not.include.members(["v1", "v2"]);
  });
});
