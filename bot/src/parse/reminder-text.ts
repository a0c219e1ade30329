/**
 * The words around the time expression: the command and filler at the start ("/remind",
 * "напомни мне", "remind me to"), the urgency marker ("срочно", "urgent", "!"), and the tidying of
 * what remains once the time expression is cut out.
 */

// Control characters (except newline), zero-width and bidi marks, line/paragraph separators.
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2028\u2029\u2060-\u2069\uFEFF]/g;

/** Control and invisible characters become spaces; CRLF becomes LF. */
export function sanitize(input: string): string {
  return input.replace(/\r\n?/g, "\n").replace(INVISIBLE, " ");
}

const COMMAND = /^\s*\/(?:remind|напомни)(?:@\w+)?(?=\s|$)/iu;
const URGENT = /^\s*(?:(?:срочно|urgent(?:ly)?|asap)(?![\p{L}\p{N}])[\s!:,.—–-]*|!+\s*)/iu;
const FILLER =
  /^\s*(?:пожалуйста\s*,?\s*|please\s*,?\s*)?(?:напомни(?:те)?|напоминание|remind(?:\s+me)?|reminder)(?:\s+мне)?(?![\p{L}\p{N}])\s*[:,—–-]?/iu;

export interface Lead {
  rest: string;
  urgent: boolean;
}

/** Strips the command, filler and urgency marker from the start, in any order. */
export function stripLead(input: string): Lead {
  let rest = input;
  let urgent = false;
  for (let changed = true; changed;) {
    changed = false;
    for (const re of [COMMAND, URGENT, FILLER]) {
      const m = re.exec(rest);
      if (m !== null && m[0].length > 0) {
        if (re === URGENT) urgent = true;
        rest = rest.slice(m[0].length);
        changed = true;
      }
    }
  }
  return { rest, urgent };
}

const LEADING_CONNECTOR = /^(?:[\s,;:.—–-]+|(?:что(?:бы)?|to|that|about|и|and)(?=\s))+/iu;

/** The text with [start, end) cut out, spaces collapsed (newlines kept), connectors at the edges removed. */
export function cutOut(text: string, start: number, end: number): string {
  return tidy(`${text.slice(0, start)} ${text.slice(end)}`);
}

export function tidy(text: string): string {
  let t = text
    .replace(/[^\S\n]+/g, " ")
    .replace(/ *\n */g, "\n")
    .trim();
  for (let prev = ""; prev !== t;) {
    prev = t;
    t = t.replace(LEADING_CONNECTOR, "").trim();
  }
  return t
    .replace(/[\s,;:—–-]+$/u, "")
    .replace(/\s+([,.!?;:])/g, "$1")
    .trim();
}
