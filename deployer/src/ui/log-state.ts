/**
 * The log view's state: a bounded ring of lines (memory stays flat however long it follows),
 * pause with a counter of lines arriving underneath, a text filter and a scroll anchor.
 */
export type Level = "error" | "warn" | "info";

export interface LogLine {
  seq: number;
  text: string;
  level: Level;
}

export interface LogState {
  capacity: number;
  lines: LogLine[];
  /** Sequence number of the newest line received (lines evicted from the ring included). */
  received: number;
  paused: boolean;
  /** Seq of the bottom visible line while frozen (paused or scrolled); undefined = follow. */
  anchor?: number;
  filter: string;
  /** Typing a filter after `/`: keys go to the filter text. */
  editingFilter: boolean;
  /** Rows the view shows, for paging. */
  height: number;
}

export type LogKey = {
  input: string;
  key: {
    return?: boolean;
    escape?: boolean;
    backspace?: boolean;
    delete?: boolean;
    pageUp?: boolean;
    pageDown?: boolean;
    home?: boolean;
    end?: boolean;
    upArrow?: boolean;
    downArrow?: boolean;
    ctrl?: boolean;
    meta?: boolean;
    tab?: boolean;
  };
};

export type LogAction = { type: "lines"; lines: string[] } | { type: "key"; press: LogKey } | { type: "clear" };

export const initialLog = (capacity = 5000, height = 15): LogState => ({
  capacity,
  lines: [],
  received: 0,
  paused: false,
  filter: "",
  editingFilter: false,
  height,
});

const ERROR_RE = /\b(error|err|fatal|panic|crit(ical)?|exception)\b|"level":\s*"(error|fatal)"/i;
const WARN_RE = /\b(warn|warning)\b|"level":\s*"warn(ing)?"/i;

export function detectLevel(text: string): Level {
  if (ERROR_RE.test(text)) return "error";
  if (WARN_RE.test(text)) return "warn";
  return "info";
}

function appendLines(state: LogState, texts: string[]): LogState {
  if (texts.length === 0) return state;
  // Only the last `capacity` of a big batch can survive; skip building the rest.
  const keep = texts.length > state.capacity ? texts.slice(-state.capacity) : texts;
  let seq = state.received + (texts.length - keep.length);
  const added = keep.map((text) => ({ seq: ++seq, text, level: detectLevel(text) }));
  const merged = state.lines.concat(added);
  const lines = merged.length > state.capacity ? merged.slice(merged.length - state.capacity) : merged;
  return { ...state, lines, received: state.received + texts.length };
}

export function matches(line: LogLine, filter: string): boolean {
  return filter === "" || line.text.toLowerCase().includes(filter.toLowerCase());
}

export function filteredLines(state: LogState): LogLine[] {
  return state.filter === "" ? state.lines : state.lines.filter((l) => matches(l, state.filter));
}

/** The rows to draw, oldest first. */
export function visibleLines(state: LogState): LogLine[] {
  const all = filteredLines(state);
  const anchor = state.anchor;
  let end = all.length;
  if (anchor !== undefined) {
    end = 0;
    while (end < all.length && (all[end]?.seq ?? Infinity) <= anchor) end++;
  }
  return all.slice(Math.max(0, end - state.height), end);
}

/** Lines that arrived below what the user sees (paused or scrolled up). */
export function newBelow(state: LogState): number {
  return state.anchor === undefined ? 0 : state.received - state.anchor;
}

function scroll(state: LogState, by: number): LogState {
  const all = filteredLines(state);
  if (all.length === 0) return state;
  const anchor = state.anchor ?? state.received;
  let end = 0;
  while (end < all.length && (all[end]?.seq ?? Infinity) <= anchor) end++;
  const target = Math.min(all.length, Math.max(Math.min(state.height, all.length), end + by));
  // Back at the bottom and not paused: follow again.
  if (target >= all.length && !state.paused) return { ...state, anchor: undefined };
  return { ...state, anchor: all[target - 1]?.seq ?? anchor };
}

function onKey(state: LogState, { input, key }: LogKey): LogState {
  if (state.editingFilter) {
    if (key.return) return { ...state, editingFilter: false };
    if (key.escape) return { ...state, editingFilter: false, filter: "" };
    if (key.backspace || key.delete) return { ...state, filter: state.filter.slice(0, -1) };
    if (input && !key.ctrl && !key.meta && !key.tab) return { ...state, filter: state.filter + input };
    return state;
  }
  if (input === "/") return { ...state, editingFilter: true };
  if (input === " ") {
    return state.paused
      ? { ...state, paused: false, anchor: undefined }
      : { ...state, paused: true, anchor: state.received };
  }
  if (key.pageUp) return scroll(state, -state.height);
  if (key.pageDown) return scroll(state, state.height);
  if (key.upArrow) return scroll(state, -1);
  if (key.downArrow) return scroll(state, 1);
  if (key.home) {
    const first = filteredLines(state)[Math.max(0, state.height - 1)];
    return first ? { ...state, anchor: Math.min(first.seq, state.received) } : state;
  }
  if (key.end) return { ...state, paused: false, anchor: undefined };
  return state;
}

export function logReducer(state: LogState, action: LogAction): LogState {
  switch (action.type) {
    case "lines":
      return appendLines(state, action.lines);
    case "key":
      return onKey(state, action.press);
    case "clear":
      return { ...initialLog(state.capacity, state.height), filter: state.filter };
  }
}
