// The UI on a real terminal (tmux), started as a person would, with CI=true in its environment:
// Ink draws nothing until exit when it believes it runs in CI, so a deployer started from a CI
// shell (or by the tmux e2e under .ci/run) showed a blank screen. Needs tmux; skipped, saying so, without.
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../local/repo-root.js";
import { TmuxSession, tmuxInstalled } from "./testing/tmux.js";

const term = new TmuxSession(`deployer-terminal-test-${process.pid}`);

describe("deployer UI on a terminal", function () {
  this.timeout(90_000);
  let repo = "";

  before(function () {
    if (!tmuxInstalled()) {
      console.log("    skipped: tmux is not installed (`bash .ci/install-deps.sh` installs it)");
      this.skip();
    }
    repo = mkdtempSync(join(tmpdir(), "deployer-terminal-"));
  });

  after(() => {
    term.kill();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it("draws live frames with CI=true set, and q quits", async () => {
    const main = join(REPO_ROOT, "deployer", "src", "main.ts");
    term.start(
      `cd ${REPO_ROOT} && CI=true NO_COLOR=1 DEPLOYER_REPO=${repo} node --import tsx ${main}; echo "exited $?"; sleep 60`,
      { cols: 80, rows: 24 },
    );
    // run.tsx writes a plain "deployer · starting…" frame before Ink loads; Ink's header replaces it
    const first = await term.waitFor(
      (p) => p.includes("deployer ·") && !p.includes("starting…"),
      "Ink's header, drawn while the UI runs",
    );
    expect(first).not.to.include("exited");
    term.press("q");
    const after = await term.waitText("exited", 20_000);
    expect(after).to.match(/exited 0/);
  });
});
