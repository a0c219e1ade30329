// e2e: the real `npm run deployer` in tmux against the run's shared sandbox (root + Docker + tmux;
// skipped with one line otherwise). A scratch clone of HEAD with three tags; the tests run in order:
// deploy the first tag, deploy the second, abort a deploy of the third with Ctrl+C, watch the logs
// show a line written after the view opened, roll back to the first.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sandboxSsh, useSandbox } from "../../../test/support/sandbox.js";
import { REPO_ROOT } from "../local/repo-root.js";
import { TmuxSession, tmuxInstalled } from "./testing/tmux.js";

const term = new TmuxSession(`deployer-ui-e2e-${process.pid}`);
const TAGS = ["ui-e2e-1", "ui-e2e-2", "ui-e2e-3"] as const;
let repo = "";

function git(...args: string[]): void {
  const r = spawnSync("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", ...args], {
    cwd: repo,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
}

/** Commits the working tree's changes to tracked files and tags the commit. */
function commitAndTag(tag: string): void {
  git("commit", "-q", "-am", tag);
  git("tag", tag);
}

/** Moves a list cursor until the selected row contains `text`. */
async function select(text: string, key = "j"): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if (
      term
        .pane()
        .split("\n")
        .some((l) => l.startsWith("› ") && l.includes(text))
    )
      return;
    term.press(key);
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`no row "${text}" to select:\n${term.pane()}`);
}

/** From the menu: Deploy, pick `tag`, confirm the plan. The task is running when this returns. */
async function startDeploy(tag: string): Promise<void> {
  await select("Deploy", "k");
  term.press("Enter");
  await term.waitText("Tag to deploy");
  term.press("-l", tag);
  await term.waitFor((p) => p.includes(`› ${tag}`), `${tag} selected`);
  term.press("Enter");
  await term.waitText("Enter/y", 120_000);
  term.press("Enter");
}

async function deploy(tag: string): Promise<string> {
  await startDeploy(tag);
  const done = await term.waitText("Enter/Esc: back", 10 * 60_000);
  term.press("Enter");
  await term.waitText("› Deploy");
  return done;
}

describe("deployer UI (e2e, tmux)", function () {
  before(async function () {
    if (!tmuxInstalled()) {
      console.log("    skipped: tmux is not installed (`bash .ci/install-deps.sh` installs it)");
      this.skip();
    }
    await useSandbox(this);
    repo = mkdtempSync(join(tmpdir(), "deployer-ui-e2e-"));
    const clone = spawnSync("git", ["clone", "-q", REPO_ROOT, repo], { encoding: "utf8" });
    if (clone.status !== 0) throw new Error(`git clone: ${clone.stderr}`);
    git("tag", TAGS[0]);
    const file = join(repo, "bot", "src", "main.ts");
    writeFileSync(file, `${readFileSync(file, "utf8")}\n// ${TAGS[1]}\n`);
    commitAndTag(TAGS[1]);
    // the third tag's build takes minutes, so Ctrl+C lands in the middle of it
    const dockerfile = join(repo, "bot", "Dockerfile");
    writeFileSync(dockerfile, readFileSync(dockerfile, "utf8").replace(/^RUN npx tsc -p bot/m, "RUN sleep 180\n$&"));
    commitAndTag(TAGS[2]);
    term.start(`cd ${REPO_ROOT} && DEPLOYER_REPO=${repo} NO_COLOR=1 npm run deployer`, { cols: 100, rows: 32 });
    await term.waitText("› Deploy", 5 * 60_000); // the first start may compile
  });

  after(() => {
    term.kill();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it("deploys the first tag and shows the summary", async () => {
    const screen = await deploy(TAGS[0]);
    expect(screen).to.match(/✔ .*in /);
    await term.waitText(`release ${TAGS[0]}`, 60_000);
  });

  it("deploys the second tag", async () => {
    const screen = await deploy(TAGS[1]);
    expect(screen).to.match(/✔ .*in /);
  });

  it("Ctrl+C during a deploy asks, then aborts: lock released, the running release untouched", async () => {
    await startDeploy(TAGS[2]);
    // a spinner (not ✔/·) before the build step: the deploy is past its checks and upload
    const building = new RegExp(`^[^\\s✔✖↷·] Build image remindbot-bot:${TAGS[2]}`, "m");
    await term.waitFor((p) => building.test(p), "the build running", 5 * 60_000);
    term.press("C-c");
    await term.waitText("(y/n)");
    term.press("y");
    const screen = await term.waitText("Enter/Esc: back", 5 * 60_000);
    expect(screen).to.match(/✖ .*interrupted/);
    const lock = await sandboxSsh("test -e /opt/remindbot/lock", { user: "deploy" });
    expect(lock.code, "the lock is released").to.equal(1);
    const current = await sandboxSsh("readlink /opt/remindbot/current", { user: "deploy" });
    expect(current.stdout.trim()).to.match(new RegExp(`/${TAGS[1]}$`));
    const image = await sandboxSsh(["docker", "image", "inspect", `remindbot-bot:${TAGS[2]}`], { user: "deploy" });
    expect(image.code, "the interrupted build left no image").not.to.equal(0);
    term.press("Enter");
    await term.waitText(`release ${TAGS[1]}`, 60_000);
  });

  it("Logs shows a line the bot wrote after the view opened", async () => {
    await select("Logs");
    term.press("Enter");
    await term.waitText("Logs:");
    // t: the server's UTC timestamps, to the millisecond, instead of local HH:MM:SS.
    term.press("t");
    const opened = new Date();
    // A restart makes the bot write fresh lines (stopping, ready) with timestamps after `opened`.
    const r = await sandboxSsh(
      ["sh", "-c", "docker restart $(docker ps -q --filter label=com.docker.compose.service=bot)"],
      {
        user: "deploy",
        timeoutMs: 120_000,
      },
    );
    expect(r.code, r.stderr).to.equal(0);
    await term.waitFor(
      (p) =>
        [...p.matchAll(/(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)/g)].some(
          (m) => new Date(m[1] ?? 0).getTime() > opened.getTime(),
        ),
      "a log line stamped after the view opened",
      120_000,
    );
    term.press("Escape");
    await term.waitText("› Logs");
  });

  it("rolls back to the first tag", async () => {
    await select("Rollback to tag", "k");
    term.press("Enter");
    await term.waitText("Roll back to");
    await select(TAGS[0]);
    term.press("Enter");
    await term.waitText("Enter/y", 120_000);
    term.press("Enter");
    const screen = await term.waitText("Enter/Esc: back", 10 * 60_000);
    expect(screen).to.match(/✔ .*in /);
    term.press("Enter");
    await term.waitText(`release ${TAGS[0]}`, 60_000);
  });
});
