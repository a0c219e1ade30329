/** A failure the CLI prints as one line (`sandbox: <message>`), without a stack. */
export class SandboxError extends Error {
  override name = "SandboxError";
}

/** The last n non-empty lines of a log, for an error that points at the full log. */
export function lastLines(text: string, n: number): string {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(-n)
    .join("\n");
}
