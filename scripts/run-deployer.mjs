// `npm run deployer` (or, a fifth of a second sooner, `node scripts/run-deployer.mjs`): runs the
// compiled deployer, building first only when a source that goes into the build (or the installed
// packages) is newer than the last successful build, so the UI starts fast (no TypeScript in the
// start path). tsc leaves unchanged outputs alone, so the build is dated by a stamp file, not by them.
// The walk over deployer/src that decides it is ~150 files, a few ms: not worth a less exact check.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "deployer", "src");
const dist = join(root, "deployer", "dist");
const entry = join(dist, "main.js");
const stamp = join(dist, ".build-stamp");
const uiDir = join(dist, "ui");
const uiBundle = join(uiDir, "bundle.js");

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

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

/**
 * The UI (dist/ui) with Ink and React in one file: Node loads Ink's ~600 small modules (es-toolkit's
 * whole compat build among them) in ~0.6 s, the same code as one file in ~0.15 s. Only the UI's own
 * files and packages go in; the engine modules it imports stay the compiled files (their paths and
 * import.meta.url unchanged), shared with the engine that main.js loads.
 */
async function bundleUi() {
  const { build } = await import("esbuild");
  const keepEngineApart = {
    name: "engine-apart",
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        // Only our UI's imports; a package's own relative imports are bundled.
        if (!args.importer.startsWith(uiDir + "/")) return undefined;
        const target = resolve(dirname(args.importer), args.path);
        if (target.startsWith(uiDir + "/")) return undefined;
        return { path: relative(uiDir, target), external: true };
      });
      // Ink loads React's devtools only with DEV=true (a development aid, not installed).
      b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: "devtools", namespace: "absent" }));
      b.onLoad({ filter: /.*/, namespace: "absent" }, () => ({
        contents: 'throw new Error("React devtools are not installed; run node deployer/dist/main.js without DEV");',
      }));
    },
  };
  await build({
    entryPoints: [join(uiDir, "run.js")],
    outfile: uiBundle,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // React's production build, as run.tsx chooses at run time for the unbundled files.
    define: { "process.env.NODE_ENV": '"production"' },
    // Some of Ink's dependencies are CommonJS and require Node's built-ins.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    plugins: [keepEngineApart],
    logLevel: "warning",
    // run.tsx's `NODE_ENV ??=` is for the unbundled files; here the define has already decided.
    logOverride: { "assign-to-define": "silent" },
  });
}

const lock = join(root, "package-lock.json");
const NOT_BUNDLED = "not bundled";
// The stamp says "not bundled" when bundling failed: then a missing bundle is no reason to rebuild.
const stale =
  !existsSync(entry) ||
  !existsSync(stamp) ||
  (!existsSync(uiBundle) && readFileSync(stamp, "utf8") !== NOT_BUNDLED) ||
  Math.max(newestMtime(src), mtime(lock)) > statSync(stamp).mtimeMs;
if (stale) {
  process.stderr.write("deployer: compiling (sources changed)...\n");
  const tsc = spawnSync(
    process.execPath,
    [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "deployer")],
    { stdio: "inherit" },
  );
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  let stampText = "";
  try {
    await bundleUi();
  } catch (e) {
    // Still usable, only slower to start: main.js loads the compiled files one by one.
    process.stderr.write(`deployer: the UI was not bundled (${e instanceof Error ? e.message : e})\n`);
    rmSync(uiBundle, { force: true });
    stampText = NOT_BUNDLED;
  }
  writeFileSync(stamp, stampText);
}

// main.js loads the UI from here when set: only this script knows the bundle is as new as the build.
if (existsSync(uiBundle)) process.env.DEPLOYER_UI_BUNDLE = pathToFileURL(uiBundle).href;
// Same process (no second Node start); the entry reads its arguments from process.argv.slice(2).
await import(pathToFileURL(entry).href);
