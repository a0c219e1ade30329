import { expect } from "chai";
import { deployPlan, pruneSelection, type DeployRequest, type DeploySources, type PlanConfig } from "./plan.js";
import { describeStep } from "./steps.js";
import type { BotContainer, ServerState } from "./state.js";

const config: PlanConfig = {
  appDir: "/opt/remindbot",
  keepReleases: 3,
  healthTimeoutSec: 90,
  backupBeforeDeploy: true,
  backupMinFreeMb: 512,
};
const req = (
  tag: string,
  action: "deploy" | "rollback" = "deploy",
  more: Partial<DeployRequest> = {},
): DeployRequest => ({
  action,
  tag,
  commit: "0123456789abcdef0123",
  by: "me@box",
  at: "2024-05-01T10:00:00.000Z",
  pid: 42,
  envSha256: "e".repeat(64),
  sourceKnowsLease: true,
  ...more,
});
const src: DeploySources = {
  archive: () => Promise.reject(new Error("not in a plan test")),
  env: () => Promise.reject(new Error("not in a plan test")),
  deployUser: "deploy",
  asRoot: false,
  now: () => 0,
};
const rel = (dir: string, day: number) => ({
  dir,
  tag: dir,
  commit: "c" + dir,
  deployedAt: `2024-04-${String(day).padStart(2, "0")}T00:00:00Z`,
  by: "me",
  complete: true,
});
const OLD = "a".repeat(64);
const bot = (tag: string, running = true, id = OLD): BotContainer => ({ id, tag, running });
const fresh: ServerState = { releases: [], images: [], handoverImages: [], postgresRunning: false, bots: [] };
const running = (over: Partial<ServerState> = {}): ServerState => ({
  currentTag: "v1",
  releases: [rel("v1", 1)],
  images: ["v1"],
  handoverImages: ["v1"],
  postgresRunning: true,
  bots: [bot("v1")],
  envSha256: "0".repeat(64),
  releaseEnv: "BOT_TAG=v1\nAPP_DIR=/opt/remindbot\n",
  ...over,
});
const plan = (state: ServerState, r: DeployRequest) => deployPlan(config, state, r, src);
const ids = (p: ReturnType<typeof plan>) => p.steps.map((s) => s.id);
const step = (p: ReturnType<typeof plan>, id: string) => p.steps.find((s) => s.id === id);
const printed = (p: ReturnType<typeof plan>, id: string) => describeStep(step(p, id)!).join("\n");

