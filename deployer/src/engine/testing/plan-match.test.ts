// The plan-equals-run matcher: what it accepts, and that it refuses a run that differs.
import { expect } from "chai";
import { quoteArgv } from "../../ssh/quote.js";
import { wrapCommand } from "../../ssh/remote-command.js";
import type { PlanStep } from "../api.js";
import { commandRegex, matchRun as match, unwrapExec, type Received } from "./plan-match.js";

const q = (...argv: string[]) => quoteArgv(argv);
const SCRIPTS: Record<string, number> = { "remote/bin/lock.sh": 1200, "remote/bin/bot-state.sh": 900 };
const matchRun = (view: { steps: PlanStep[] }, run: Received[]) => match(view, run, (s) => SCRIPTS[s]!);
const rx = (line: string, stdinBytes = 0): Received => ({ line, stdinBytes });

// A plan in the printed notation, and a run of it in the order the plan prints.
const steps: PlanStep[] = [
  {
    id: "checks",
    title: "Check",
    commands: ["# asked at once, judged in order", q("docker", "version"), q("systemctl", "--version")],
  },
  {
    id: "lock",
    title: "Lock",
    commands: [`${q("bash", "-s", "--", "acquire", "/app/lock", "{}")} < remote/bin/lock.sh`],
  },
  {
    id: "upload",
    title: "Upload",
    commands: ["# upload the archive to /app/releases/v1.tmp/release.tar.gz (mode 0600 from creation)", q("tar", "-x")],
  },
  { id: "build", title: "Build", commands: [q("docker", "build")] },
  { id: "backup", title: "Backup", commands: ['# started in the background when "build" starts', q("backup.sh")] },
  {
    id: "gate",
    title: "Gate",
    commands: [
      "# every 0.25 s, up to 5 s, until ready:",
      `${q("bash", "-s", "--")} ‹the bot, found at run time› < remote/bin/bot-state.sh`,
    ],
  },
  { id: "units", title: "Units (skipped: none)", commands: [] },
  {
    id: "stop",
    title: "Stop",
    commands: ["# only when it's running:", `${q("docker", "stop")} ‹the bot›`, q("docker", "rm")],
  },
];
const mv = (path: string) => q("mv", "-f", "-T", "--", `${path}.tmp-0123456789abcdef`, path);
const run: Received[] = [
  rx(q("docker", "version")),
  rx(q("systemctl", "--version")),
  rx(q("bash", "-s", "--", "acquire", "/app/lock", "{}"), 1200),
  rx(mv("/app/releases/v1.tmp/release.tar.gz")),
  rx(q("tar", "-x")),
  rx(q("docker", "build")),
  rx(q("backup.sh")),
  rx(q("bash", "-s", "--", "c0ffee"), 900),
  rx(q("docker", "stop", "c0ffee")),
  rx(q("docker", "rm")),
];
const without = (i: number) => run.filter((_, j) => j !== i);
const swap = (i: number, j: number) => run.map((c, k) => (k === i ? run[j]! : k === j ? run[i]! : c));

describe("plan-match", () => {
  it("unwraps the command line from the abort wrapper, quotes and all", () => {
    const line = q("bash", "-s", "--", "append", "/app/history.jsonl", `{"detail":"it's\nbroken"}`);
    expect(unwrapExec(wrapCommand(line, 42))).to.deep.equal({ line, stdinBytes: 42 });
    expect(() => unwrapExec(q("sh", "-c", "x"))).to.throw(/abort wrapper/);
  });

  it("reads a late value as exactly one quoted argument, and a script suffix as the argv alone", () => {
    const re = commandRegex(`${q("docker", "stop")} ‹the standby's id›`);
    expect(re.test(q("docker", "stop", "ab'c"))).to.equal(true);
    expect(re.test(q("docker", "stop", "a", "b"))).to.equal(false);
    expect(re.test(q("docker", "stop"))).to.equal(false);
    expect(commandRegex(`${q("bash", "-s")} < remote/bin/lock.sh`).test(q("bash", "-s"))).to.equal(true);
  });

  it("accepts the run as printed, and the freedoms the notation gives", () => {
    expect(matchRun({ steps }, run)).to.deep.equal({ ok: true });
    // parallel questions in any order
    expect(matchRun({ steps }, swap(0, 1)).ok).to.equal(true);
    // the background step before, or between, the commands of the step it starts with
    expect(matchRun({ steps }, swap(5, 6)).ok).to.equal(true);
    // a wait polled three times
    expect(matchRun({ steps }, [...run.slice(0, 8), run[7]!, run[7]!, ...run.slice(8)]).ok).to.equal(true);
    // an "only when" action that did not run
    expect(matchRun({ steps }, without(8)).ok).to.equal(true);
  });

  it("refuses an extra command, a changed argument, a missing one, and the wrong order", () => {
    const extra = matchRun({ steps }, [...run.slice(0, 5), rx(q("rm", "-rf", "/")), ...run.slice(5)]);
    expect(extra.ok).to.equal(false);
    expect(extra.ok || extra.error)
      .to.contain("command 6")
      .and.contain("'rm' '-rf' '/'")
      .and.contain("'docker' 'build'");
    const changed = run.map((c) => ({ ...c, line: c.line.replace("'acquire'", "'release'") }));
    expect(matchRun({ steps }, changed).ok).to.equal(false);
    expect(matchRun({ steps }, without(4)).ok).to.equal(false); // tar
    expect(matchRun({ steps }, without(3)).ok).to.equal(false); // the upload's rename
    expect(matchRun({ steps }, without(7)).ok).to.equal(false); // the wait, not even once
    const short = matchRun({ steps }, run.slice(0, -1));
    expect(short.ok || short.error)
      .to.contain("the run ended")
      .and.contain("'docker' 'rm'");
    expect(matchRun({ steps }, swap(2, 4)).ok).to.equal(false); // lock and tar
    // the background step may not run after the step that follows it
    const late = [...run.slice(0, 6), ...run.slice(7, 8), run[6]!, ...run.slice(8)];
    expect(matchRun({ steps }, late).ok).to.equal(false);
    // another script on stdin (its size differs), or input for a command printed without a script
    expect(
      matchRun(
        { steps },
        run.map((c, i) => (i === 2 ? { ...c, stdinBytes: 1201 } : c)),
      ).ok,
    ).to.equal(false);
    expect(
      matchRun(
        { steps },
        run.map((c, i) => (i === 4 ? { ...c, stdinBytes: 10 } : c)),
      ).ok,
    ).to.equal(false);
    // an upload to another path
    expect(
      matchRun(
        { steps },
        run.map((c) => ({ ...c, line: c.line.replaceAll("v1.tmp", "v2.tmp") })),
      ).ok,
    ).to.equal(false);
  });

  it("refuses a plan line it does not know, instead of matching loosely", () => {
    expect(() => matchRun({ steps: [{ id: "x", title: "x", commands: ["# something new"] }] }, [])).to.throw(
      /does not know/,
    );
  });
});
