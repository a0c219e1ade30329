/**
 * The one place that turns data into shell text. Every argument is single-quoted (POSIX), so the
 * remote shell sees each one byte for byte: no expansion, no word splitting, no globbing.
 */
import type { Argv } from "./types.js";

/** Quotes one argument for a POSIX shell. Refuses NUL, which no shell argument can carry. */
export function quoteArg(s: string): string {
  if (s.includes("\0")) throw new Error("cannot pass a NUL byte in a shell argument");
  // A single quote cannot appear inside '...': close, add an escaped quote, reopen.
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Quotes an argv into one command line; the program is quoted too. */
export function quoteArgv(argv: Argv): string {
  if (argv.length === 0) throw new Error("cannot run an empty command");
  return argv.map(quoteArg).join(" ");
}
