import { expect } from "chai";
import { render } from "ink-testing-library";
import { INTERRUPTED } from "../engine/events.js";
import { App } from "./app.js";
import { FakeApi, TARGETS, waitFor } from "./testing/fake-api.js";
import { frame, keys, until, type Ui } from "./testing/ink.js";

const KEY = { enter: "\r", esc: "\u001B", down: "\u001B[B", up: "\u001B[A", ctrlC: "\u0003" };

async function startAt(api: FakeApi, target = "sandbox") {
  let exit: number | undefined;
  const ui = render(<App api={api} onExit={(c) => (exit = c)} downloadPath={async (n) => `/tmp/dl/${n}`} />);
  await until(ui, "prod");
  if (target === "prod") await keys(ui, KEY.down);
  await keys(ui, KEY.enter);
  await until(ui, "Rollback to tag");
  return { ui, exitCode: () => exit };
}

/** Renders the app and chooses the first target: what connecting shows comes next. */
async function chooseFirstTarget(api: FakeApi): Promise<Ui> {
  const ui = render(<App api={api} onExit={() => undefined} />);
  await until(ui, "prod");
  await keys(ui, KEY.enter);
  return ui;
}

const UNKNOWN_HOST_KEY = { host: "127.0.0.1", port: 2222, fingerprint: "SHA256:abcDEF123" };

