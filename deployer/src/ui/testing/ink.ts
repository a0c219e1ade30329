/** Drives a component under ink-testing-library: read the frame, wait for content, type keys. */
import { render } from "ink-testing-library";
import { cloneElement, createElement, type ReactElement } from "react";
import { KeyQueue } from "../key-queue.js";
import { waitFor } from "./fake-api.js";

export type Ui = ReturnType<typeof render>;

export const frame = (ui: Ui): string => ui.lastFrame() ?? "";

/** A drawn frame's input handlers are attached by effects that run just after it: yield once more. */
export const settle = () => new Promise((r) => setTimeout(r, 0));

/** Waits until the frame contains `match` (a string), matches it (a RegExp) or passes it (a check). */
export async function until(
  ui: Ui,
  match: string | RegExp | ((f: string) => boolean),
  what = `"${String(match)}"`,
): Promise<void> {
  const test =
    typeof match === "string"
      ? (f: string) => f.includes(match)
      : match instanceof RegExp
        ? (f: string) => match.test(f)
        : match;
  await waitFor(() => test(frame(ui)), `${what} in:\n${frame(ui)}`);
  await settle();
}

/** Writes keys one at a time, letting Ink render between them (handlers see fresh state). */
export async function keys(ui: Ui, ...seq: string[]): Promise<void> {
  for (const k of seq) {
    await waitFor(() => ui.stdin.listenerCount("readable") > 0, "Ink reading input");
    ui.stdin.write(k);
    await settle();
    await settle();
  }
}

/** Renders a screen under the KeyQueue every screen's keys go through (the App brings its own). */
export const renderKeyed = (el: ReactElement): Ui => render(createElement(KeyQueue, null, el));

/**
 * Renders on a terminal `columns` wide (ink-testing-library's is always 100): the width is set,
 * then the tree drawn again, so every component reads it as it would on such a terminal.
 */
export function renderAt(el: ReactElement, columns: number): Ui {
  const ui = render(el);
  Object.defineProperty(ui.stdout, "columns", { value: columns });
  ui.rerender(cloneElement(el));
  return ui;
}

/** Lines of the frame wider than `columns` (colours stripped; the UI draws no double-width characters). */
export const linesWiderThan = (ui: Ui, columns: number): string[] =>
  frame(ui)
    // eslint-disable-next-line no-control-regex
    .replace(/\u001B\[[0-9;]*m/g, "")
    .split("\n")
    .filter((l) => [...l].length > columns);
