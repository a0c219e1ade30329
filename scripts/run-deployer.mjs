// `npm run deployer`: runs the compiled deployer, compiling first only when a source that goes into
// the build is newer than the last successful compile, so the UI starts fast (no TypeScript in the
// start path). tsc leaves unchanged outputs alone, so the build is dated by a stamp file, not by them.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "deployer", "src");
const entry = join(root, "deployer", "dist", "main.js");
const stamp = join(root, "deployer", "dist", ".build-stamp");

/** Files deployer/tsconfig.json leaves out of the build: tests, benchmarks, e2e, test helpers. */
const notBuilt = (name) => /\.(test|bench|e2e)\.tsx?$/.test(name) || name === "testing";

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (notBuilt(e.name)) continue;
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

if (!existsSync(entry) || !existsSync(stamp) || newestMtime(src) > statSync(stamp).mtimeMs) {
  process.stderr.write("deployer: compiling (sources changed)...\n");
  const tsc = spawnSync(
    process.execPath,
    [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "deployer")],
    {
      stdio: "inherit",
    },
  );
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  writeFileSync(stamp, "");
}

// Same process (no second Node start); the entry reads its arguments from process.argv.slice(2).
await import(pathToFileURL(entry).href);