describe("deployer UI", () => {
  let ui: Ui | undefined;
  afterEach(() => ui?.unmount());

  it("picks a target, then shows the header and the menu", async () => {
    const api = new FakeApi();
    const started = await startAt(api);
    ui = started.ui;
    await until(ui, "healthy");
    const f = frame(ui);
    expect(f).to.include("sandbox · deploy@127.0.0.1:2222 · connected");
    expect(f).to.include("release v1.1.0");
    for (const item of ["Deploy", "Logs", "Status", "Backups", "Provision server", "Quit"]) expect(f).to.include(item);
  });

  it("with one target, connects to it without asking", async () => {
    const api = new FakeApi([TARGETS[0]!]);
    ui = render(<App api={api} onExit={() => undefined} />);
    await until(ui, "› Deploy");
    expect(frame(ui)).to.include("connected");
  });

  it("moves with j/k and arrows, opens a screen with Enter, goes back with Esc, shows help with ?", async () => {
    const api = new FakeApi();
    ui = (await startAt(api)).ui;
    await keys(ui, "j", KEY.down, "k", "j");
    expect(frame(ui)).to.include("› Logs");
    await keys(ui, "j");
    await keys(ui, KEY.enter);
    await until(ui, "SERVICE");
    await until(ui, "postgres");
    await keys(ui, "?");
    await until(ui, "Keys: status");
    await keys(ui, KEY.esc);
    await waitFor(() => !frame(ui!).includes("Keys: status"), "help closed");
    expect(frame(ui)).to.include("SERVICE");
    await keys(ui, "q");
    await until(ui, "› Status");
  });

  it("keys typed ahead in one burst are handled key by key, the later ones by the screen they opened", async () => {
    const api = new FakeApi();
    ui = (await startAt(api)).ui;
    // One write is one read for Ink: it used to hand "jjj\r?" over as one string, and nothing moved.
    ui.stdin.write("jjj\r?");
    await until(ui, "Keys: status");
    expect(frame(ui)).to.include("SERVICE");
    // (Not Esc then q: in one read that is Meta+q, on a real terminal too.)
    ui.stdin.write("qqkk\r");
    await until(ui, "Roll back to", "q closed help, q went back, k k moved up, Enter opened Rollback");
  });

  it("Quit leaves with exit code 0 and closes the session", async () => {
    const api = new FakeApi();
    const started = await startAt(api);
    ui = started.ui;
    for (let i = 0; i < 6; i++) await keys(ui, "j");
    await until(ui, "› Quit");
    await keys(ui, KEY.enter);
    await waitFor(() => started.exitCode() === 0, "exit");
    await waitFor(() => api.session().calls.includes("close"), "close");
  });

  it("deploys: filters tags, shows the plan, then progress from spinner to check with durations and a summary", async () => {
    const api = new FakeApi();
    ui = (await startAt(api)).ui;
    await keys(ui, KEY.enter);
    await until(ui, "v1.2.0");
    expect(frame(ui)).to.match(/v1\.1\.0.*running/);
    expect(frame(ui)).to.match(/v1\.0\.0.*on server/);
    await keys(ui, "1", ".", "0", ".", "0");
    await waitFor(() => !frame(ui!).includes("v1.2.0"), "filtered");
    expect(frame(ui)).to.include("v1.0.0");
    await keys(ui, KEY.enter);
    await until(ui, "Migrations to run: AddQuietHours1700000000000");
    await keys(ui, KEY.enter);
    const task = api.session().deployTask;
    await task.started;
    expect(api.session().calls).to.include("deploy v1.0.0");
    const sink = task.sink!;
    sink({
      type: "plan",
      at: 0,
      task: "deploy v1.0.0",
      steps: [
        { id: "upload", title: "Upload release" },
        { id: "build", title: "Build image" },
      ],
    });
    sink({ type: "step-start", at: 1000, stepId: "upload" });
    sink({ type: "output", at: 1100, stepId: "upload", stream: "stdout", line: "sent 42 files" });
    await until(ui, "sent 42 files");
    expect(frame(ui)).to.match(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Upload release/);
    sink({ type: "step-done", at: 3500, stepId: "upload", status: "done" });
    sink({ type: "step-start", at: 3500, stepId: "build" });
    sink({ type: "step-done", at: 15_800, stepId: "build", status: "done" });
    await until(ui, "✔ Build image 12.3 s");
    expect(frame(ui)).to.include("✔ Upload release 2.5 s");
    task.finish({
      ok: true,
      exitCode: 0,
      message: "deployed v1.0.0",
      durationMs: 61_000,
      figures: { "bot downtime": "2.1 s", "image size": "182 MB" },
    });
    await until(ui, "deployed v1.0.0");
    expect(frame(ui)).to.include("bot downtime: 2.1 s");
    expect(frame(ui)).to.include("1 min 1 s");
  });

  it("Ctrl+C during a deploy asks first; no goes on, yes aborts the signal", async () => {
    const api = new FakeApi();
    ui = (await startAt(api)).ui;
    await keys(ui, KEY.enter);
    await until(ui, "v1.2.0");
    await keys(ui, KEY.enter);
    await until(ui, "Enter/y");
    await keys(ui, KEY.enter);
    const task = api.session().deployTask;
    await task.started;
    await keys(ui, KEY.ctrlC);
    await until(ui, "Abort deploy?");
    await keys(ui, "n");
    await waitFor(() => !frame(ui!).includes("Abort deploy?"), "question gone");
    expect(task.signal?.aborted).to.equal(false);
    await keys(ui, KEY.ctrlC);
    await until(ui, "Abort deploy?");
    await keys(ui, "y");
    await waitFor(() => task.signal?.aborted === true, "signal aborted");
    // commands cut short fail with the signal's reason: the step says "interrupted", not "aborted"
    expect((task.signal?.reason as Error).message).to.equal(INTERRUPTED);
    await until(ui, "Aborting");
  });

  it("rollback warns about migrations that will be reverted", async () => {
    const api = new FakeApi();
    ui = (await startAt(api)).ui;
    await keys(ui, "j", KEY.enter);
    await until(ui, "● current");
    await keys(ui, "j", KEY.enter);
    await until(ui, "Migrations to revert");
    expect(frame(ui)).to.include("AddRecurrence1690000000000");
    expect(api.session().calls).to.include("plan rollback v1.0.0");
  });

  it("an unknown host key shows the fingerprint and connects only after yes", async () => {
    const api = new FakeApi();
    api.hostKey = UNKNOWN_HOST_KEY;
    ui = await chooseFirstTarget(api);
    await until(ui, "SHA256:abcDEF123");
    expect(api.sessions.size).to.equal(0);
    await keys(ui, "y");
    await until(ui, "› Deploy");
    expect(api.trusted).to.equal(true);
  });

  it("an unknown host key answered no ends in one error line", async () => {
    const api = new FakeApi();
    api.hostKey = UNKNOWN_HOST_KEY;
    ui = await chooseFirstTarget(api);
    await until(ui, "SHA256:abcDEF123");
    await keys(ui, "n");
    await until(ui, "✖ host key of 127.0.0.1 not trusted");
    expect(api.trusted).to.equal(false);
  });

  it("an error shows one line, details on d, never a stack trace up front", async () => {
    const api = new FakeApi();
    api.connectError = new Error("connection refused: 127.0.0.1:2222\nECONNREFUSED after 3 attempts");
    ui = await chooseFirstTarget(api);
    await until(ui, "✖ connection refused: 127.0.0.1:2222");
    expect(frame(ui)).not.to.include("ECONNREFUSED");
    expect(frame(ui)).not.to.match(/\n\s+at /);
    await keys(ui, "d");
    await until(ui, "ECONNREFUSED after 3 attempts");
  });

  it("restore asks to type the target's name and does nothing on a wrong one", async () => {
    const api = new FakeApi();
    ui = (await startAt(api)).ui;
    for (let i = 0; i < 4; i++) await keys(ui, "j");
    await keys(ui, KEY.enter);
    await until(ui, "20261126T060000Z_v1.1.0.dump");
    expect(frame(ui)).to.match(/3\.0 MiB\s+3 h ago\s+kept: last 2 days/);
    await keys(ui, "r");
    await until(ui, "Type the target's name (sandbox)");
    await keys(ui, "p", "r", "o", "d", KEY.enter);
    await until(ui, "not the target's name");
    expect(api.session().calls.some((c) => c.startsWith("restoreBackup"))).to.equal(false);
    await keys(ui, KEY.esc);
    await until(ui, "n create now");
    await keys(ui, "r");
    await until(ui, "Type the target's name");
    // Pasted (one read) rather than typed.
    ui.stdin.write("sandbox\r");
    await waitFor(() => api.session().calls.includes("restoreBackup 20261126T060000Z_v1.1.0.dump"), "restore started");
  });

  it("downloads a backup with a byte progress bar", async () => {
    const api = new FakeApi();
    ui = (await startAt(api)).ui;
    for (let i = 0; i < 4; i++) await keys(ui, "j");
    await keys(ui, KEY.enter);
    await until(ui, ".dump");
    await keys(ui, "d");
    await until(ui, "saved to /tmp/dl/20261126T060000Z_v1.1.0.dump");
    expect(frame(ui)).to.include("3.0 MiB / 3.0 MiB");
    expect(frame(ui)).to.include("█".repeat(30));
  });

  it("with no git tags, Deploy says how to make one and Esc goes back", async () => {
    const api = new FakeApi();
    api.localTags = async () => [];
    ui = (await startAt(api)).ui;
    await keys(ui, KEY.enter);
    await until(ui, "No git tags yet");
    await keys(ui, KEY.esc);
    await until(ui, "› Deploy");
    expect(frame(ui)).not.to.include("No git tags yet");
  });

  it("a plan that fails shows one line; Esc goes back to the tags", async () => {
    const api = new FakeApi();
    ui = (await startAt(api)).ui;
    api.session().plan = () => Promise.reject(new Error("tag v1.2.0: .env.production misses BOT_TOKEN"));
    await keys(ui, KEY.enter);
    await until(ui, "v1.2.0");
    await keys(ui, KEY.enter);
    await until(ui, "✖ tag v1.2.0: .env.production misses BOT_TOKEN");
    await keys(ui, KEY.esc);
    await until(ui, "Tag to deploy");
  });
});
