/**
 * `npm run bench [-- NAME...]`: runs every `*.bench.ts` in the workspaces, each in its own Node
 * process (so one benchmark's heap does not skew the next), one after another. NAME filters by path.
 * Benchmarks print figures and ratios against a baseline measured in the same run; none asserts time.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dirname, "..");

function findBenches(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === "node_modules" || e.name === "dist" || e.name.startsWith(".")) return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? findBenches(p) : e.name.endsWith(".bench.ts") ? [p] : [];
  });
}

const filters = process.argv.slice(2);
const benches = ["bot", "deployer"]
  .flatMap((w) => findBenches(join(root, w, "src")))
  .filter((f) => filters.length === 0 || filters.some((n) => f.includes(n)))
  .sort();

if (benches.length === 0) {
  console.error(filters.length ? `bench: nothing matches ${filters.join(" ")}` : "npm run bench: not built yet");
  process.exit(1);
}

let failed = 0;
for (const file of benches) {
  const name = relative(root, file);
  console.log(`\n### ${name}`);
  const started = Date.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", file], { stdio: "inherit", cwd: root });
  console.log(`### ${name}: ${r.status === 0 ? "done" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
