import { expect } from "chai";
import { botRelease } from "./version.js";

describe("botRelease", () => {
  it("is the deployed tag when the image sets one, dev otherwise", () => {
    expect(botRelease({ BOT_RELEASE: "v1.2.0" })).to.equal("v1.2.0");
    expect(botRelease({ BOT_RELEASE: "  " })).to.equal("dev");
    expect(botRelease({})).to.equal("dev");
  });
});
