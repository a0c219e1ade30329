import { expect } from "chai";
import { vdsNames } from "./names.js";
import { targetFor } from "./state.js";

describe("sandbox target.json", () => {
  it("is exactly what the contract says for the ready flavour", () => {
    expect(targetFor(vdsNames("ready"), "deploy", "ready")).to.deep.equal({
      name: "sandbox",
      host: "127.0.0.1",
      port: 2222,
      user: "deploy",
      rootUser: "root",
      identityFile: ".sandbox/id_ed25519",
      knownHostsFile: ".sandbox/known_hosts",
      envFile: ".sandbox/env",
      appDir: "/opt/remindbot",
      flavour: "ready",
    });
  });

  it("records the bare flavour on its own port, as root until provisioned", () => {
    const t = targetFor(vdsNames("bare"), "root", "bare");
    expect(t).to.include({ port: 2223, user: "root", flavour: "bare" });
  });
});
