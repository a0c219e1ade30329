import { expect } from "chai";
import { parseCli } from "./cli-args.js";

describe("sandbox command line", () => {
  it("defaults up to the ready flavour, without timings", () => {
    expect(parseCli(["up"])).to.deep.equal({ cmd: "up", flavour: "ready", timings: false, rebuild: false });
    expect(parseCli(["up", "--flavour", "bare", "--timings", "--no-pull"])).to.deep.equal({
      cmd: "up",
      flavour: "bare",
      timings: true,
      rebuild: false,
      pull: "never",
    });
  });

  it("passes everything after the options of ssh through as the remote command", () => {
    expect(parseCli(["ssh"])).to.deep.equal({ cmd: "ssh", command: [] });
    expect(parseCli(["ssh", "systemctl", "is-active", "--quiet", "docker"])).to.deep.equal({
      cmd: "ssh",
      command: ["systemctl", "is-active", "--quiet", "docker"],
    });
    expect(parseCli(["ssh", "--flavour", "bare", "--user", "deploy", "--", "-x"])).to.deep.equal({
      cmd: "ssh",
      command: ["-x"],
      flavour: "bare",
      user: "deploy",
    });
  });

  it("knows status --json, images --rebuild, down and reset with or without a flavour", () => {
    expect(parseCli(["status", "--json"])).to.deep.equal({ cmd: "status", json: true });
    expect(parseCli(["images", "--rebuild"])).to.deep.equal({ cmd: "images", rebuild: true });
    expect(parseCli(["down"])).to.deep.equal({ cmd: "down" });
    expect(parseCli(["reset", "--flavour=bare"])).to.deep.equal({ cmd: "reset", flavour: "bare" });
    expect(parseCli([])).to.deep.equal({ cmd: "help" });
    expect(parseCli(["up", "--help"])).to.deep.equal({ cmd: "help" });
  });

  it("refuses unknown commands, options and flavours with one line", () => {
    expect(() => parseCli(["launch"])).to.throw(/unknown command: launch/);
    expect(() => parseCli(["down", "--json"])).to.throw(/unknown option for down: --json/);
    expect(() => parseCli(["up", "--flavour", "huge"])).to.throw(/--flavour must be ready or bare/);
    expect(() => parseCli(["up", "extra"])).to.throw(/unexpected argument: extra/);
  });
});
