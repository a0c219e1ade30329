import { expect } from "chai";
import { parseRestoreSource } from "./restore-source.js";

describe("engine/restore-source: where `backup restore --from` reads", () => {
  it("the server by default; host-shaped values are off-site; anything else a local folder", () => {
    expect(parseRestoreSource(undefined)).to.deep.equal({ kind: "server" });
    expect(parseRestoreSource("backup@far.example:2223:/srv/copies/")).to.deep.equal({
      kind: "offsite",
      user: "backup",
      host: "far.example",
      port: 2223,
      path: "/srv/copies",
    });
    expect(parseRestoreSource("far:/c")).to.deep.equal({ kind: "offsite", host: "far", path: "/c" });
    expect(parseRestoreSource("./pulled")).to.deep.equal({ kind: "local", dir: "./pulled" });
    expect(parseRestoreSource("/home/me/backups")).to.deep.equal({ kind: "local", dir: "/home/me/backups" });
  });
  it("refuses '..' and impossible ports in one line", () => {
    expect(() => parseRestoreSource("h:/a/../b")).to.throw(/'\.\.' is not allowed/);
    expect(() => parseRestoreSource("h:99999:/a")).to.throw(/bad port/);
  });
});
