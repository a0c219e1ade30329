/**
 * Ink hands keys that arrive in one read (typed ahead, pasted, a slow SSH link) to useInput as one
 * string: "jjj\r" instead of j, j, j, Enter. This splits such a burst back into single key presses,
 * shaped as Ink shapes one key. Escape sequences (arrows, PgUp…) never come in a burst: Ink's input
 * parser already cuts the stream around them.
 */
import type { Key } from "ink";

export interface KeyPress {
  input: string;
  key: Key;
}

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** One character as Ink would report it had it arrived alone. */
export function pressOf(ch: string): KeyPress {
  // \n too: a pasted line ends with it, and Enter is what it means there.
  if (ch === "\r" || ch === "\n") return { input: "", key: { ...NO_KEY, return: true } };
  if (ch === "\t") return { input: "", key: { ...NO_KEY, tab: true } };
  if (ch === "\b") return { input: "", key: { ...NO_KEY, backspace: true } };
  if (ch === "\u007F") return { input: "", key: { ...NO_KEY, delete: true } };
  if (ch === "\u001B") return { input: "", key: { ...NO_KEY, escape: true, meta: true } };
  const code = ch.codePointAt(0) ?? 0;
  if (code > 0 && code <= 0x1a) return { input: String.fromCharCode(code + 96), key: { ...NO_KEY, ctrl: true } };
  return { input: ch, key: { ...NO_KEY, shift: /^[A-Z]$/.test(ch) } };
}

/** The key presses in what useInput was handed: itself when it is one key, else one per character. */
export function splitKeys(input: string, key: Key): KeyPress[] {
  const chars = [...input];
  // A single character, a named key (input ""), or Meta+char (Ink already stripped the Esc).
  if (chars.length <= 1 || key.meta || key.ctrl) return [{ input, key }];
  return chars.map(pressOf);
}
