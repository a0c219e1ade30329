import { expect } from "chai";
import type { TaskEvent } from "../engine/events.js";
import {
  deployReducer,
  formatDuration,
  initialDeploy,
  OUTPUT_KEEP,
  reduceEvents,
  stepDurationMs,
} from "./deploy-state.js";

const plan: TaskEvent = {
  type: "plan",
  at: 1000,
  task: "deploy v2",
  steps: [
    { id: "upload", title: "Upload release" },
    { id: "build", title: "Build image" },
  ],
};

describe("deployReducer", () => {
  it("tracks steps from pending through running to done with durations", () => {
    const s = reduceEvents(initialDeploy, [
      plan,
      { type: "step-start", at: 1000, stepId: "upload" },
      { type: "step-done", at: 3500, stepId: "upload", status: "done" },
      { type: "step-start", at: 3500, stepId: "build" },
    ]);
    expect(s.steps.map((x) => x.status)).to.deep.equal(["done", "running"]);
    expect(stepDurationMs(s.steps[0]!, 99999)).to.equal(2500);
    expect(stepDurationMs(s.steps[1]!, 4000)).to.equal(500);
    expect(s.currentId).to.equal("build");
    expect(s.finished).to.deep.equal(["upload"]);
  });

  it("keeps the current step's output bounded and starts afresh for the next step", () => {
    let s = deployReducer(deployReducer(initialDeploy, plan), { type: "step-start", at: 1, stepId: "upload" });
    for (let i = 0; i < OUTPUT_KEEP + 50; i++)
      s = deployReducer(s, { type: "output", at: 2, stepId: "upload", stream: "stdout", line: `l${i}` });
    expect(s.output).to.have.length(OUTPUT_KEEP);
    expect(s.output.at(-1)).to.equal(`l${OUTPUT_KEEP + 49}`);
    s = deployReducer(s, { type: "step-start", at: 3, stepId: "build" });
    expect(s.output).to.deep.equal([]);
  });

  it("shows unknown step ids by their id and records failures, warnings and the summary", () => {
    const s = reduceEvents(initialDeploy, [
      plan,
      { type: "step-start", at: 1, stepId: "rescue" },
      { type: "output", at: 2, stepId: "rescue", stream: "stderr", line: "boom" },
      { type: "step-failed", at: 3, stepId: "rescue", error: "rescue failed" },
      { type: "warning", at: 4, message: "rolled back automatically" },
      { type: "summary", at: 5, result: { ok: false, exitCode: 4, message: "rolled back", durationMs: 4 } },
    ]);
    const rescue = s.steps.find((x) => x.id === "rescue");
    expect(rescue).to.include({ title: "rescue", status: "failed", error: "rescue failed" });
    expect(s.output).to.deep.equal(["boom"]);
    expect(s.warnings).to.deep.equal(["rolled back automatically"]);
    expect(s.result?.exitCode).to.equal(4);
  });

  it("records byte progress on its step", () => {
    const s = reduceEvents(initialDeploy, [plan, { type: "progress", at: 1, stepId: "upload", done: 5, total: 10 }]);
    expect(s.steps[0]?.progress).to.deep.equal({ done: 5, total: 10 });
  });
});

describe("formatting", () => {
  it("formats durations for people", () => {
    expect(formatDuration(250)).to.equal("250 ms");
    expect(formatDuration(12_340)).to.equal("12.3 s");
    expect(formatDuration(125_000)).to.equal("2 min 5 s");
  });
});
