// The engine's plans run by runTask over a real SSH connection (the SSH layer's in-process server) on
// a temp-dir VDS with stub tools (testing/fake-vds.ts): what `plan` prints is what the server gets,
// command for command (testing/plan-match.ts), and every task writes its real result to history.
import { expect } from "chai";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as lockCmd from "../commands/lock.js";
import { layout } from "../commands/layout.js";
import { scriptText } from "../commands/script.js";
import { LOCK_HELD } from "../stack/contract.js";
import type { TaskEvent, TaskResult } from "./events.js";
import { deployPlan, type DeployPlan, type DeployRequest, type PlanConfig } from "./plan.js";
import { planView } from "./plan-view.js";
import { ask, probe } from "./probe.js";
import { recoveryPlan } from "./recovery.js";
import { runTask, type TaskRecord } from "./runner.js";
import { readStatus } from "./status.js";
import type { ServerState } from "./state.js";
import type { TaskPlan } from "./steps.js";
import { backupPlan, provisionPlan, restorePlan, type TaskRequest } from "./task-plans.js";
import { startFakeVds, type FakeVds } from "./testing/fake-vds.js";
import { BIG_MACHINE, DEBIAN_12 } from "./testing/os-release.js";
import { parseOsRelease } from "./server-facts.js";
import { matchRun } from "./testing/plan-match.js";

const SECRET = "s3cret-value";
const ENV = Buffer.from(`POSTGRES_PASSWORD=${SECRET}\nBOT_TOKEN=123:${SECRET}\n`);
const ENV_SHA = createHash("sha256").update(ENV).digest("hex");
// Container ids as docker prints them (--no-trunc).
const V1_BOT = "a1".repeat(32);
const V2_BOT = "b2".repeat(32);
const UNITS = [
  { name: "remindbot-backup.service", content: "[Service]\nType=oneshot\n" },
  { name: "remindbot-backup.timer", content: "[Timer]\nOnCalendar=*-*-* 00/6:00:00\n" },
];

const release = (tag: string, day: number) => ({
  dir: tag,
  tag,
  commit: `c-${tag}`,
  deployedAt: new Date(Date.UTC(2026, 0, day)).toISOString(),
  by: "seed",
  complete: true,
});

/** What the runner sends on stdin for a remote/bin script, in bytes. */
const scriptBytes = (script: string) => Buffer.byteLength(scriptText({ argv: [], script }));

/** The plan printed as `plan` prints it (the commands under each step). */
function printed(plan: TaskPlan): string {
  return planView(plan)
    .steps.map((s) => [`${s.id}: ${s.title}`, ...s.commands.map((c) => `    ${c}`)].join("\n"))
    .join("\n");
}

