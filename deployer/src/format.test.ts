import { expect } from "chai";
import { formatBytes } from "./format.js";

describe("formatBytes", () => {
  it("uses binary units with one decimal", () => {
    expect(formatBytes(0)).to.equal("0 B");
    expect(formatBytes(512)).to.equal("512 B");
    expect(formatBytes(1023)).to.equal("1023 B");
    expect(formatBytes(1024)).to.equal("1.0 KiB");
    expect(formatBytes(1536)).to.equal("1.5 KiB");
    expect(formatBytes(3 * 1024 * 1024)).to.equal("3.0 MiB");
    expect(formatBytes(182 * 1024 ** 2 + 400 * 1024)).to.equal("182.4 MiB");
    expect(formatBytes(5 * 1024 ** 3)).to.equal("5.0 GiB");
    expect(formatBytes(2 * 1024 ** 4)).to.equal("2.0 TiB");
    expect(formatBytes(3 * 1024 ** 5)).to.equal("3072.0 TiB");
  });

  it("never prints 1024.0 of a unit", () => {
    expect(formatBytes(1024 * 1024 - 1)).to.equal("1.0 MiB");
    expect(formatBytes(1024 ** 3 - 1)).to.equal("1.0 GiB");
    expect(formatBytes(1023.9 * 1024)).to.equal("1023.9 KiB");
  });

  it("answers ? for what is not a byte count", () => {
    expect(formatBytes(NaN)).to.equal("?");
    expect(formatBytes(-1)).to.equal("?");
    expect(formatBytes(Infinity)).to.equal("?");
  });
});
