import { expect } from "chai";
import {
  detectLevel,
  initialLog,
  logReducer,
  newBelow,
  visibleLines,
  type LogKey,
  type LogState,
} from "./log-state.js";

const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);
const key = (press: Partial<LogKey["key"]> = {}, input = ""): { type: "key"; press: LogKey } => ({
  type: "key",
  press: { input, key: press },
});
const texts = (s: LogState) => visibleLines(s).map((l) => l.text);

describe("logReducer", () => {
  it("keeps at most `capacity` lines however many arrive", () => {
    let s = initialLog(100, 10);
    for (let i = 0; i < 50; i++) s = logReducer(s, { type: "lines", lines: lines(i * 30 + 1, i * 30 + 30) });
    expect(s.lines).to.have.length(100);
    expect(s.received).to.equal(1500);
    expect(s.lines[0]?.text).to.equal("line 1401");
    s = logReducer(s, { type: "lines", lines: lines(1501, 1800) });
    expect(s.lines).to.have.length(100);
    expect(s.lines.at(-1)?.seq).to.equal(1800);
  });

  it("follows the newest lines, freezes on pause and counts what arrives underneath", () => {
    let s = logReducer(initialLog(1000, 3), { type: "lines", lines: lines(1, 5) });
    expect(texts(s)).to.deep.equal(["line 3", "line 4", "line 5"]);
    s = logReducer(s, key({}, " "));
    s = logReducer(s, { type: "lines", lines: lines(6, 12) });
    expect(texts(s)).to.deep.equal(["line 3", "line 4", "line 5"]);
    expect(newBelow(s)).to.equal(7);
    s = logReducer(s, key({}, " "));
    expect(texts(s)).to.deep.equal(["line 10", "line 11", "line 12"]);
    expect(newBelow(s)).to.equal(0);
  });

  it("filters by text typed after /, Esc clears it", () => {
    let s = logReducer(initialLog(1000, 5), { type: "lines", lines: ["a ok", "b ERROR x", "c ok", "d error y"] });
    s = logReducer(s, key({}, "/"));
    for (const ch of "err") s = logReducer(s, key({}, ch));
    s = logReducer(s, key({ return: true }));
    expect(s.editingFilter).to.equal(false);
    expect(texts(s)).to.deep.equal(["b ERROR x", "d error y"]);
    // Space outside the filter editor pauses; inside it would type.
    s = logReducer(s, key({}, "/"));
    s = logReducer(s, key({ escape: true }));
    expect(s.filter).to.equal("");
    expect(texts(s)).to.have.length(4);
  });

  it("scrolls with PgUp/PgDn and Home/End, back to follow at the bottom", () => {
    let s = logReducer(initialLog(1000, 3), { type: "lines", lines: lines(1, 10) });
    s = logReducer(s, key({ pageUp: true }));
    expect(texts(s)).to.deep.equal(["line 5", "line 6", "line 7"]);
    s = logReducer(s, { type: "lines", lines: ["line 11"] });
    expect(texts(s)).to.deep.equal(["line 5", "line 6", "line 7"]);
    expect(newBelow(s)).to.equal(4);
    s = logReducer(s, key({ home: true }));
    expect(texts(s)).to.deep.equal(["line 1", "line 2", "line 3"]);
    s = logReducer(s, key({ pageDown: true }));
    expect(texts(s)).to.deep.equal(["line 4", "line 5", "line 6"]);
    s = logReducer(s, key({ end: true }));
    expect(s.anchor).to.equal(undefined);
    expect(texts(s)).to.deep.equal(["line 9", "line 10", "line 11"]);
    s = logReducer(s, key({ pageUp: true }));
    s = logReducer(s, key({ pageDown: true }));
    expect(s.anchor, "PgDn back to the bottom follows again").to.equal(undefined);
  });

  it("detects levels: errors and warnings", () => {
    expect(detectLevel("2026-01-01 ERROR db down")).to.equal("error");
    expect(detectLevel('{"level":"error","msg":"x"}')).to.equal("error");
    expect(detectLevel("warn: slow query")).to.equal("warn");
    expect(detectLevel("info: started; errors=0")).to.equal("info");
  });
});