describe("engine over the in-process SSH server", () => {
  let vds: FakeVds;
  let config: PlanConfig;
  const l = () => layout(vds.appDir);
  const lastHistory = () =>
    JSON.parse(readFileSync(l().history, "utf8").trim().split("\n").at(-1)!) as Record<string, unknown>;
  const taskRequest = (): TaskRequest => ({ by: "tester", at: new Date().toISOString(), pid: 1, now: Date.now });
  const request = (o: Partial<DeployRequest> & { tag: string }): DeployRequest => ({
    action: "deploy",
    commit: `c-${o.tag}`,
    by: "tester",
    at: new Date().toISOString(),
    pid: 1,
    envSha256: ENV_SHA,
    sourceKnowsLease: true,
    ...o,
  });
  const sources = (units = false) => ({
    archive: async () => ({ data: vds.archive() }),
    env: async () => ENV,
    ...(units ? { units: UNITS } : {}),
    deployUser: "deploy",
    asRoot: false,
    now: Date.now,
  });

  /**
   * Runs the plan, then checks the commands the server received against the printed plan: all of
   * them for a run that succeeded; for one that failed, those of the plan as far as its steps got
   * (the run stops there, then writes history and unlocks).
   */
  async function runAsPlanned(
    plan: TaskPlan,
    record: TaskRecord,
  ): Promise<{ result: TaskResult; events: TaskEvent[] }> {
    const events: TaskEvent[] = [];
    vds.takeCommands();
    const result = await runTask({ remote: vds.remote, sink: (e) => events.push(e) }, plan, record);
    const received = vds.takeCommands();
    let view = planView(plan);
    if (!result.ok) {
      const failed = events.flatMap((e) => (e.type === "step-failed" ? [e.stepId] : []))[0];
      const at = view.steps.findIndex((s) => s.id === failed);
      expect(at, `a failed step in ${JSON.stringify(events)}`).to.be.at.least(0);
      const finals = new Set(plan.steps.filter((s) => s.final).map((s) => s.id));
      view = { ...view, steps: view.steps.filter((s, i) => i <= at || finals.has(s.id)) };
    }
    const match = matchRun(view, received, scriptBytes);
    expect(
      match.ok,
      match.ok
        ? ""
        : `${match.error}\n\nthe plan:\n${printed(plan)}\n\nthe run:\n${received.map((r) => r.line).join("\n")}`,
    ).to.be.true;
    return { result, events };
  }

  const deployRecord = (plan: DeployPlan): TaskRecord => ({
    history: { action: plan.action, tag: plan.tag, commit: plan.request.commit, by: "tester" },
    recover: (p, why) => recoveryPlan(plan, p, why),
  });

  before(async () => {
    vds = await startFakeVds([SECRET]);
    config = { appDir: vds.appDir, keepReleases: 2, healthTimeoutSec: 5, backupBeforeDeploy: true, backupMinFreeMb: 1 };
  });
  after(async () => {
    await vds.stop();
  });

  describe("plan equals run", () => {
    it("a first deploy: into <tag>.tmp, verified, renamed; env 0600; the stack started; history ok; lock released", async () => {
      vds.reset();
      vds.answer("migrate-status", '{"known":["0001_init","0002_lease"],"applied":[],"breaking":[]}\n');
      vds.answer("migrate-up", '{"ran":["0001_init","0002_lease"]}\n');
      const state: ServerState = { releases: [], images: [], handoverImages: [], postgresRunning: false, bots: [] };
      const plan = deployPlan(config, state, request({ tag: "v1" }), sources());
      expect(plan.strategy).to.equal("first");

      const { result, events } = await runAsPlanned(plan, deployRecord(plan));

      expect(result.exitCode, result.message).to.equal(0);
      expect(result.message).to.equal("deployed v1");
      const rel = join(vds.appDir, "releases", "v1");
      expect(readFileSync(join(rel, "bot", "x.txt"), "utf8")).to.equal("hello");
      expect(readFileSync(join(rel, "release.env"), "utf8")).to.equal(`BOT_TAG=v1\nAPP_DIR=${vds.appDir}\n`);
      expect(JSON.parse(readFileSync(join(rel, "release.json"), "utf8"))).to.include({ tag: "v1", commit: "c-v1" });
      // The archive was written inside v1.tmp (never into the visible release), then unpacked and removed.
      expect(vds.server.opens.map((o) => o.path)).to.satisfy((paths: string[]) =>
        paths.some((p) => p.startsWith(`${rel}.tmp/release.tar.gz.tmp-`)),
      );
      expect(existsSync(`${rel}.tmp`)).to.equal(false);
      expect(existsSync(join(rel, "release.tar.gz"))).to.equal(false);
      expect(statSync(l().envFile).mode & 0o777).to.equal(0o600);
      expect(readFileSync(l().envFile)).to.deep.equal(ENV);
      expect(readlinkSync(l().current)).to.equal("releases/v1");
      expect(vds.containers())
        .to.have.length(1)
        .and.satisfy((c: string[]) => c[0]!.endsWith(" remindbot-bot:v1 running"));
      expect(existsSync(l().lock)).to.equal(false);
      expect(lastHistory()).to.include({ action: "deploy", tag: "v1", commit: "c-v1", result: "ok" });
      expect(JSON.stringify(events)).to.not.contain(SECRET);
    });

    it("a deploy of v2 over a running v1 (handover), with units the deploy user cannot install", async () => {
      vds.reset({ releases: ["v0", "v1"], current: "v1", containers: [`${V1_BOT} remindbot-bot:v1 running`] });
      vds.answer("migrate-status", '{"known":["0001_init","0002_lease"],"applied":["0001_init"],"breaking":[]}\n');
      vds.answer("migrate-up", '{"ran":["0002_lease"]}\n');
      const state: ServerState = {
        currentTag: "v1",
        releases: [release("v1", 2), release("v0", 1)],
        images: ["v0", "v1"],
        handoverImages: ["v0", "v1"],
        postgresRunning: true,
        bots: [{ id: V1_BOT, tag: "v1", running: true }],
        envSha256: "0".repeat(64),
      };
      const plan = deployPlan(config, state, request({ tag: "v2" }), sources(true));
      expect(plan.strategy).to.equal("handover");
      expect(plan.steps.find((s) => s.id === "backup")?.startsWith).to.equal("build");

      const { result } = await runAsPlanned(plan, deployRecord(plan));

      expect(result.exitCode, result.message).to.equal(0);
      expect(result.message).to.equal("deployed v2");
      expect(result.figures).to.include({ "polling gap": "0.12 s (bot answered throughout)" });
      expect(result.warnings?.join("\n")).to.contain("deploy cannot sudo");
      expect(readlinkSync(l().current)).to.equal("releases/v2");
      const bots = vds.containers();
      expect(bots).to.have.length(1);
      expect(bots[0]).to.match(/^[0-9a-f]{64} remindbot-bot:v2 running$/);
      expect(existsSync(join(vds.appDir, "releases", "v0")), "pruned").to.equal(false);
      const docker = readFileSync(join(vds.state, "docker.log"), "utf8");
      expect(docker).to.contain(`stop --time 30 ${V1_BOT}`);
      expect(lastHistory()).to.include({ action: "deploy", tag: "v2", result: "ok" });
      expect(existsSync(l().lock)).to.equal(false);
    });

    it("a rollback to v1 with migrations probed: backup, revert with v2's image, handover", async () => {
      vds.reset({ releases: ["v1", "v2"], current: "v2", containers: [`${V2_BOT} remindbot-bot:v2 running`] });
      writeFileSync(l().envFile, ENV, { mode: 0o600 });
      const state: ServerState = {
        currentTag: "v2",
        releases: [release("v2", 2), release("v1", 1)],
        images: ["v1", "v2"],
        handoverImages: ["v1", "v2"],
        postgresRunning: true,
        bots: [{ id: V2_BOT, tag: "v2", running: true }],
        envSha256: ENV_SHA,
        migrations: { applied: ["0001_init", "0002_lease"], targetKnown: ["0001_init"], targetBreaking: [] },
      };
      const plan = deployPlan(config, state, request({ action: "rollback", tag: "v1" }), sources());
      expect(plan.strategy).to.equal("handover");
      expect(plan.migrationsDown).to.deep.equal(["0002_lease"]);

      const { result } = await runAsPlanned(plan, deployRecord(plan));

      expect(result.exitCode, result.message).to.equal(0);
      expect(result.message).to.equal("rolled back to v1");
      expect(result.figures?.backup, "named after the release running when taken").to.match(/_v2_pre-v1\.dump$/);
      expect(readlinkSync(l().current)).to.equal("releases/v1");
      const bots = vds.containers();
      expect(bots).to.have.length(1);
      expect(bots[0]).to.match(/ remindbot-bot:v1 running$/);
      const docker = readFileSync(join(vds.state, "docker.log"), "utf8");
      expect(docker).to.contain(`${l().release("v2")}/docker-compose.prod.yml --env-file`);
      expect(docker).to.match(/migrate\.js down 1/);
      expect(lastHistory()).to.include({ action: "rollback", tag: "v1", result: "ok" });
    });

    it("a provision (as root): user, key, layout; history written as the deploy user", async () => {
      vds.reset();
      const plan = provisionPlan(
        l(),
        { sudo: [], missing: [], os: parseOsRelease(DEBIAN_12), facts: BIG_MACHINE, dockerVersion: "27.3.1" },
        { user: "deploy", publicKey: vds.key.publicLine },
      );

      const { result } = await runAsPlanned(plan, {
        history: { action: "provision", tag: "-", commit: "", by: "tester" },
      });

      expect(result.exitCode, result.message).to.equal(0);
      expect(result.message).to.match(/^provision: \d+ change\(s\) made$/);
      expect(readFileSync(join(vds.home, ".ssh", "authorized_keys"), "utf8")).to.equal(`${vds.key.publicLine}\n`);
      expect(statSync(l().shared).mode & 0o777).to.equal(0o700);
      expect(lastHistory()).to.include({ action: "provision", tag: "-", result: "ok" });
    });
  });

  it("status reads the clock through checks.sh clock: synchronised, with timesyncd's offset", async () => {
    vds.reset();
    const s = await readStatus(vds.remote, l(), Date.now);
    expect(s.clock).to.deep.equal({ synchronized: true, text: "synchronised (timesyncd, offset +1.2 ms)" });
  });

  it("lock contention: of two acquirers one gets it, the other reads who holds it", async () => {
    vds.reset();
    const info = (by: string) => ({ by, at: new Date().toISOString(), action: "deploy", tag: "v1", pid: 1 });
    const [a, b] = await Promise.all([
      ask(vds.remote, lockCmd.acquire(l(), info("alice"))),
      ask(vds.remote, lockCmd.acquire(l(), info("bob"))),
    ]);
    expect([a.code, b.code].sort()).to.deep.equal([0, LOCK_HELD]);
    const loser = a.code === 0 ? b : a;
    const winner = a.code === 0 ? "alice" : "bob";
    expect(lockCmd.describeLock(lockCmd.parseLockInfo(loser.stdout), Date.now())).to.contain(`held by ${winner}`);
    expect((await ask(vds.remote, lockCmd.release(l()))).code).to.equal(0);
    expect(existsSync(l().lock)).to.equal(false);
  });

  it("a held lock ends the deploy with exit 3 naming the holder, and leaves the lock alone", async () => {
    vds.reset();
    await ask(
      vds.remote,
      lockCmd.acquire(l(), { by: "carol@ops", at: new Date().toISOString(), action: "rollback", tag: "v0", pid: 9 }),
    );
    const state: ServerState = { releases: [], images: [], handoverImages: [], postgresRunning: true, bots: [] };
    const plan = deployPlan(config, state, request({ tag: "v2" }), {
      ...sources(),
      archive: async () => {
        throw new Error("must not upload");
      },
    });
    const opens = vds.server.opens.length;

    const result = await runTask({ remote: vds.remote, sink: () => undefined }, plan, deployRecord(plan));

    expect(result.exitCode).to.equal(3);
    expect(result.message).to.contain("carol@ops").and.contain("rollback v0");
    expect(JSON.parse(readFileSync(join(l().lock, "info.json"), "utf8")).by).to.equal("carol@ops");
    expect(vds.server.opens.length, "nothing uploaded").to.equal(opens);
    expect(existsSync(l().history), "no history: the run never held the lock").to.equal(false);
  });

  describe("history records the real result", () => {
    const backupRun = () => {
      const plan = backupPlan(l(), l().release("v1"), 1, taskRequest());
      return runAsPlanned(plan, { history: { action: "backup", tag: "manual", commit: "", by: "tester" } });
    };

    it("a backup that worked: ok", async () => {
      vds.reset({ releases: ["v1"], current: "v1" });
      const { result } = await backupRun();
      expect(result.exitCode, result.message).to.equal(0);
      expect(result.figures?.backup).to.match(/^\d{8}T\d{6}Z_v1_manual\.dump$/);
      expect(lastHistory()).to.include({ action: "backup", tag: "manual", result: "ok" });
      expect(existsSync(l().lock)).to.equal(false);
    });

    it("a backup refused for low disk: failed, with why", async () => {
      vds.reset({ releases: ["v1"], current: "v1" });
      vds.answer("backup-exit", "3");
      const { result } = await backupRun();
      expect(result.exitCode).to.equal(1);
      const h = lastHistory();
      expect(h).to.include({ action: "backup", tag: "manual", result: "failed" });
      expect(h.detail).to.contain("free disk below the threshold").and.contain("only 3 MiB free");
      expect(existsSync(l().lock)).to.equal(false);
    });

    const restoreRun = (name: string) => {
      const plan = restorePlan(l(), l().release("v1"), name, 5, taskRequest());
      return runAsPlanned(plan, { history: { action: "restore", tag: name, commit: "", by: "tester" } });
    };
    const dump = "20260101T000000Z_v1_manual.dump";

    it("a restore that worked: ok, once the bot serves again", async () => {
      vds.reset({ releases: ["v1"], current: "v1", containers: [`${V1_BOT} remindbot-bot:v1 running`] });
      writeFileSync(join(l().backups, dump), "dump");
      const { result } = await restoreRun(dump);
      expect(result.exitCode, result.message).to.equal(0);
      expect(result.message).to.equal(`restored ${dump}`);
      expect(lastHistory()).to.include({ action: "restore", tag: dump, result: "ok" });
    });

    it("a restore that failed: failed, with why", async () => {
      vds.reset({ releases: ["v1"], current: "v1", containers: [`${V1_BOT} remindbot-bot:v1 running`] });
      writeFileSync(join(l().backups, dump), "dump");
      vds.answer("restore-exit", "5");
      const { result } = await restoreRun(dump);
      expect(result.exitCode).to.equal(1);
      const h = lastHistory();
      expect(h).to.include({ action: "restore", tag: dump, result: "failed" });
      expect(h.detail).to.contain("the previous data was kept");
      expect(existsSync(l().lock)).to.equal(false);
    });
  });

  describe("probe", () => {
    const manifest = { known: ["0001_init", "0002_lease"], breaking: ["0002_lease"] };
    const askedStatus = () => vds.takeCommands().some((c) => c.line.includes("'bot/dist/migrate.js' 'status'"));

    it("with the tag's manifest, asks the database only for what is applied (no one-off container)", async () => {
      vds.reset({ releases: ["v1", "v2"], current: "v1", containers: [`${V1_BOT} remindbot-bot:v1 running`] });
      vds.answer("images", "v1\nv2\n");
      vds.answer("applied", "0001_init\n");
      vds.takeCommands();
      const state = await probe(vds.remote, l(), { migrationsFor: "v2", targetMigrations: manifest });
      expect(state.migrations).to.deep.equal({
        applied: ["0001_init"],
        targetKnown: ["0001_init", "0002_lease"],
        targetBreaking: ["0002_lease"],
      });
      expect(askedStatus()).to.equal(false);
      // The running release's settings, read from the server; no /health publisher there.
      expect(state.releaseEnv).to.equal(`BOT_TAG=v1\nAPP_DIR=${l().appDir}\n`);
      expect(state).to.not.have.property("publicHealth");
      // So the plan knows at once: the pending migration breaks the running release.
      const plan = deployPlan(config, state, request({ tag: "v2" }), sources());
      expect(plan.strategy).to.equal("stop-first");
      expect(plan.strategyWhy).to.contain("0002_lease");
    });

    it("when the applied list cannot be read, leaves migrations unknown (the run asks)", async () => {
      vds.reset({ releases: ["v1", "v2"], current: "v1", containers: [`${V1_BOT} remindbot-bot:v1 running`] });
      vds.answer("images", "v1\nv2\n");
      const state = await probe(vds.remote, l(), { migrationsFor: "v2", targetMigrations: manifest });
      expect(state.migrations).to.equal(undefined);
    });

    it("without a manifest (a tag from before them), asks the target's image when it is there", async () => {
      vds.reset({ releases: ["v1", "v2"], current: "v1", containers: [`${V1_BOT} remindbot-bot:v1 running`] });
      vds.answer("images", "v1\nv2\n");
      vds.takeCommands();
      const state = await probe(vds.remote, l(), { migrationsFor: "v2" });
      expect(state.migrations?.targetKnown).to.deep.equal(["0001_init"]);
      expect(askedStatus()).to.equal(true);
    });
  });
});
