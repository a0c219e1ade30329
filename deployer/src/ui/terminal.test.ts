// The UI on a real terminal (tmux), started as a person would, with CI=true in its environment:
// Ink draws nothing until exit when it believes it runs in CI, so a deployer started from a CI
// shell (or by the tmux e2e under .ci/run) showed a blank screen. Needs tmux; skipped, saying so, without.
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

  it("started as `npm run deployer` starts it, handles `jjj Enter` sent in one go key by key", async () => {
    // Four targets that refuse at once: the fourth one chosen shows in the header, whatever follows.
    const names = ["alpha", "beta", "gamma", "delta"];
    writeFileSync(
      join(repo, "deploy.targets.yml"),
      `targets:\n${names.map((n) => `  ${n}:\n    host: 127.0.0.1\n    port: 1\n`).join("")}`,
    );
    term.kill();
    // The script npm runs (compiling first if the sources changed, then the bundled UI).
    const script = join(REPO_ROOT, "scripts", "run-deployer.mjs");
    term.start(`cd ${REPO_ROOT} && NO_COLOR=1 DEPLOYER_REPO=${repo} node ${script}; echo "exited $?"; sleep 60`, {
      cols: 80,
      rows: 24,
    });
    await term.waitText("› alpha");
    // One send-keys: the program reads "jjj\r" at once, as typed ahead or over a slow link.
    term.press("-l", "jjj\r");
    const screen = await term.waitFor((p) => /deployer · delta/.test(p), "delta chosen by the burst", 20_000);
    expect(screen).not.to.include("choose a target");
  });
});
