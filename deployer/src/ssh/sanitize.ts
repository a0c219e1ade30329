/**
 * Output from a server made safe for a terminal and a log: printable text, tabs and (optionally)
 * SGR colour codes; every other control is removed. A hostile or broken server could otherwise
 * write the clipboard (OSC 52), retitle the window (OSC 0), send device-control strings (DCS),
 * move the cursor over earlier lines, or hide text behind a carriage return. Works on one whole
 * line (a sequence split across chunks is only complete once the line is), so exec.ts applies it
 * to every line it streams.
 */

// One pass over the line; each alternative is one whole thing to drop (or an SGR to keep):
// - CSI: ESC [ or \x9b, parameter bytes, intermediate bytes, a final byte (missing at the end of a line);
// - strings (OSC ESC ], DCS ESC P, SOS ESC X, PM ESC ^, APC ESC _ and their C1 forms) up to BEL, ST
//   (ESC \ or \x9c) or the end of the line: the payload goes too, it was never meant to be shown;
// - any other escape: ESC, intermediates, a final byte (ESC 7, ESC c, ESC ( 0 ...), or a lone ESC;
// - a single control: C0 but tab (CR, BS and the like rewrite what is shown), DEL, C1, and the
//   Unicode bidirectional overrides/isolates that reorder what a line appears to say.
const UNSAFE = new RegExp(
  [
    String.raw`(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?`,
    String.raw`(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?`,
    String.raw`\x1b[ -/]*[0-~]?`,
    String.raw`[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]`,
  ].join("|"),
  "g",
);

/** SGR (colours, bold...): the one sequence kept when colours are wanted. */
const SGR = /^\x1b\[[0-9;:]*m$/; // eslint-disable-line no-control-regex

export interface SanitizeOptions {
  /** Keep SGR colour sequences (default true); false leaves plain text. */
  colours?: boolean;
}

/** One line of server output as it may be shown or logged. */
export function sanitizeLine(line: string, options: SanitizeOptions = {}): string {
  const colours = options.colours ?? true;
  return line.replace(UNSAFE, (found) => (colours && SGR.test(found) ? found : ""));
}
