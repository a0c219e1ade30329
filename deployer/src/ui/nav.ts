/** Navigation as data: a stack of screens, back with Esc/q, a help overlay per screen. */
export type Screen = "targets" | "menu" | "deploy" | "rollback" | "logs" | "status" | "backups" | "provision";

export interface NavState {
  stack: Screen[];
  help: boolean;
}

export type NavAction =
  { type: "push"; screen: Screen } | { type: "back" } | { type: "replace"; screen: Screen } | { type: "toggle-help" };

export const initialNav = (screen: Screen = "targets"): NavState => ({ stack: [screen], help: false });

export function currentScreen(state: NavState): Screen {
  return state.stack[state.stack.length - 1] ?? "menu";
}

export function navReducer(state: NavState, action: NavAction): NavState {
  switch (action.type) {
    case "push":
      return { stack: [...state.stack, action.screen], help: false };
    case "replace":
      return { stack: [...state.stack.slice(0, -1), action.screen], help: false };
    case "back":
      // Help open: back closes it first; the root screen stays (quitting is Quit's job).
      if (state.help) return { ...state, help: false };
      return state.stack.length > 1 ? { stack: state.stack.slice(0, -1), help: false } : state;
    case "toggle-help":
      return { ...state, help: !state.help };
  }
}

/** Keys per screen, shown by `?`. */
export const HELP: Record<Screen, string[]> = {
  targets: ["↑/↓ or j/k  move", "Enter  choose target", "q  quit"],
  menu: ["↑/↓ or j/k  move", "Enter  choose", "q  quit", "?  this help"],
  deploy: [
    "type  filter tags",
    "↑/↓  move",
    "Enter  choose / confirm",
    "c  the commands run, with exit codes",
    "Ctrl+C  abort a running deploy",
    "Esc  back",
  ],
  rollback: [
    "↑/↓ or j/k  move",
    "Enter  choose / confirm",
    "c  the commands run",
    "Ctrl+C  abort a running rollback",
    "Esc/q  back",
  ],
  logs: [
    "space  pause/resume (↑/↓ scroll too)",
    "/  filter (Enter keeps, Esc clears; / Enter reuses the last)",
    "n/N  next/previous match",
    "l  lowest level: all, info, warn, error",
    "t  local time / the server's UTC",
    "w  wrap long lines",
    "↑/↓ Enter  choose a line, show it as JSON",
    "PgUp/PgDn Home/End  scroll, top, follow",
    "s  save the lines shown to a file",
    "Tab  switch service · Esc/q  back",
  ],
  status: ["r  refresh now", "u  remove a held deploy lock (asks first)", "Esc/q  back"],
  backups: [
    "↑/↓ or j/k  move",
    "n  create now",
    "d  download",
    "r  restore",
    "c  (creating, restoring) the commands run",
    "Esc/q  back",
  ],
  provision: ["Enter  confirm", "c  the commands run, with exit codes", "Ctrl+C  abort", "Esc/q  back"],
};

/** Moves a list cursor with arrows or j/k, clamped to the list. */
export function moveCursor(
  index: number,
  count: number,
  input: string,
  key: { upArrow?: boolean; downArrow?: boolean },
  letters = true,
): number {
  if (count === 0) return 0;
  if (key.upArrow || (letters && input === "k")) return Math.max(0, index - 1);
  if (key.downArrow || (letters && input === "j")) return Math.min(count - 1, index + 1);
  return Math.min(index, count - 1);
}
