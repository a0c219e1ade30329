import type React from "react";
import { expect } from "chai";
import { render } from "ink-testing-library";
import { Header } from "./header.js";
import { STATUS, TARGETS } from "./testing/fake-api.js";

describe("Header", () => {
  const draw = (el: React.ReactElement) => {
    const ui = render(el);
    const f = ui.lastFrame() ?? "";
    ui.unmount();
    return f;
  };

  it("says it is checking until the server answers, then shows release and health", () => {
    expect(draw(<Header target={TARGETS[1]} connection="connected" />)).to.include("release … · bot …");
    const f = draw(<Header target={TARGETS[1]} connection="connected" status={STATUS} />);
    expect(f).to.include("prod · deploy@203.0.113.7:22 · connected");
    expect(f).to.include("release v1.1.0 · bot healthy");
  });

  it("shows a server without a release, and who holds the lock", () => {
    const f = draw(
      <Header
        target={TARGETS[0]}
        connection="connected"
        status={{
          ...STATUS,
          currentRelease: undefined,
          containers: [],
          lock: { by: "bob@ws", at: "2026-11-26T09:00:00Z", action: "deploy" },
        }}
      />,
    );
    expect(f).to.include("release none · bot —");
    expect(f).to.include("locked by bob@ws");
  });
});
