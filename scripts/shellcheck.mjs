// Runs shellcheck on every shell script in remote/ (and scripts/, .ci/) when shellcheck is installed.
import { execFileSync, spawnSync } from "node:child_process";

const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.sh", ".ci/run"], {
  encoding: "utf8",
})
  .split("\n")
  .filter(Boolean);

if (spawnSync("shellcheck", ["--version"]).error) {
  console.log("shellcheck not installed: shell scripts not checked (.ci/run installs it)");
  process.exit(0);
}
if (files.length === 0) process.exit(0);
const result = spawnSync("shellcheck", ["--external-sources", ...files], { stdio: "inherit" });
if (result.status === 0) console.log(`shellcheck: ${files.length} scripts clean`);
process.exit(result.status ?? 1);
