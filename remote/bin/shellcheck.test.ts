// Every shell script under remote/ is shellcheck-clean, with no blanket disables.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { BIN_DIR } from "./script-harness.js";

describe("remote/bin: shell scripts", () => {
  let scripts: string[];
  before(async () => {
    scripts = (await readdir(BIN_DIR)).filter((f) => f.endsWith(".sh")).sort();
  });

  it("include the release's scripts and those the deployer feeds on stdin", () => {
    expect(scripts).to.include.members([
      "backup.sh",
      "bot-state.sh",
      "checks.sh",
      "disk-check.sh",
      "history.sh",
      "lib.sh",
      "lock.sh",
      "provision.sh",
      "release.sh",
      "restore.sh",
      "units.sh",
    ]);
  });

  it("pass shellcheck", function () {
    this.timeout(60_000);
    if (spawnSync("shellcheck", ["--version"]).error) {
      console.log("      skipped: shellcheck is not installed (.ci/run installs it)");
      return this.skip();
    }
    const r = spawnSync("shellcheck", ["--external-sources", ...scripts], { cwd: BIN_DIR, encoding: "utf8" });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
  });

  it("use strict mode, and disable shellcheck only for one line with a reason", async () => {
    for (const name of scripts) {
      const text = await readFile(join(BIN_DIR, name), "utf8");
      if (name !== "lib.sh") {
        expect(text, name).to.include("set -Eeuo pipefail");
        expect(text, name).to.match(/_is_sourced \|\| main "\$@"\n$/);
        expect(text, name).to.match(/^usage\(\) \{/m);
      }
      for (const line of text.split("\n").filter((l) => l.includes("shellcheck disable"))) {
        expect(line, `${name}: ${line}`).to.match(/^\s*# shellcheck disable=SC\d{4} # \S/);
      }
    }
  });

  it("are executable, except lib.sh, which is only sourced", async () => {
    const { stat } = await import("node:fs/promises");
    for (const name of scripts) {
      const mode = (await stat(join(BIN_DIR, name))).mode;
      expect(Boolean(mode & 0o100), name).to.equal(name !== "lib.sh");
    }
  });
});
