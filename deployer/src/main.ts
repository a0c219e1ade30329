// Entry point of `npm run deployer`: the command line, or the terminal UI with no command on a terminal.
// Modules are loaded on demand: the UI draws its first frame before the engine (SSH, zod, winston) loads.
import type { DeployerApi } from "./engine/api.js";
import type { EngineDeps } from "./engine/deployer.js";
import type { runUi } from "./ui/run.js";

const argv = process.argv.slice(2);
const repoDir = process.env.DEPLOYER_REPO ?? process.cwd();

/** What the engine needs, built once the engine's modules are loaded. */
async function engineDeps(): Promise<(acceptHostKey?: string) => EngineDeps> {
  const [{ hostname, userInfo }, { connectTarget }, { renderUnits }] = await Promise.all([
    import("node:os"),
    import("./engine/connect.js"),
    import("./stack/units.js"),
  ]);
  const by = `${userInfo().username}@${hostname()}`;
  return (acceptHostKey?: string) => ({
    sources: { repoRoot: repoDir },
    repoDir,
    connect: connectTarget,
    by,
    renderUnits,
    ...(acceptHostKey ? { acceptHostKey } : {}),
  });
}

/** A DeployerApi that loads the engine on its first call, so the UI's first frame does not wait for it. */
function lazyApi(): DeployerApi {
  let api: Promise<DeployerApi> | undefined;
  const real = () =>
    (api ??= Promise.all([import("./engine/deployer.js"), engineDeps()]).then(([m, deps]) =>
      m.createDeployerApi(deps()),
    ));
  return {
    targets: async () => (await real()).targets(),
    localTags: async () => (await real()).localTags(),
    connect: async (target, confirmHostKey) => (await real()).connect(target, confirmHostKey),
  };
}

async function cli(): Promise<number> {
  const [{ runCli }, { REPO_ROOT }, engine] = await Promise.all([
    import("./cli/run.js"),
    import("./local/repo-root.js"),
    engineDeps(),
  ]);
  const ac = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(
      `deployer: ${sig}: finishing or undoing the current step, then releasing the lock (again to quit now)\n`,
    );
    ac.abort(new Error(`interrupted (${sig})`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return runCli(
    argv,
    {
      stdout: process.stdout,
      stderr: process.stderr,
      stdin: process.stdin,
      isTTY: Boolean(process.stdin.isTTY && process.stdout.isTTY),
      env: process.env,
      logRoot: process.env.DEPLOYER_LOG_ROOT ?? REPO_ROOT,
      signal: ac.signal,
    },
    engine,
  );
}

/**
 * Ink draws no frame until exit when it believes it runs in CI (`CI`/`CONTINUOUS_INTEGRATION` set,
 * read once when ink loads). On a terminal a person is watching, so the UI must draw live anyway.
 */
function drawLiveOnTerminal(): void {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
}

/**
 * The UI: from the one-file bundle scripts/run-deployer.mjs names when it is as new as the build
 * (it loads several times faster), else from the compiled files (`node deployer/dist/main.js`).
 */
async function loadUi(): Promise<{ runUi: typeof runUi }> {
  const bundle = process.env.DEPLOYER_UI_BUNDLE;
  // Not passed on to what the deployer starts (ssh, git).
  delete process.env.DEPLOYER_UI_BUNDLE;
  return bundle ? ((await import(bundle)) as { runUi: typeof runUi }) : import("./ui/run.js");
}

let code: number;
if (argv.length > 0) code = await cli();
else if (process.stdin.isTTY && process.stdout.isTTY) {
  drawLiveOnTerminal();
  code = await (await loadUi()).runUi(lazyApi());
} else {
  process.stderr.write(`${(await import("./cli/args.js")).USAGE.main}\n`);
  code = 2;
}
process.exit(code);