describe("deployPlan", () => {
  it("fresh server: uploads, builds, starts PostgreSQL, no backup, the whole stack with up --wait", () => {
    const p = plan(fresh, req("v1"));
    expect(p.strategy).to.equal("first");
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
      "start",
      "gate",
      "units",
      "prune",
      "history",
      "unlock",
    ]);
    expect(step(p, "backup")?.skip).to.match(/first deploy/);
    expect(printed(p, "start")).to.contain("'up' '-d' '--wait'");
    expect(step(p, "gate")?.commits).to.equal(true);
  });

  it("both releases know the lease: standby beside the old bot, gate, switch, handover (the commit point), cleanup", () => {
    const p = plan(running(), req("v2"));
    expect(p.strategy).to.equal("handover");
    const order = ids(p);
    for (const [a, b] of [
      ["migrate", "standby"],
      ["standby", "gate"],
      ["gate", "switch"],
      ["switch", "handover"],
      ["handover", "cleanup"],
    ] as const)
      expect(order.indexOf(a), `${a} before ${b}`).to.be.lessThan(order.indexOf(b));
    expect(order).to.not.include("start");
    expect(step(p, "handover")?.commits).to.equal(true);
    expect(step(p, "gate")?.commits).to.equal(undefined);
    expect(printed(p, "standby")).to.contain("'--no-recreate' '--scale' 'bot=2' 'bot'");
    // The gate judges the standby, found at run time, while the old one (known now) keeps serving.
    expect(printed(p, "gate")).to.contain("‹the new bot container, found at run time›").and.contain("bot-state.sh");
    expect(printed(p, "handover")).to.contain(`'docker' 'stop' '--time' '30' '${OLD}'`);
    expect(printed(p, "cleanup")).to.contain(`'docker' 'rm' '${OLD}'`);
    expect(step(p, "backup")?.startsWith).to.equal("build");
  });

  it("a running release from before the lease is replaced stop-first, once, and the plan says so", () => {
    const p = plan(running({ handoverImages: [] }), req("v2"));
    expect(p.strategy).to.equal("stop-first");
    expect(p.warnings.join(" ")).to.contain("does not know the polling lease");
    expect(ids(p)).to.include("start").and.not.include("standby");
    expect(printed(p, "start")).to.match(/'up' '-d' '--no-deps' 'bot'/);
  });

  it("--stop-first and a declared breaking migration stop the old bot before migrating", () => {
    for (const p of [
      plan(running(), req("v2", "deploy", { stopFirst: true })),
      plan(
        running({
          releases: [rel("v1", 1), rel("v2", 2)],
          images: ["v1", "v2"],
          handoverImages: ["v1", "v2"],
          migrations: { applied: ["m1"], targetKnown: ["m1", "m2"], targetBreaking: ["m2"] },
        }),
        req("v2"),
      ),
    ]) {
      expect(p.strategy).to.equal("stop-first");
      expect(ids(p).indexOf("stop")).to.be.greaterThan(-1).and.lessThan(ids(p).indexOf("migrate"));
    }
  });

  it("redeploy of the running tag with the same env leaves the bot alone; a new env hands over", () => {
    const same = plan(running(), req("v1", "deploy", { envSha256: "0".repeat(64) }));
    expect(same.strategy).to.equal("unchanged");
    expect(step(same, "upload")?.skip).to.match(/already on the server/);
    expect(step(same, "build")?.skip).to.match(/already on the server/);
    expect(step(same, "env")?.skip).to.match(/already holds/);
    expect(step(same, "migrate")?.skip).to.match(/redeploy of the running release/);
    expect(step(same, "checks")?.skip).to.match(/nothing is built or started/);
    expect(ids(same)).to.not.include("standby");
    const env = plan(running(), req("v1"));
    expect(env.strategy).to.equal("handover");
    expect(step(env, "env")?.skip).to.equal(undefined);
    expect(step(env, "checks")?.skip).to.equal(undefined);
  });

  it("release present without its image: no upload, a build, the backup during the build", () => {
    const p = plan(running({ releases: [rel("v1", 1), rel("v2", 2)] }), req("v2"));
    expect(step(p, "upload")?.skip).to.be.a("string");
    expect(step(p, "build")?.skip).to.equal(undefined);
    expect(printed(p, "build")).to.contain("'/opt/remindbot/releases/v2/docker-compose.prod.yml'");
    expect(printed(p, "backup")).to.contain(
      "'env' 'APP_DIR=/opt/remindbot' 'bash' '/opt/remindbot/releases/v2/remote/bin/backup.sh' '--label' 'pre-v2' '--min-free-mb' '512'",
    );
  });

  it("rollback with migrations to revert: backup, then down N with the current image, before the switch", () => {
    const p = plan(
      running({
        currentTag: "v2",
        releases: [rel("v1", 1), rel("v2", 2)],
        images: ["v1", "v2"],
        handoverImages: ["v1", "v2"],
        bots: [bot("v2")],
        migrations: { applied: ["m1", "m2", "m3"], targetKnown: ["m1"] },
      }),
      req("v1", "rollback"),
    );
    expect(p.migrationsDown).to.deep.equal(["m3", "m2"]);
    expect(printed(p, "revert")).to.match(
      /releases\/v2\/docker-compose.prod.yml.*'node' 'bot\/dist\/migrate.js' 'down' '2'$/,
    );
    expect(ids(p).indexOf("backup")).to.be.lessThan(ids(p).indexOf("revert"));
    expect(ids(p).indexOf("revert")).to.be.lessThan(ids(p).indexOf("switch"));
    expect(step(p, "build")?.skip).to.be.a("string");
    expect(step(p, "migrate")?.skip).to.equal("nothing pending");
    expect(p.warnings.join(" ")).to.contain("m3, m2");
  });

  it("a rollback that changes no migration does not wait for a backup; one that does, does", () => {
    const server = (applied: string[]) =>
      running({
        currentTag: "v2",
        releases: [rel("v1", 1), rel("v2", 2)],
        images: ["v1", "v2"],
        handoverImages: ["v1", "v2"],
        bots: [bot("v2")],
        migrations: { applied, targetKnown: ["m1", "m2"] },
      });
    const same = plan(server(["m1", "m2"]), req("v1", "rollback"));
    expect(step(same, "backup")?.skip).to.equal("no migration runs or is reverted: v1 finds the database as it is now");
    expect(step(same, "revert")?.skip).to.be.a("string");
    expect(step(same, "migrate")?.skip).to.equal("nothing pending");
    // m3 is reverted, or m2 applied: the data changes, so a backup first.
    expect(step(plan(server(["m1", "m2", "m3"]), req("v1", "rollback")), "backup")?.skip).to.equal(undefined);
    expect(step(plan(server(["m1"]), req("v1", "rollback")), "backup")?.skip).to.equal(undefined);
    // A deploy keeps its backup (taken while the image builds).
    expect(step(plan(server(["m1", "m2"]), req("v3")), "backup")?.skip).to.equal(undefined);
  });

  it("a revert not known at plan time is decided by the status at run time, printed as such", () => {
    const p = plan(
      running({
        currentTag: "v2",
        releases: [rel("v2", 2)],
        images: ["v2"],
        handoverImages: ["v2"],
        bots: [bot("v2")],
      }),
      req("v1", "rollback"),
    );
    const text = printed(p, "revert");
    expect(text).to.contain("migrate.js' 'status'");
    expect(text).to.contain("# only when the database has migrations v1 does not know:");
    expect(text).to.contain("'down' ‹the number of migrations v1 does not know, found at run time›");
  });

  it("prints no placeholder a user could paste: late values are ‹what they are›", () => {
    const p = plan(running(), req("v2"));
    const all = p.steps.flatMap((s) => describeStep(s)).join("\n");
    expect(all).to.not.match(/<[a-z ]+>/);
    expect(all).to.contain("‹this run's history line (result, duration), known at the end›");
  });

  it("a hostile tag never reaches a command", () => {
    for (const tag of ["v1;touch /tmp/x", "$(id)", "../.."]) expect(() => plan(fresh, req(tag))).to.throw(/tag/);
  });

  it("prunes beyond keepReleases, never current, target or previous", () => {
    const state = running({
      currentTag: "v2",
      releases: [rel("v1", 1), rel("v2", 2), rel("v3", 3), rel("v4", 4), rel("v5", 5)],
      images: ["v1", "v2", "v3", "v4", "v5", "old"],
    });
    const p = plan(state, req("v6"));
    expect(p.prune.tags).to.deep.equal(["v4", "v3", "v1"]);
    expect(p.prune.images).to.include.members(["v1", "v3", "v4", "old"]);
    expect(p.prune.images).to.not.include("v2");
    expect(pruneSelection(state, 2, ["v1", "v2"]).tags).to.not.include.members(["v1", "v2"]);
  });
});

