import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { quoteArg, quoteArgv } from "./quote.js";

const HOSTILE = [
  "$(id)",
  "`id`",
  "a; rm -rf /tmp/nothing-here",
  "line1\nline2\n",
  "it's",
  "'",
  "''",
  '"double" \\ back\\slash',
  "$HOME ${PATH} $1 $@ $*",
  "*",
  "~",
  "-n",
  "a\tb  c",
  "привет, мир ✓ 🚀",
  "",
  "!event !! ^x^y",
  "| & > < ( ) { } [ ] #",
];

/** Runs the quoted argv under `shell -c` with printf as the program; returns each argument received. */
function roundTrip(shell: string, args: string[]): string[] {
  const line = quoteArgv(["printf", "%s\\0", ...args]);
  const out = spawnSync(shell, ["-c", line], { encoding: "buffer" });
  expect(out.status, out.stderr.toString()).to.equal(0);
  const parts = out.stdout.toString("utf8").split("\0");
  parts.pop(); // the trailing NUL's empty remainder
  return parts;
}

describe("quote", () => {
  for (const shell of ["sh", "bash"]) {
    it(`every hostile argument reaches ${shell} -c byte for byte`, () => {
      expect(roundTrip(shell, HOSTILE)).to.deep.equal(HOSTILE);
    });

    it(`each hostile value alone is one argument under ${shell}`, () => {
      for (const value of HOSTILE) expect(roundTrip(shell, [value])).to.deep.equal([value]);
    });
  }

  it("quotes a plain word in single quotes", () => {
    expect(quoteArg("docker")).to.equal("'docker'");
    expect(quoteArg("it's")).to.equal(`'it'\\''s'`);
    expect(quoteArgv(["ls", "-la", "a b"])).to.equal("'ls' '-la' 'a b'");
  });

  it("refuses a NUL byte and an empty argv", () => {
    expect(() => quoteArg("a\0b")).to.throw(/NUL/);
    expect(() => quoteArgv([])).to.throw(/empty command/);
  });
});
