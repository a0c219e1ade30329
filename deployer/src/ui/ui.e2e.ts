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
import { REPO_ROOT } from "../sandbox/target.js";

const SESSION = `deployer-ui-e2e-${process.pid}`;
const TAGS = ["ui-e2e-1", "ui-e2e-2", "ui-e2e-3"] as const;
let repo = "";

function sh(cmd: string, args: string[], cwd = REPO_ROOT): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

const tmux = (...args: string[]) => sh("tmux", args);
const pane = () => tmux("capture-pane", "-p", "-t", SESSION);
const press = (...keys: string[]) => tmux("send-keys", "-t", SESSION, ...keys);

/** Polls the pane until `check` holds (bounded; no fixed sleeps). */
async function waitPane(check: (text: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = pane();
    if (check(text)) return text;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; the screen:\n${text}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const waitText = (text: string, timeoutMs?: number) => waitPane((p) => p.includes(text), `"${text}"`, timeoutMs);

/** Moves a list cursor until the selected row contains `text`. */
async function select(text: string, key = "j"): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if (
      pane()
        .split("\n")
        .some((l) => l.startsWith("› ") && l.includes(text))
    )
      return;
    press(key);
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`no row "${text}" to select:\n${pane()}`);
}

async function deploy(tag: string): Promise<string> {
  await select("Deploy", "k");
  press("Enter");
  await waitText("Tag to deploy");
  press("-l", tag);
  await waitPane((p) => p.includes(`› ${tag}`), `${tag} selected`);
  press("Enter");
  await waitText("Enter/y", 120_000);
  press("Enter");
  const done = await waitText("Enter/Esc: back", 10 * 60_000);
  press("Enter");
  await waitText("› Deploy");
  return done;
}

describe("deployer UI (e2e, tmux)", function () {
  before(async function () {
    if (spawnSync("tmux", ["-V"]).status !== 0) {
      console.log("    skipped: tmux is not installed (`bash .ci/install-deps.sh` installs it)");
      this.skip();
    }
    await useSandbox(this);
    repo = mkdtempSync(join(tmpdir(), "deployer-ui-e2e-"));
    sh("git", ["clone", "-q", REPO_ROOT, repo]);
    sh("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", "tag", TAGS[0]], repo);
    const file = join(repo, "bot", "src", "main.ts");
    writeFileSync(file, `${readFileSync(file, "utf8")}\n// ${TAGS[1]}\n`);
    sh("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", "commit", "-q", "-am", TAGS[1]], repo);
    sh("git", ["tag", TAGS[1]], repo);
    // the third tag's build takes minutes, so Ctrl+C lands in the middle of it
    const dockerfile = join(repo, "bot", "Dockerfile");
    const slow = readFileSync(dockerfile, "utf8").replace(/^RUN npx tsc -p bot/m, "RUN sleep 180\n$&");
    writeFileSync(dockerfile, slow);
    sh("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", "commit", "-q", "-am", TAGS[2]], repo);
    sh("git", ["tag", TAGS[2]], repo);
    tmux(
      "new-session",
      "-d",
      "-s",
      SESSION,
      "-x",
      "100",
      "-y",
      "32",
      `cd ${REPO_ROOT} && DEPLOYER_REPO=${repo} NO_COLOR=1 npm run deployer`,
    );
    await waitText("› Deploy", 5 * 60_000); // the first start may compile
  });

  after(() => {
    spawnSync("tmux", ["kill-session", "-t", SESSION]);
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it("deploys the first tag and shows the summary", async () => {
    const screen = await deploy(TAGS[0]);
    expect(screen).to.match(/✔ .*in /);
    await waitText(`release ${TAGS[0]}`, 60_000);
  });

  it("deploys the second tag", async () => {
    const screen = await deploy(TAGS[1]);
    expect(screen).to.match(/✔ .*in /);
  });

  it("Ctrl+C during a deploy asks, then aborts: lock released, the running release untouched", async () => {
    await select("Deploy", "k");
    press("Enter");
    await waitText("Tag to deploy");
    press("-l", TAGS[2]);
    await waitPane((p) => p.includes(`› ${TAGS[2]}`), `${TAGS[2]} selected`);
    press("Enter");
    await waitText("Enter/y", 120_000);
    press("Enter");
    // a spinner (not ✔/·) before the build step: the deploy is past its checks and upload
    const building = new RegExp(`^[^\\s✔✖↷·] Build image remindbot-bot:${TAGS[2]}`, "m");
    await waitPane((p) => building.test(p), "the build running", 5 * 60_000);
    press("C-c");
    await waitText("(y/n)");
    press("y");
    const screen = await waitText("Enter/Esc: back", 5 * 60_000);
    expect(screen).to.match(/✖ .*interrupted/);
    const lock = await sandboxSsh("test -e /opt/remindbot/lock", { user: "deploy" });
    expect(lock.code, "the lock is released").to.equal(1);
    const current = await sandboxSsh("readlink /opt/remindbot/current", { user: "deploy" });
    expect(current.stdout.trim()).to.match(new RegExp(`/${TAGS[1]}$`));
    const image = await sandboxSsh(["docker", "image", "inspect", `remindbot-bot:${TAGS[2]}`], { user: "deploy" });
    expect(image.code, "the interrupted build left no image").not.to.equal(0);
    press("Enter");
    await waitText(`release ${TAGS[1]}`, 60_000);
  });

  it("Logs shows a line the bot wrote after the view opened", async () => {
    await select("Logs");
    press("Enter");
    await waitText("Logs:");
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
    await waitPane(
      (p) =>
        [...p.matchAll(/(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)/g)].some(
          (m) => new Date(m[1] ?? 0).getTime() > opened.getTime(),
        ),
      "a log line stamped after the view opened",
      120_000,
    );
    press("Escape");
    await waitText("› Logs");
  });

  it("rolls back to the first tag", async () => {
    await select("Rollback to tag", "k");
    press("Enter");
    await waitText("Roll back to");
    await select(TAGS[0]);
    press("Enter");
    await waitText("Enter/y", 120_000);
    press("Enter");
    const screen = await waitText("Enter/Esc: back", 10 * 60_000);
    expect(screen).to.match(/✔ .*in /);
    press("Enter");
    await waitText(`release ${TAGS[0]}`, 60_000);
  });
});
