// The UI on a real terminal (tmux), started as a person would, with CI=true in its environment:
// Ink draws nothing until exit when it believes it runs in CI, so a deployer started from a CI
// shell (or by the tmux e2e under .ci/run) showed a blank screen. Needs tmux; skipped, saying so, without.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../sandbox/target.js";

const SESSION = `deployer-terminal-test-${process.pid}`;
const tmux = (...args: string[]) => spawnSync("tmux", args, { encoding: "utf8" });
const pane = () => tmux("capture-pane", "-p", "-t", SESSION).stdout ?? "";

async function waitPane(check: (text: string) => boolean, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = pane();
    if (check(text) || Date.now() > until) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("deployer UI on a terminal", function () {
  this.timeout(90_000);
  let repo = "";

  before(function () {
    if (tmux("-V").status !== 0) {
      console.log("    skipped: tmux is not installed (`bash .ci/install-deps.sh` installs it)");
      this.skip();
    }
    repo = mkdtempSync(join(tmpdir(), "deployer-terminal-"));
  });

  after(() => {
    tmux("kill-session", "-t", SESSION);
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it("draws live frames with CI=true set, and q quits", async () => {
    const main = join(REPO_ROOT, "deployer", "src", "main.ts");
    const r = tmux(
      "new-session",
      "-d",
      "-s",
      SESSION,
      "-x",
      "80",
      "-y",
      "24",
      `cd ${REPO_ROOT} && CI=true NO_COLOR=1 DEPLOYER_REPO=${repo} node --import tsx ${main}; echo "exited $?"; sleep 60`,
    );
    expect(r.status, r.stderr).to.equal(0);
    // run.tsx writes a plain "deployer · starting…" frame before Ink loads; Ink's header replaces it
    const inkFrame = (p: string) => p.includes("deployer ·") && !p.includes("starting…");
    const first = await waitPane(inkFrame, 60_000);
    expect(inkFrame(first), `Ink's header, drawn while the UI runs:\n${first}`).to.equal(true);
    expect(first).not.to.include("exited");
    tmux("send-keys", "-t", SESSION, "q");
    const after = await waitPane((p) => p.includes("exited"), 20_000);
    expect(after).to.match(/exited 0/);
  });
});
