/**
 * The log view's state: a bounded ring of the raw lines (memory stays flat however long it follows;
 * a line is parsed only when drawn, filtered or levelled, through log-format's bounded cache),
 * what is shown (text filter, lowest level, time as local or UTC, wrapping), and where the user is:
 * following the end, or frozen at an anchor (paused, or scrolled up) with a cursor line that Enter
 * expands. Keys are reduced here; saving (`s`) is the view's effect.
 */
import { displayText, parsed, type Level, type ParsedLine } from "./log-format.js";

export type { Level } from "./log-format.js";
export { detectLevel } from "./log-format.js";

/** A line as drawn: built only for the rows on screen (the ring holds the raw strings alone). */
export interface LogLine extends ParsedLine {
  seq: number;
  /** The line as it came. */
  text: string;
}

export const MIN_LEVELS = ["all", "info", "warn", "error"] as const;
export type MinLevel = (typeof MIN_LEVELS)[number];

export interface LogState {
  capacity: number;
  /** The newest lines as they came, oldest first: the last has seq `received`. */
  lines: string[];
  /** Sequence number of the newest line received (lines evicted from the ring included). */
  received: number;
  paused: boolean;
  /** Seq of the newest line in view while frozen (paused or scrolled up); undefined = follow. */
  anchor?: number;
  /** The selected line while frozen (Enter expands it). */
  cursor?: number;
  /** Seq of the line shown expanded as JSON. */
  expanded?: number;
  filter: string;
  /** Typing a filter after `/`: keys go to the filter text. */
  editingFilter: boolean;
  /** The last filter applied: `/` then Enter with nothing typed brings it back. */
  lastFilter: string;
  minLevel: MinLevel;
  /** The server's UTC timestamps instead of local time. */
  utc: boolean;
  wrap: boolean;
  /** Rows and columns the lines get, for paging and wrapping. */
  height: number;
  width: number;
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

export type LogAction =
  | { type: "lines"; lines: string[] }
  | { type: "key"; press: LogKey }
  | { type: "clear" }
  | { type: "size"; width: number; height: number };

export const initialLog = (capacity = 5000, height = 15, width = 80, lastFilter = ""): LogState => ({
  capacity,
  lines: [],
  received: 0,
  paused: false,
  filter: "",
  editingFilter: false,
  lastFilter,
  minLevel: "all",
  utc: false,
  wrap: false,
  height,
  width,
});

function appendLines(state: LogState, texts: string[]): LogState {
  if (texts.length === 0) return state;
  const drop = Math.max(0, state.lines.length + texts.length - state.capacity);
  const lines =
    drop >= state.lines.length ? texts.slice(drop - state.lines.length) : state.lines.slice(drop).concat(texts);
  return { ...state, lines, received: state.received + texts.length };
}

/** Seq of the oldest line in the ring. */
const firstSeq = (state: LogState): number => state.received - state.lines.length + 1;

/** The line with that seq, if the ring still holds it. */
export function lineAt(state: LogState, seq: number): LogLine | undefined {
  const text = state.lines[seq - firstSeq(state)];
  return text === undefined ? undefined : { seq, text, ...parsed(text) };
}

/**
 * The lines the filter and the lowest level let through, oldest first, as their seqs (increasing).
 * With nothing filtering it is the whole ring, and no per-line array is built.
 */
interface Shown {
  length: number;
  seq: (i: number) => number;
}

const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const MIN_RANK: Record<MinLevel, number> = { all: 0, info: 1, warn: 2, error: 3 };

function shownLines(state: LogState): Shown {
  const first = firstSeq(state);
  if (state.filter === "" && state.minLevel === "all") return { length: state.lines.length, seq: (i) => first + i };
  const filter = state.filter.toLowerCase();
  const min = MIN_RANK[state.minLevel];
  const seqs: number[] = [];
  state.lines.forEach((text, i) => {
    const p = parsed(text);
    if (RANK[p.level] >= min && (filter === "" || p.body.toLowerCase().includes(filter))) seqs.push(first + i);
  });
  return { length: seqs.length, seq: (i) => seqs[i] ?? Infinity };
}

/** The raw lines the filter and the lowest level let through, oldest first (what `s` saves). */
export function filteredTexts(state: LogState): string[] {
  const all = shownLines(state);
  const first = firstSeq(state);
  return Array.from({ length: all.length }, (_, i) => state.lines[all.seq(i) - first] ?? "");
}

/** Rows the line with that seq takes: one, or as many as its text needs when wrapping. */
function rowsOf(state: LogState, seq: number): number {
  if (!state.wrap) return 1;
  const text = state.lines[seq - firstSeq(state)] ?? "";
  return Math.max(1, Math.ceil(displayText(parsed(text), state.utc).length / Math.max(1, state.width)));
}

/** How many of `all` lie at or before `seq` (seqs only grow). */
function countUpTo(all: Shown, seq: number): number {
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (all.seq(mid) <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Start of the window that ends (exclusive) at `end`: as many lines as fit in `height` rows. */
function windowStart(state: LogState, all: Shown, end: number): number {
  let rows = 0;
  let start = end;
  while (start > 0) {
    const r = rowsOf(state, all.seq(start - 1));
    if (rows + r > state.height && start < end) break;
    rows += r;
    start--;
  }
  return start;
}

function windowEnd(state: LogState, all: Shown): number {
  return state.anchor === undefined ? all.length : countUpTo(all, state.anchor);
}

/** The rows to draw, oldest first: the only lines parsed while following with nothing filtering. */
export function visibleLines(state: LogState): LogLine[] {
  const all = shownLines(state);
  const end = windowEnd(state, all);
  const rows: LogLine[] = [];
  for (let i = windowStart(state, all, end); i < end; i++) {
    const line = lineAt(state, all.seq(i));
    if (line) rows.push(line);
  }
  return rows;
}

/** Lines that arrived below what the user sees (paused or scrolled up). */
export function newBelow(state: LogState): number {
  return state.anchor === undefined ? 0 : state.received - state.anchor;
}

const follow = (state: LogState): LogState => ({ ...state, paused: false, anchor: undefined, cursor: undefined });

/** Frozen at the end index `end` of `all`, the cursor kept inside the window. */
function frozenAt(state: LogState, all: Shown, end: number, cursorIndex?: number): LogState {
  if (end < 1 || end > all.length) return state;
  const start = windowStart(state, all, end);
  const ci = Math.min(end - 1, Math.max(start, cursorIndex ?? end - 1));
  return { ...state, anchor: all.seq(end - 1), cursor: all.seq(ci) };
}

/** Moves the cursor by `by` lines, scrolling the window to keep it in view; past the end follows. */
function moveCursor(state: LogState, by: number): LogState {
  const all = shownLines(state);
  if (all.length === 0) return state;
  const end = windowEnd(state, all);
  const at = state.cursor === undefined ? end - 1 : countUpTo(all, state.cursor) - 1;
  if (state.anchor === undefined && by > 0) return state;
  const target = state.anchor === undefined ? at : at + by;
  if (target >= all.length && !state.paused) return follow(state);
  const ci = Math.max(0, Math.min(all.length - 1, target));
  // Scroll just enough that the cursor is in view.
  let newEnd = Math.max(end, ci + 1);
  if (state.anchor === undefined) newEnd = end;
  while (ci < windowStart(state, all, newEnd)) newEnd--;
  return frozenAt(state, all, newEnd, ci);
}

/** Scrolls the window by `by` lines; back at the bottom (not paused) follows again. */
function scroll(state: LogState, by: number): LogState {
  const all = shownLines(state);
  if (all.length === 0) return state;
  const end = windowEnd(state, all);
  const first = windowStart(state, all, all.length) === 0 ? all.length : Math.min(state.height, all.length);
  const target = Math.min(all.length, Math.max(Math.min(first, end), end + by));
  if (target >= all.length && !state.paused) return follow(state);
  return frozenAt(state, all, target);
}

/** Jumps the cursor to the next (newer, by 1) or previous (older, by -1) line the filter shows. */
function jump(state: LogState, by: 1 | -1): LogState {
  if (state.filter === "") return state;
  // Following: the first jump selects the newest match, whichever way.
  return moveCursor(state, state.anchor === undefined ? -1 : by);
}

function editFilter(state: LogState, { input, key }: LogKey): LogState {
  if (key.return) {
    const filter = state.filter || state.lastFilter;
    return { ...state, editingFilter: false, filter, lastFilter: filter || state.lastFilter };
  }
  if (key.escape) return { ...state, editingFilter: false, filter: "" };
  if (key.backspace || key.delete) return { ...state, filter: state.filter.slice(0, -1) };
  if (input && !key.ctrl && !key.meta && !key.tab) return { ...state, filter: state.filter + input };
  return state;
}

function onKey(state: LogState, press: LogKey): LogState {
  const { input, key } = press;
  if (state.editingFilter) return editFilter(state, press);
  if (state.expanded !== undefined) {
    return key.return || key.escape || input === "q" ? { ...state, expanded: undefined } : state;
  }
  switch (input) {
    case "/":
      return { ...state, editingFilter: true };
    case " ":
      return state.paused ? follow(state) : { ...moveCursor(state, 0), paused: true, anchor: state.received };
    case "t":
      return { ...state, utc: !state.utc };
    case "w":
      return { ...state, wrap: !state.wrap };
    case "l": {
      const next = MIN_LEVELS[(MIN_LEVELS.indexOf(state.minLevel) + 1) % MIN_LEVELS.length] ?? "all";
      return { ...state, minLevel: next };
    }
    case "n":
      return jump(state, 1);
    case "N":
      return jump(state, -1);
  }
  if (key.return) return state.cursor !== undefined ? { ...state, expanded: state.cursor } : state;
  if (key.upArrow) return moveCursor(state, -1);
  if (key.downArrow) return moveCursor(state, 1);
  if (key.pageUp) return scroll(state, -state.height);
  if (key.pageDown) return scroll(state, state.height);
  if (key.home) {
    const all = shownLines(state);
    let end = 0;
    for (let rows = 0; end < all.length && rows + rowsOf(state, all.seq(end)) <= state.height; end++)
      rows += rowsOf(state, all.seq(end));
    return frozenAt(state, all, Math.max(1, end), 0);
  }
  if (key.end) return follow(state);
  return state;
}

export function logReducer(state: LogState, action: LogAction): LogState {
  switch (action.type) {
    case "lines":
      return appendLines(state, action.lines);
    case "key":
      return onKey(state, action.press);
    case "size":
      return action.width === state.width && action.height === state.height
        ? state
        : { ...state, width: action.width, height: action.height };
    case "clear":
      // A new stream (another service): the lines go, what the user chose to see stays.
      return {
        ...initialLog(state.capacity, state.height, state.width, state.lastFilter),
        filter: state.filter,
        minLevel: state.minLevel,
        utc: state.utc,
        wrap: state.wrap,
      };
  }
}
