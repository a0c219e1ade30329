// The Ink UI's entry: `npm run deployer` with no command on a terminal. Built in the UI issue.
import type { DeployerApi } from "../engine/api.js";

export async function runUi(_api: DeployerApi): Promise<number> {
  console.error("deployer UI: not built yet; run `npm run deployer -- --help` for the commands");
  return 1;
}
