// "What ran" end to end in memory: the real runner over a fake Remote emits a command event for
// every command (quiet ones too) with its exit code; the progress view lists them on `c`, in the
// same quoted form `plan` prints.
import { expect } from "chai";
import { run } from "../engine/actions.js";
import { runTask } from "../engine/runner.js";
import type { TaskPlan } from "../engine/steps.js";
import type { Remote, RunResult } from "../ssh/types.js";
import { TaskProgress } from "./progress-view.js";
import { frame, keys, renderKeyed, until, type Ui } from "./testing/ink.js";

const PLAN: TaskPlan = {
  task: "deploy v9",
  action: "deploy",
  tag: "v9",
  warnings: [],
  success: "deployed",
  steps: [
    {
      id: "checks",
      title: "Check the server",
      actions: [run(["docker", "version"], { quiet: true }), run(["echo", "it's fine"])],
    },
    { id: "build", title: "Build image", actions: [run(["docker", "build", "-t", "bot:v9", "."])] },
  ],
};

function remote(codes: Record<string, number>): Remote {
  const ok = async (): Promise<void> => undefined;
  return {
    host: "h",
    user: "u",
    run: async (argv): Promise<RunResult> => ({ code: codes[argv[0] ?? ""] ?? 0, stdout: "", stderr: "boom" }),
    script: async () => ({ code: 0, stdout: "", stderr: "" }),
    upload: ok,
    download: ok,
    close: ok,
  };
}

describe("what ran", () => {
  let ui: Ui | undefined;
  afterEach(() => ui?.unmount());

  it("c lists every command each step ran, quiet ones too, with exit codes, as `plan` prints them", async () => {
    const r = remote({ docker: 0 });
    r.run = async (argv) => ({ code: argv[1] === "build" ? 2 : 0, stdout: "", stderr: "boom" });
    ui = renderKeyed(
      <TaskProgress
        title="deploy"
        start={(sink, signal) => runTask({ remote: r, sink }, PLAN, {}, signal)}
        onBack={() => undefined}
        onBusy={() => undefined}
      />,
    );
    await until(ui, "failed at build");
    expect(frame(ui)).not.to.include("$ docker version");
    await keys(ui, "c");
    await until(ui, "What ran (3 commands)");
    const f = frame(ui);
    expect(f).to.include(
      [
        "Check the server",
        "    0 $ 'docker' 'version'",
        "    0 $ 'echo' 'it'\\''s fine'",
        "  Build image",
        "    2 $ 'docker' 'build' '-t' 'bot:v9' '.'",
      ].join("\n"),
    );
    await keys(ui, "c");
    await until(ui, (s) => !s.includes("What ran"), "hidden again");
  });
});
