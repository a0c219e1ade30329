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

  it("shows the bot's JSON readably, t switches to UTC; a burst /err⏎ filters; s saves and says where", async () => {
    const src = source();
    const saved: { name: string; text: string }[] = [];
    const save = async (name: string, text: string) => {
      saved.push({ name, text });
      return `/tmp/logs/${name}`;
    };
    ui = render(
      <LogScreen session={src.session} onBack={() => undefined} onHelp={() => undefined} height={4} save={save} />,
    );
    await waitFor(() => src.ready("bot"), "logs started");
    const raw = (level: string, msg: string) =>
      `bot-1 | 2026-12-01T22:15:22.653214189Z {"apiRoot":"[REDACTED]","level":"${level}","message":"${msg}","chat":7}`;
    src.push("bot", raw("info", "reminder delivered"), raw("error", "send failed"), "postgres says hi");
    await until(ui, "send failed");
    expect(frame(ui)).to.match(/\d\d:\d\d:\d\d info {2}reminder delivered apiRoot=\[REDACTED\] chat=7/);
    expect(frame(ui)).not.to.include('{"apiRoot"');
    expect(frame(ui)).to.include("following");
    await keys(ui, "t");
    await until(ui, "2026-12-01T22:15:22.653Z error send failed");
    ui.stdin.write("/fail\r");
    await until(ui, (f) => f.includes("filter: fail") && !f.includes("reminder delivered"), "filtered");
    expect(frame(ui)).to.include("UTC");
    await keys(ui, "s");
    await until(ui, /saved 1 lines to \/tmp\/logs\/bot-\d{8}T\d{6}Z\.log/);
    expect(saved[0]?.text).to.equal(`${raw("error", "send failed")}\n`);
  });

  it("says when it stopped following because the user scrolled up, and End follows again", async () => {
    const src = source();
    ui = render(<LogScreen session={src.session} onBack={() => undefined} onHelp={() => undefined} height={2} />);
    await waitFor(() => src.ready("bot"), "logs started");
    src.push("bot", "l1", "l2", "l3", "l4");
    await until(ui, "l4");
    await keys(ui, "\u001B[A", "\u001B[A", "\u001B[A");
    await until(ui, "scrolled up (End follows)");
    expect(frame(ui)).to.include("l3");
    src.push("bot", "l5");
    await until(ui, "+1 new below");
    expect(frame(ui)).not.to.include("l5");
    await keys(ui, "\r");
    // The chosen line alone (l2: the first Up selects l4), in place of the window (l2 and l3).
    await until(ui, (f) => f.includes("Enter/Esc close") && f.includes("l2") && !f.includes("l3"), "l2 expanded");
    await keys(ui, "\u001B", "\u001B[F");
    await until(ui, (f) => f.includes("l5") && f.includes("following"), "following again");
  });
});
