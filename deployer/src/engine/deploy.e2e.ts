// e2e: the deployer's CLI against the run's shared ready sandbox (root + Docker; skipped with one line
// otherwise). One scratch repo (a clone of HEAD's committed files) with tags v1, v2, a tag whose build
// fails and a tag whose bot never gets healthy; the tests run in order and build on each other.
// Before them, everything of remindbot on the server is removed (a kept sandbox disk may hold an
// earlier run's releases under the same tag names), so each run starts from a first deploy.
import { expect } from "chai";
import { hostname, userInfo } from "node:os";
import {
  compileCli,
  expectAnswersStart,
  root,
  scratchRepo,
  show,
  waitFor,
  WIPE,
} from "../../../test/support/deployer-cli.js";
import type { ScratchRepo } from "../../../test/support/deployer-cli.js";
import { sandboxSsh, useSandbox } from "../../../test/support/sandbox.js";

const SHORT_HEALTH_TIMEOUT = "45";

describe("deployer on the sandbox VDS (e2e)", function () {
  let s: ScratchRepo;
  let by = "";
  const cli = (args: string[], timeoutMs?: number) => s.cli(args, timeoutMs);

  before(async function () {
    await useSandbox(this);
    s = await scratchRepo("deploy-e2e-");
    // HEAD's committed files only; tags made here, so the run does not depend on the repo's tags
    await s.git("tag", "v1");
    await s.tagWith("v2", (src) => `${src}\n// v2: a one-line change\n`);
    // fails in tsc, after the cached npm ci layer: a fast failure
    await s.tagWith("v3-broken-build", (src) => `${src}\nconst = ;\n`);
    // builds (one changed layer), migrations pass, the bot exits at start: never healthy
    await s.git("checkout", "-q", "v2");
    await s.tagWith("v4-unhealthy", (src) => `if (process.env["NODE_ENV"] === "production") process.exit(3);\n${src}`);
    await compileCli();
    await root(WIPE, "removing an earlier run's remindbot from the server");
    by = `${userInfo().username}@${hostname()}`; // the deployer's "by"
  });

  after(() => s?.remove());

  it("deploys v1 to a server without a release (first deploy), and the bot answers /start", async () => {
    // a new server builds every layer (npm ci from the registry): the one slow build
    const r = await cli(["deploy", "--tag", "v1", "--yes"], 14 * 60_000);
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout).to.match(/done: deployed v1/);
    await expectAnswersStart("after deploying v1");
    process.stderr.write(`      deploy v1: ${(r.ms / 1000).toFixed(1)} s\n`);
  });

  it("deploys v2 over v1", async () => {
    const r = await cli(["deploy", "--tag", "v2", "--yes"]);
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout, "a deploy over a running release backs up first").to.match(
      /Back up the database .*_v1_pre-v2\.dump/,
    );
    expect(r.stdout, "units were installed by v1's deploy").to.match(/units unchanged/);
    await expectAnswersStart("after deploying v2");
  });

  it("lists both releases, newest first, v2 current", async () => {
    const rs = await s.releases();
    expect(
      rs.map((x) => x.tag),
      JSON.stringify(rs),
    ).to.deep.equal(["v2", "v1"]);
    expect(rs[0]).to.include({ current: true, result: "ok", imagePresent: true });
    expect(rs[1]).to.include({ current: false, result: "ok", imagePresent: true });
  });

  it("rolls back to v1 from its kept image: no upload, no rebuild", async () => {
    const r = await cli(["rollback", "--to", "v1", "--yes"]);
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout).to.match(/Build image remindbot-bot:v1: skipped/);
    expect(r.stdout).to.match(/Upload release v1: skipped/);
    expect(r.ms, `a rollback without a build is fast: ${show(r)}`).to.be.below(90_000);
    expect(await s.currentTag()).to.equal("v1");
    await expectAnswersStart("after the rollback to v1");
  });

  it("logs --follow shows the bot's lines; Ctrl+C ends it here and on the server", async () => {
    const f = s.start(["logs", "--follow", "--tail", "20", "--target", "sandbox"]);
    const ended = f.done(60_000);
    await waitFor("a bot log line", 30_000, async () => (/bot-\d+\s+\|/.test(f.out()) ? true : undefined), 250);
    await new Promise((r) => setTimeout(r, 3000));
    f.child.kill("SIGINT");
    const r = await ended;
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout).to.match(/^bot-\d+\s+\| \d{4}-\d\d-\d\dT\S+ \{.*"level"/m);
    await waitFor("no docker compose logs left on the server", 15_000, async () => {
      const ps = await sandboxSsh("ps -eo args | grep -c '[c]ompose.*logs' || true");
      return ps.stdout.trim() === "0" ? true : undefined;
    });
  });

  it("two deploys at once: one deploys, the other exits 3 naming the holder", async () => {
    const [a, b] = await Promise.all([
      cli(["deploy", "--tag", "v2", "--yes"]),
      cli(["deploy", "--tag", "v2", "--yes"]),
    ]);
    const codes = [a.code, b.code].sort();
    expect(codes, `${show(a)}\n---\n${show(b)}`).to.deep.equal([0, 3]);
    const loser = a.code === 3 ? a : b;
    expect(loser.stderr)
      .to.contain(`the deploy lock is held by ${by}`)
      .and.to.match(/doing deploy v2/);
    expect(await s.currentTag()).to.equal("v2");
    const lock = await sandboxSsh("test -e /opt/remindbot/lock");
    expect(lock.code, "the lock is released").to.equal(1);
  });

  it("a tag whose build fails exits 1, the running release keeps running, and history says why", async () => {
    const r = await cli(["deploy", "--tag", "v3-broken-build", "--yes"]);
    expect(r.code, show(r)).to.equal(1);
    expect(r.stderr).to.match(/the build of remindbot-bot:v3-broken-build failed/);
    expect(r.stderr).to.match(/nothing changed on the server/);
    expect(await s.currentTag()).to.equal("v2");
    const last = JSON.parse(await root("tail -n 1 /opt/remindbot/history.jsonl", "history.jsonl")) as {
      action: string;
      tag: string;
      result: string;
      detail?: string;
    };
    expect(last, "history.jsonl's last entry").to.include({ action: "deploy", tag: "v3-broken-build" });
    expect(last.result, "history.jsonl's last entry").to.not.equal("ok");
    expect(last.detail ?? "", "history says why").to.match(/the build of remindbot-bot:v3-broken-build failed/);
    await expectAnswersStart("after the failed build");
  });

  it("a tag whose bot never gets healthy fails its gate as a standby: exit 4, nothing changed for users", async () => {
    const r = await cli(["deploy", "--tag", "v4-unhealthy", "--yes", "--health-timeout", SHORT_HEALTH_TIMEOUT]);
    expect(r.code, show(r)).to.equal(4);
    expect(r.stdout).to.match(/Start v4-unhealthy as a standby/);
    expect(r.stdout + r.stderr).to.match(/nothing changed for users: the old release v2 kept running throughout/);
    expect(await s.currentTag()).to.equal("v2");
    await expectAnswersStart("after the failed standby");
    const rs = await s.releases();
    expect(rs.find((x) => x.tag === "v4-unhealthy")?.result).to.not.equal("ok");
  });

  it("the same tag replaced stop-first is rolled back automatically: exit 4, the bot answers again", async () => {
    const r = await cli([
      "deploy",
      "--tag",
      "v4-unhealthy",
      "--yes",
      "--stop-first",
      "--health-timeout",
      SHORT_HEALTH_TIMEOUT,
    ]);
    expect(r.code, show(r)).to.equal(4);
    expect(r.stdout).to.match(/Replace the bot with v4-unhealthy \(stop-first/);
    expect(r.stdout + r.stderr).to.match(/rolled back to v2/);
    expect(await s.currentTag()).to.equal("v2");
    await expectAnswersStart("after the automatic rollback");
  });
  // provision (twice), backup/restore, the units and .env, a restart of the server: in
  // test/e2e/scenario.e2e.ts (the seed verification scenario), on a fresh server.
});
