import { expect } from "chai";
import { truncate } from "./limits.js";

describe("services/limits: truncate", () => {
  it("keeps text within the limit as it is", () => {
    expect(truncate("abc", 3)).to.equal("abc");
    expect(truncate("😀😀", 2)).to.equal("😀😀");
  });

  it("never splits a surrogate pair: an emoji straddling the cut stays whole", () => {
    const text = "a".repeat(199) + "😀" + "tail";
    const cut = truncate(text, 200);
    expect(cut).to.equal("a".repeat(199) + "😀…");
    // every code unit pairs up: no lone surrogate that Telegram may reject
    expect(cut).to.not.match(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it("cuts between whole graphemes: a ZWJ family or a flag is one character", () => {
    const family = "👨‍👩‍👧";
    expect(truncate(`${family}${family}x`, 2)).to.equal(`${family}${family}…`);
    expect(truncate("🇷🇺🇬🇧🇩🇪", 1, "")).to.equal("🇷🇺");
  });
});
