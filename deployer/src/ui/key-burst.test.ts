import { expect } from "chai";
import type { Key } from "ink";
import { pressOf, splitKeys } from "./key-burst.js";

const none = pressOf("x").key;
const only = (press: { input: string; key: Key }) =>
  [press.input, ...Object.entries(press.key).flatMap(([k, v]) => (v === true ? [k] : []))].join(" ");

describe("splitKeys", () => {
  it("splits a burst Ink hands over as one string into its keys, in order", () => {
    expect(splitKeys("jjj\r", none).map(only)).to.deep.equal(["j", "j", "j", " return"]);
    expect(splitKeys("/ERR\r", none).map(only)).to.deep.equal(["/", "E shift", "R shift", "R shift", " return"]);
    expect(splitKeys("a\tb\u007F\u0003", none).map(only)).to.deep.equal(["a", " tab", "b", " delete", "c ctrl"]);
    expect(splitKeys("x😀", none).map(only)).to.deep.equal(["x", "😀"]);
  });

  it("leaves one key alone: a character, a named key, Meta+char", () => {
    const up = { ...none, upArrow: true };
    expect(splitKeys("", up)).to.deep.equal([{ input: "", key: up }]);
    expect(splitKeys("q", none)).to.deep.equal([{ input: "q", key: none }]);
    expect(splitKeys("😀", none)).to.have.length(1);
    const meta = { ...none, meta: true };
    expect(splitKeys("j", meta)).to.deep.equal([{ input: "j", key: meta }]);
  });
});
