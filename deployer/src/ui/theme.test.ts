import { expect } from "chai";
import { colorsEnabled } from "./theme.js";

describe("colorsEnabled", () => {
  it("is on for a terminal, off with NO_COLOR (any value) or without a terminal", () => {
    expect(colorsEnabled({}, true)).to.equal(true);
    expect(colorsEnabled({ NO_COLOR: "" }, true)).to.equal(false);
    expect(colorsEnabled({ NO_COLOR: "1" }, true)).to.equal(false);
    expect(colorsEnabled({}, false)).to.equal(false);
  });
});
