// The Provision screen asks its three questions before planning (never a silent default), and the
// answers reach both the plan and the run; the Status screen shows the clock.
import { expect } from "chai";
import { ProvisionScreen } from "./screens.js";
import { StatusScreen } from "./status-screen.js";
import { FakeSession, STATUS, TARGETS, waitFor } from "./testing/fake-api.js";
import { frame, keys, renderKeyed, until, type Ui } from "./testing/ink.js";

const KEY = { enter: "\r", escape: "\u001b" };

describe("Provision screen: its questions", () => {
  let ui: Ui | undefined;
  afterEach(() => ui?.unmount());

  it("asks swap, ssh hardening and security upgrades in turn; the answers go to the plan and the run", async () => {
    const session = new FakeSession(TARGETS[0]!);
    let finished = false;
    ui = renderKeyed(
      <ProvisionScreen
        session={session}
        onBack={() => undefined}
        onHelp={() => undefined}
        onBusy={() => undefined}
        onFinished={() => (finished = true)}
      />,
    );
    await until(ui, "Provision (1/3): Add a swap file if RAM is short of what the stack may use?");
    expect(frame(ui)).to.include("› Yes");
    expect(session.calls.filter((c) => c.startsWith("plan"))).to.deep.equal([]);
    await keys(ui, KEY.enter);
    await until(ui, "Provision (2/3): Turn off password logins over SSH?");
    expect(frame(ui)).to.include("only after a key login as the deploy user worked");
    await keys(ui, "j", KEY.enter);
    await until(ui, "Provision (3/3): Turn on unattended security upgrades?");
    await keys(ui, KEY.enter);
    await waitFor(() => session.calls.some((c) => c.startsWith("plan provision")), "the plan");
    expect(session.calls).to.include('plan provision {"swap":"auto","securityUpgrades":true}');
    await until(ui, "Build image");
    await keys(ui, KEY.enter);
    await waitFor(() => session.calls.some((c) => c.startsWith("provision ")), "the run");
    expect(session.calls).to.include('provision {"swap":"auto","securityUpgrades":true}');
    expect(finished).to.equal(false); // the scripted task is still running: nothing more asked
  });

  it("Esc goes back before anything is planned", async () => {
    const session = new FakeSession(TARGETS[0]!);
    let back = false;
    ui = renderKeyed(
      <ProvisionScreen
        session={session}
        onBack={() => (back = true)}
        onHelp={() => undefined}
        onBusy={() => undefined}
        onFinished={() => undefined}
      />,
    );
    await until(ui, "Provision (1/3)");
    await keys(ui, KEY.escape);
    await waitFor(() => back, "back");
    expect(session.calls).to.deep.equal([]);
  });
});

describe("Status screen: the clock", () => {
  it("says whether the server's clock is synchronised, warning when it is not", async () => {
    let synced = true;
    const session = {
      unlock: async () => undefined,
      status: async () => ({
        ...STATUS,
        clock: synced
          ? { synchronized: true, text: "synchronised (timesyncd, offset +0.4 ms)" }
          : { synchronized: false, text: "NOT synchronised (no time service)" },
      }),
    };
    const ui = renderKeyed(
      <StatusScreen session={session} refreshMs={5} onBack={() => undefined} onHelp={() => undefined} />,
    );
    try {
      await until(ui, "Clock: synchronised (timesyncd, offset +0.4 ms)");
      expect(frame(ui)).to.not.include("! Clock");
      synced = false;
      await until(ui, "! Clock: NOT synchronised (no time service)");
    } finally {
      ui.unmount();
    }
  });
});
