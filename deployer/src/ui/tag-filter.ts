/** The tag picker's rows and filter: local tags newest first, marked when running or on the server. */
import type { ReleaseInfo, TagInfo } from "../engine/api.js";

export interface TagRow extends TagInfo {
  running: boolean;
  onServer: boolean;
}

export function tagRows(tags: TagInfo[], releases: ReleaseInfo[]): TagRow[] {
  const onServer = new Set(releases.map((r) => r.tag));
  const running = releases.find((r) => r.current)?.tag;
  return tags.map((t) => ({ ...t, running: t.tag === running, onServer: onServer.has(t.tag) }));
}

/** Case-insensitive substring over tag, subject and commit; every word must match. */
export function filterTags<T extends TagInfo>(rows: T[], query: string): T[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return rows;
  return rows.filter((r) => {
    const hay = `${r.tag} ${r.subject} ${r.commit}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

export interface PickerState {
  query: string;
  cursor: number;
}

export type PickerKey = {
  input: string;
  key: {
    upArrow?: boolean;
    downArrow?: boolean;
    backspace?: boolean;
    delete?: boolean;
    ctrl?: boolean;
    meta?: boolean;
    return?: boolean;
    escape?: boolean;
    tab?: boolean;
  };
};

/** Typing filters (the cursor goes back to the top), arrows move within the filtered rows. */
export function pickerReducer(state: PickerState, press: PickerKey, count: number): PickerState {
  const { input, key } = press;
  if (key.upArrow) return { ...state, cursor: Math.max(0, state.cursor - 1) };
  if (key.downArrow) return { ...state, cursor: Math.max(0, Math.min(count - 1, state.cursor + 1)) };
  if (key.backspace || key.delete) return { query: state.query.slice(0, -1), cursor: 0 };
  if (key.return || key.escape || key.tab || key.ctrl || key.meta) return state;
  if (input && input >= " ") return { query: state.query + input, cursor: 0 };
  return state;
}
