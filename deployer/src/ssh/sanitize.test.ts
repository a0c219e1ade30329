import { expect } from "chai";
import { sanitizeLine } from "./sanitize.js";

const ESC = "\x1b";
const BEL = "\x07";
const ST = `${ESC}\\`;
/** "evil" base64-encoded: what an OSC 52 would put on the operator's clipboard. */
const CLIP = "ZXZpbA==";

describe("sanitizeLine", () => {
  const hostile: [string, string, string][] = [
    ["OSC 52 clipboard write ended by BEL", `a${ESC}]52;c;${CLIP}${BEL}b`, "ab"],
    ["OSC 52 clipboard write ended by ST", `a${ESC}]52;c;${CLIP}${ST}b`, "ab"],
    ["OSC 52 never ended (the rest of the line is its payload)", `a${ESC}]52;c;${CLIP}`, "a"],
    ["OSC 0 window title", `${ESC}]0;owned${BEL}log line`, "log line"],
    ["OSC 8 hyperlink", `${ESC}]8;;https://evil.example${ST}click${ESC}]8;;${ST}`, "click"],
    ["DCS (device control string)", `x${ESC}P1$qm${ST}y`, "xy"],
    ["APC, PM, SOS strings", `1${ESC}_apc${ST}2${ESC}^pm${ST}3${ESC}Xsos${ST}4`, "1234"],
    ["8-bit C1 OSC and CSI", `a\x9d0;t\x9cb\x9b2Jc`, "abc"],
    ["C1 controls on their own", `a\x85b\x8dc\x99d`, "abcd"],
    ["raw ESC sequences (reset, save cursor, charset)", `a${ESC}cb${ESC}7c${ESC}(0d${ESC}`, "abcd"],
    ["cursor movement and erase (CSI other than SGR)", `a${ESC}[2Ab${ESC}[2K${ESC}[?1049hc`, "abc"],
    ["CR hiding what came before", "rm -rf /\rall fine    ", "rm -rf /all fine    "],
    ["backspaces, bell, DEL, NUL", "ab\b\bxy\x07\x7f\x00z", "abxyz"],
    ["bidi override reordering text", "user \u202eevil\u202c ok", "user evil ok"],
  ];
  for (const [what, input, output] of hostile) {
    it(`removes ${what}`, () => {
      const out = sanitizeLine(input);
      expect(out).to.equal(output);
      // eslint-disable-next-line no-control-regex
      expect(out).to.not.match(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/);
    });
  }

  it("keeps printable text, tabs and (unless asked not to) SGR colours", () => {
    const line = `${ESC}[1;31mERROR${ESC}[0m\tdb: ü ✓ 😀`;
    expect(sanitizeLine(line)).to.equal(line);
    expect(sanitizeLine(line, { colours: false })).to.equal("ERROR\tdb: ü ✓ 😀");
  });
});
