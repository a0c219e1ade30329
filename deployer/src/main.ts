// Entry point of `npm run deployer`: the command line, or the terminal UI with no command on a terminal.
import { hostname, userInfo } from "node:os";
import type { ConnectFn, EngineDeps } from "./engine/deployer.js";
import { createDeployerApi } from "./engine/deployer.js";
import { connectTarget } from "./engine/connect.js";
import type { RenderUnits } from "./engine/context.js";
import { REPO_ROOT } from "./sandbox/target.js";
import { USAGE } from "./cli/args.js";
import { runCli } from "./cli/run.js";
import { runUi } from "./ui/run.js";

// The unit renderer is looked up at run time, so the CLI works while the stack part is being built.
async function loadUnits(): Promise<RenderUnits | undefined> {
  const spec = "./stack/units.js";
  try {
    const m = (await import(spec)) as { renderUnits?: RenderUnits };
    return m.renderUnits;
  } catch {
    return undefined;
  }
}

const argv = process.argv.slice(2);
const repoDir = process.env.DEPLOYER_REPO ?? process.cwd();
const connect: ConnectFn = connectTarget;
const renderUnits = await loadUnits();
const by = `${userInfo().username}@${hostname()}`;
const engine = (acceptHostKey?: string): EngineDeps => ({
  sources: { repoRoot: repoDir },
  repoDir,
  connect,
  by,
  ...(renderUnits ? { renderUnits } : {}),
  ...(acceptHostKey ? { acceptHostKey } : {}),
});

let code: number;
if (argv.length === 0) {
  if (process.stdin.isTTY && process.stdout.isTTY) code = await runUi(createDeployerApi(engine()));
  else {
    process.stderr.write(`${USAGE.main}\n`);
    code = 2;
  }
} else {
  const ac = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(
      `deployer: ${sig}: finishing or undoing the current step, then releasing the lock (again to quit now)\n`,
    );
    ac.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  code = await runCli(
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
process.exit(code);
