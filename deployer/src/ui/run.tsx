// The Ink UI's entry: `npm run deployer` with no command on a terminal.
// Ink and React take most of a second to load on a small machine, so a plain first frame is
// written at once and replaced by Ink's own when it has loaded (no JSX here: JSX would import
// React before NODE_ENV is chosen).
import type { DeployerApi } from "../engine/api.js";
import { colorsEnabled } from "./theme.js";

/** The plain frame, as wide as the UI will be (80 columns at most), so erasing it erases it all. */
function preFrame(columns: number): string[] {
  const w = Math.max(30, Math.min(80, columns || 80));
  return [
    "╭" + "─".repeat(w - 2) + "╮",
    "│ " + "deployer · starting…".padEnd(w - 3) + "│",
    "╰" + "─".repeat(w - 2) + "╯",
  ];
}

export async function runUi(api: DeployerApi): Promise<number> {
  const out = process.stdout;
  const PRE_FRAME = preFrame(out.columns);
  out.write(PRE_FRAME.join("\n") + "\n");
  // React's production build: several times faster and lighter than the development one.
  process.env.NODE_ENV ??= "production";
  if (!colorsEnabled()) process.env.FORCE_COLOR ??= "0";
  const [{ render }, { createElement }, { App }] = await Promise.all([
    import("ink"),
    import("react"),
    import("./app.js"),
  ]);
  // Erase the plain frame; Ink draws from here on.
  out.write(`\u001B[${PRE_FRAME.length}A\u001B[J`);
  let code = 0;
  // Ctrl+C is ours: during a task it asks before aborting instead of killing the process.
  const instance = render(createElement(App, { api, onExit: (c: number) => (code = c) }), { exitOnCtrlC: false });
  await instance.waitUntilExit();
  return code;
}
