import { expect } from "chai";
import { renderKeyed as render } from "./testing/ink.js";
import type { LogOptions } from "../engine/api.js";
import { LogScreen } from "./log-view.js";
import { waitFor } from "./testing/fake-api.js";
import { frame, keys, until, type Ui } from "./testing/ink.js";

/** A log source the test pushes lines into, per service. */
function source() {
  const feeds = new Map<string, (line: string) => void>();
  const started: string[] = [];
  const logs = (o: LogOptions, onLine: (l: string) => void, signal?: AbortSignal) => {
    started.push(o.service);
    feeds.set(o.service, onLine);
    return new Promise<void>((r) => signal?.addEventListener("abort", () => r()));
  };
  const push = (service: string, ...lines: string[]) => lines.forEach((l) => feeds.get(service)?.(l));
  return { session: { logs }, push, started, ready: (s: string) => feeds.has(s) };
}

describe("LogScreen", () => {
  let ui: Ui | undefined;
  afterEach(() => ui?.unmount());

  it("follows lines, pauses with a counter of lines arriving underneath, resumes at the bottom", async () => {
    const src = source();
    ui = render(<LogScreen session={src.session} onBack={() => undefined} onHelp={() => undefined} height={3} />);
    await waitFor(() => src.ready("bot"), "logs started");
    src.push("bot", "one", "two", "three", "four");
    await until(ui, (f) => f.includes("four"), "four");
    expect(frame(ui)).not.to.include("one");
    await keys(ui, " ");
    await until(ui, (f) => f.includes("paused"), "paused");
    src.push("bot", "five", "six");
    await until(ui, (f) => f.includes("+2 new below"), "counter");
    expect(frame(ui)).not.to.include("six");
    await keys(ui, " ");
    await until(ui, (f) => f.includes("six") && !f.includes("paused"), "resumed");
  });

  it("filters with /, scrolls with PgUp/End, and Tab switches service", async () => {
    const src = source();
    ui = render(<LogScreen session={src.session} onBack={() => undefined} onHelp={() => undefined} height={3} />);
    await waitFor(() => src.ready("bot"), "logs started");
    src.push("bot", ...Array.from({ length: 10 }, (_, i) => `line ${i + 1}${i % 2 ? " ERROR" : ""}`));
    await until(ui, (f) => f.includes("line 10"), "line 10");
    await keys(ui, "\u001B[5~");
    await until(ui, (f) => f.includes("line 5") && !f.includes("line 10"), "page up");
    await keys(ui, "\u001B[F");
    await until(ui, (f) => f.includes("line 10"), "end");
    await keys(ui, "/", "E", "R", "R", "\r");
    await until(ui, (f) => f.includes("filter: ERR") && !f.includes("line 9\n"), "filtered");
    expect(frame(ui)).to.include("line 6 ERROR");
    expect(frame(ui)).not.to.match(/line 7(?! ERROR)/);
    await keys(ui, "\t");
    await waitFor(() => src.started.includes("postgres"), "postgres logs");
    await until(ui, (f) => !f.includes("line 10"), "buffer cleared on switch");
  });

  it("keeps at most its capacity of lines however many arrive", async () => {
    const src = source();
    ui = render(
      <LogScreen session={src.session} onBack={() => undefined} onHelp={() => undefined} height={3} capacity={50} />,
    );
    await waitFor(() => src.ready("bot"), "logs started");
    src.push("bot", ...Array.from({ length: 1000 }, (_, i) => `n${i}`));
    await until(ui, (f) => f.includes("n999"), "last line");
    // Home goes to the oldest line kept: the ring dropped everything before n950.
    await keys(ui, "\u001B[H");
    await until(ui, (f) => f.includes("n950"), "oldest kept");
    expect(frame(ui)).not.to.include("n949");
  });
});
