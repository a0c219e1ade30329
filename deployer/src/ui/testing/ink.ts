/** Drives a component under ink-testing-library: read the frame, wait for content, type keys. */
import { render } from "ink-testing-library";
import { createElement, type ReactElement } from "react";
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
