// `npm run deployer`: runs the compiled deployer, compiling first only when a source is newer than
// the build, so the UI starts fast (no TypeScript in the start path).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "deployer", "src");
const entry = join(root, "deployer", "dist", "main.js");

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

if (!existsSync(entry) || newestMtime(src) > statSync(entry).mtimeMs) {
  process.stderr.write("deployer: compiling (sources changed)...\n");
  const tsc = spawnSync(
    process.execPath,
    [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "deployer")],
    {
      stdio: "inherit",
    },
  );
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}

// Same process (no second Node start); the entry reads its arguments from process.argv.slice(2).
await import(pathToFileURL(entry).href);
