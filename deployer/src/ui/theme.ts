/** Colours are off with NO_COLOR or when stdout is not a terminal; components ask `tint()`. */
export function colorsEnabled(env: NodeJS.ProcessEnv = process.env, isTTY = Boolean(process.stdout.isTTY)): boolean {
  return !("NO_COLOR" in env) && isTTY;
}

const enabled = colorsEnabled();

export function tint(color: string): string | undefined {
  return enabled ? color : undefined;
}
