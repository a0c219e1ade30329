import { expect } from "chai";
import { createLineSplitter } from "./lines.js";

describe("lines", () => {
  it("splits across chunks, drops CR, keeps empty lines, flushes the last partial line", () => {
    const s = createLineSplitter();
    expect(s.push("a\r\nb")).to.deep.equal(["a"]);
    expect(s.push("c\n\nd")).to.deep.equal(["bc", ""]);
    expect(s.end()).to.deep.equal(["d"]);
    expect(s.end()).to.deep.equal([]);
  });
});
