import { expect } from "chai";
import { renderKeyed as render } from "./testing/ink.js";
import { TaskProgress } from "./progress-view.js";
import { scriptedTask } from "./testing/fake-api.js";
import { frame, keys, until, type Ui } from "./testing/ink.js";

describe("TaskProgress", () => {
  let ui: Ui | undefined;
  afterEach(() => ui?.unmount());

  it("a failed step shows a cross, its error and its output; the result is one line", async () => {
    const task = scriptedTask();
    let busy: boolean[] = [];
    ui = render(
      <TaskProgress title="deploy" start={task.run} onBack={() => undefined} onBusy={(b) => (busy = [...busy, b])} />,
    );
    await task.started;
    const sink = task.sink!;
    sink({ type: "plan", at: 0, task: "deploy v9", steps: [{ id: "build", title: "Build image" }] });
    sink({ type: "step-start", at: 0, stepId: "build" });
    sink({ type: "output", at: 1, stepId: "build", stream: "stderr", line: "npm ERR! missing script" });
    sink({ type: "step-failed", at: 4000, stepId: "build", error: "build failed (exit 1)" });
    sink({ type: "warning", at: 4001, message: "nothing changed on the server" });
    task.finish({ ok: false, exitCode: 1, message: "deploy v9 failed: build", durationMs: 4001 });
    await until(ui, "✖ deploy v9 failed: build");
    const f = frame(ui);
    expect(f).to.include("✖ Build image 4.0 s build failed (exit 1)");
    expect(f).to.include("⚠ nothing changed on the server");
    expect(f).not.to.match(/\n\s+at /);
    expect(busy).to.deep.equal([true, false]);
  });

  it("the current step's output scrolls back with the up arrow", async () => {
    const task = scriptedTask();
    ui = render(<TaskProgress title="deploy" start={task.run} onBack={() => undefined} onBusy={() => undefined} />);
    await task.started;
    const sink = task.sink!;
    sink({ type: "step-start", at: 0, stepId: "build" });
    for (let i = 1; i <= 20; i++) sink({ type: "output", at: i, stepId: "build", stream: "stdout", line: `out ${i}` });
    await until(ui, "out 20");
    expect(frame(ui)).not.to.include("out 14");
    await keys(ui, "\u001B[5~");
    await until(ui, "out 9");
    expect(frame(ui)).not.to.include("out 20");
  });

  it("a task that throws shows one error line, details on d", async () => {
    ui = render(
      <TaskProgress
        title="deploy"
        start={() => Promise.reject(new Error("lock held by bob@ws since 09:00\nlock/info.json: {...}"))}
        onBack={() => undefined}
        onBusy={() => undefined}
      />,
    );
    await until(ui, "✖ lock held by bob@ws since 09:00");
    expect(frame(ui)).not.to.include("info.json");
    await keys(ui, "d");
    await until(ui, "lock/info.json");
  });
});
