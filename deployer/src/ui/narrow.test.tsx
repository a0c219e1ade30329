// Issue 15: usable at 60 columns. Every screen narrows to the terminal rather than drawing past it
// (a line past the edge wraps on a real terminal and the whole frame shifts down).
import { expect } from "chai";
import { App } from "./app.js";
import { FakeApi } from "./testing/fake-api.js";
import { keys, linesWiderThan, renderAt, until, type Ui } from "./testing/ink.js";

const COLUMNS = 60;
const LONG = "x".repeat(120);

describe("deployer UI at 60 columns", () => {
  let ui: Ui | undefined;
  afterEach(() => ui?.unmount());

  const fits = (where: string) =>
    expect(linesWiderThan(ui!, COLUMNS), `${where}: lines over ${COLUMNS}`).to.deep.equal([]);

  async function menu(api: FakeApi): Promise<Ui> {
    ui = renderAt(<App api={api} onExit={() => undefined} />, COLUMNS);
    await until(ui, "prod");
    fits("target list");
    await keys(ui, "\r");
    await until(ui, "healthy");
    return ui;
  }

  it("the menu, and a deploy's progress with long output", async () => {
    const api = new FakeApi();
    await menu(api);
    await until(ui!, "Provision server");
    fits("menu");
    await keys(ui!, "\r");
    await until(ui!, "v1.2.0");
    await keys(ui!, "\r");
    await until(ui!, "Enter/y");
    fits("plan");
    await keys(ui!, "\r");
    const task = api.session().deployTask;
    await task.started;
    const sink = task.sink!;
    sink({ type: "plan", at: 0, task: "deploy v1.2.0", steps: [{ id: "upload", title: `Upload release ${LONG}` }] });
    sink({ type: "step-start", at: 1000, stepId: "upload" });
    sink({ type: "output", at: 1100, stepId: "upload", stream: "stdout", line: `sent ${LONG}` });
    await until(ui!, "sent xxx");
    fits("progress");
  });

  it("the log view with long JSON and plain lines", async () => {
    const api = new FakeApi();
    await menu(api);
    api.session().logLines = async (_o, onLine, signal) => {
      onLine(`bot-1 | 2026-12-01T22:15:22.653Z {"level":"info","message":"reminder ${LONG}","chat":42}`);
      onLine(`postgres-1 | ${LONG}`);
      await new Promise<void>((r) => signal?.addEventListener("abort", () => r()));
    };
    await keys(ui!, "j", "j", "\r");
    await until(ui!, "reminder xxx");
    fits("log view");
    await keys(ui!, "?");
    await until(ui!, "Keys: logs");
    fits("log view with help");
  });
});
