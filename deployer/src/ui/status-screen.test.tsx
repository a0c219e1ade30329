import { expect } from "chai";
import { renderKeyed as render } from "./testing/ink.js";
import { StatusScreen } from "./status-screen.js";
import { STATUS, waitFor } from "./testing/fake-api.js";

describe("StatusScreen", () => {
  it("shows an answer slower than the refresh interval, then asks again only after it", async () => {
    let calls = 0;
    let inFlight = 0;
    let overlapped = false;
    const session = {
      unlock: async () => undefined,
      status: async () => {
        calls++;
        inFlight++;
        if (inFlight > 1) overlapped = true;
        // Slower than refreshMs: a timer counted from the request would cancel every answer.
        await new Promise((r) => setTimeout(r, 30));
        inFlight--;
        return { ...STATUS, diskFree: `${calls}G` };
      },
    };
    const ui = render(
      <StatusScreen session={session} refreshMs={5} onBack={() => undefined} onHelp={() => undefined} />,
    );
    try {
      await waitFor(() => (ui.lastFrame() ?? "").includes("Disk free: 1G"), "first answer");
      await waitFor(() => calls >= 3, "refreshes");
      expect(overlapped).to.equal(false);
      expect(ui.lastFrame()).to.match(/bot\s+running\s+healthy\s+2 hours\s+0\s+0\.5%\s+80MiB/);
    } finally {
      ui.unmount();
    }
  });

  it("removes a held lock only after a yes", async () => {
    let locked = true;
    let unlocks = 0;
    const session = {
      status: async () => ({ ...STATUS, ...(locked ? { lock: { by: "bob@ws", at: "09:00", action: "deploy" } } : {}) }),
      unlock: async () => {
        unlocks++;
        locked = false;
      },
    };
    const ui = render(
      <StatusScreen session={session} refreshMs={60_000} onBack={() => undefined} onHelp={() => undefined} />,
    );
    const settle = () => new Promise((r) => setTimeout(r, 0));
    const press = async (k: string) => {
      await waitFor(() => ui.stdin.listenerCount("readable") > 0, "input");
      ui.stdin.write(k);
      await settle();
      await settle();
    };
    try {
      await waitFor(() => (ui.lastFrame() ?? "").includes("Locked by bob@ws"), "lock shown");
      await settle();
      await press("u");
      await waitFor(() => (ui.lastFrame() ?? "").includes("Remove the deploy lock?"), "question");
      await press("n");
      expect(unlocks).to.equal(0);
      await press("u");
      await press("y");
      await waitFor(() => !(ui.lastFrame() ?? "").includes("Locked by"), "lock gone");
      expect(unlocks).to.equal(1);
    } finally {
      ui.unmount();
    }
  });

  it("shows the watchdog's open incidents and the last alert", async () => {
    const session = {
      unlock: async () => undefined,
      status: async () => ({
        ...STATUS,
        watch: {
          at: "2027-03-01T12:00:00Z",
          alerts: true,
          incidents: [{ level: "critical", since: "2027-03-01T11:58:00Z", text: "the bot is not running" }],
          lastAlert: { at: "2027-03-01T11:59:00Z", kind: "open", text: "🔴 Critical: the bot is not running\nSince" },
        },
      }),
    };
    const ui = render(
      <StatusScreen session={session} refreshMs={1000} onBack={() => undefined} onHelp={() => undefined} />,
    );
    try {
      await waitFor(() => (ui.lastFrame() ?? "").includes("open incidents: 1"), "the incidents");
      expect(ui.lastFrame()).to.contain("critical since 2027-03-01T11:58:00Z: the bot is not running");
      expect(ui.lastFrame()).to.contain("last alert: 2027-03-01T11:59:00Z (open) 🔴 Critical: the bot is not running");
    } finally {
      ui.unmount();
    }
  });
});
