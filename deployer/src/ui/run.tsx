// The Ink UI's entry: `npm run deployer` with no command on a terminal.
import { render } from "ink";
import type { DeployerApi } from "../engine/api.js";
import { App } from "./app.js";

export async function runUi(api: DeployerApi): Promise<number> {
  let code = 0;
  // Ctrl+C is ours: during a task it asks before aborting instead of killing the process.
  const instance = render(<App api={api} onExit={(c) => (code = c)} />, { exitOnCtrlC: false });
  await instance.waitUntilExit();
  return code;
}