describe("deployPlan: /health published for an external monitor (publishHealth)", () => {
  const on: PlanConfig = { ...config, publishHealth: { address: "0.0.0.0", port: 9080 } };
  const ON_ENV = "BOT_TAG=v1\nAPP_DIR=/opt/remindbot\nCOMPOSE_PROFILES=health-port\nHEALTH_PUBLISH=0.0.0.0:9080\n";
  const planOn = (state: ServerState, r: DeployRequest) => deployPlan(on, state, r, src);
  /** What an upload action of `id` writes to a path ending in release.env. */
  const releaseEnvWritten = async (p: ReturnType<typeof plan>, id: string) => {
    const a = step(p, id)!.actions.find((x) => x.kind === "upload" && String(x.to).endsWith("/release.env"));
    return a && a.kind === "upload" ? String(await a.data()) : undefined;
  };

  it("off (the default): release.env holds no profile, and no step touches a publisher that is not there", async () => {
    const p = plan(running(), req("v2"));
    expect(await releaseEnvWritten(p, "upload")).to.equal("BOT_TAG=v2\nAPP_DIR=/opt/remindbot\n");
    expect(ids(p)).to.not.include("health");
  });

  it("on: a new release's release.env enables the profile; after the handover the publisher is remade from it", async () => {
    const p = planOn(running(), req("v2"));
    expect(await releaseEnvWritten(p, "upload")).to.equal(ON_ENV.replace("v1", "v2"));
    const order = ids(p);
    expect(order.indexOf("health")).to.be.greaterThan(order.indexOf("handover"));
    expect(step(p, "health")).to.include({ optional: true, startsWith: "cleanup" });
    expect(step(p, "health")!.title).to.equal("Publish /health on 0.0.0.0:9080 for an external monitor");
    expect(printed(p, "health")).to.contain(
      "'docker' 'compose' '-f' '/opt/remindbot/releases/v2/docker-compose.prod.yml' '--env-file' '/opt/remindbot/releases/v2/release.env' 'up' '-d' '--no-deps' 'health'",
    );
  });

  it("on at the first deploy: the whole stack starts with it, no step of its own", () => {
    const p = planOn(fresh, req("v1"));
    expect(step(p, "health")?.skip).to.equal("started with the stack");
  });

  it("turned on for the running release: the bot is left alone, its release.env rewritten, the publisher started", async () => {
    const p = planOn(running(), req("v1", "deploy", { envSha256: "0".repeat(64) }));
    expect(p.strategy).to.equal("unchanged");
    expect(step(p, "settings")?.skip).to.equal(undefined);
    expect(step(p, "settings")!.actions[0]).to.include({ to: "/opt/remindbot/releases/v1/release.env", mode: 0o644 });
    expect(await releaseEnvWritten(p, "settings")).to.equal(ON_ENV);
    expect(step(p, "health")?.skip).to.equal(undefined);
    expect(ids(p)).to.not.include("standby").and.not.include("start");
  });

  it("nothing changed: settings and publisher are skipped; a publisher that stopped is started again", () => {
    const same = planOn(
      running({ releaseEnv: ON_ENV, publicHealth: "running" }),
      req("v1", "deploy", { envSha256: "0".repeat(64) }),
    );
    expect(step(same, "settings")?.skip).to.match(/already holds them/);
    expect(step(same, "health")?.skip).to.equal("already published there");
    const stopped = planOn(
      running({ releaseEnv: ON_ENV, publicHealth: "stopped" }),
      req("v1", "deploy", { envSha256: "0".repeat(64) }),
    );
    expect(step(stopped, "health")?.skip).to.equal(undefined);
  });

  it("a rollback to a release on the server rewrites its release.env with today's settings", async () => {
    const state = running({
      releases: [rel("v1", 2), rel("v0", 1)],
      images: ["v1", "v0"],
      handoverImages: ["v1", "v0"],
    });
    expect(await releaseEnvWritten(planOn(state, req("v0", "rollback")), "settings")).to.equal(
      ON_ENV.replace("v1", "v0"),
    );
    expect(await releaseEnvWritten(plan(state, req("v0", "rollback")), "settings")).to.equal(
      "BOT_TAG=v0\nAPP_DIR=/opt/remindbot\n",
    );
  });

  it("turned off while a publisher runs: it is stopped and removed after the commit point", async () => {
    const p = plan(
      running({ releaseEnv: ON_ENV, publicHealth: "running" }),
      req("v1", "deploy", { envSha256: "0".repeat(64) }),
    );
    expect(await releaseEnvWritten(p, "settings")).to.equal("BOT_TAG=v1\nAPP_DIR=/opt/remindbot\n");
    expect(step(p, "health")!.title).to.match(/^Stop publishing \/health/);
    expect(printed(p, "health")).to.match(/'rm' '--stop' '--force' 'health'$/m);
  });
});
