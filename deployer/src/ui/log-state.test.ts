import { expect } from "chai";
import {
  detectLevel,
  initialLog,
  lineAt,
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
    expect(s.lines[0]).to.equal("line 1401");
    expect(lineAt(s, 1401)?.text).to.equal("line 1401");
    expect(lineAt(s, 1400), "evicted").to.equal(undefined);
    s = logReducer(s, { type: "lines", lines: lines(1501, 1800) });
    expect(s.lines).to.have.length(100);
    expect(s.lines.at(-1)).to.equal("line 1800");
    expect(lineAt(s, 1800)?.text).to.equal("line 1800");
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

  const json = (level: string, message: string) => `bot-1 | {"level":"${level}","message":"${message}"}`;
  const type = (s: LogState, text: string) => [...text].reduce((st, ch) => logReducer(st, key({}, ch)), s);

  it("keeps the filter through the other toggles and a service switch; / Enter brings the last one back", () => {
    let s = logReducer(initialLog(1000, 5), { type: "lines", lines: ["a ok", "b ERROR x", "c ok"] });
    s = logReducer(type(s, "/err"), key({ return: true }));
    for (const t of "twl") s = logReducer(s, key({}, t));
    s = logReducer(s, { type: "clear" });
    s = logReducer(s, { type: "lines", lines: ["d ok", "e error y"] });
    expect(s.filter).to.equal("err");
    expect(texts(s)).to.deep.equal(["e error y"]);
    s = logReducer(logReducer(s, key({}, "/")), key({ escape: true }));
    expect(texts(s)).to.have.length(2);
    s = logReducer(logReducer(s, key({}, "/")), key({ return: true }));
    expect(s.filter, "offered again").to.equal("err");
  });

  it("n and N move a cursor between matches, freezing the view", () => {
    let s = logReducer(initialLog(1000, 2), { type: "lines", lines: ["x1", "y", "x2", "y", "x3", "y"] });
    s = logReducer(type(s, "/x"), key({ return: true }));
    s = logReducer(s, key({}, "N"));
    const cursorText = (st: LogState) => (st.cursor === undefined ? undefined : lineAt(st, st.cursor)?.text);
    expect(cursorText(s), "the newest match first").to.equal("x3");
    s = logReducer(s, key({}, "N"));
    expect(cursorText(s)).to.equal("x2");
    s = logReducer(s, key({}, "N"));
    expect(cursorText(s)).to.equal("x1");
    expect(texts(s)).to.deep.equal(["x1", "x2"]);
    s = logReducer(s, key({}, "n"));
    expect(cursorText(s)).to.equal("x2");
    expect(s.anchor).not.to.equal(undefined);
  });

  it("l cycles the lowest level shown: all, info, warn, error", () => {
    let s = logReducer(initialLog(1000, 10), {
      type: "lines",
      lines: [json("debug", "d"), json("info", "i"), json("warn", "w"), json("error", "e")],
    });
    const shown = () => visibleLines(s).map((l) => l.level);
    expect(shown()).to.deep.equal(["debug", "info", "warn", "error"]);
    s = logReducer(s, key({}, "l"));
    expect(shown()).to.deep.equal(["info", "warn", "error"]);
    s = logReducer(s, key({}, "l"));
    expect(shown()).to.deep.equal(["warn", "error"]);
    s = logReducer(s, key({}, "l"));
    expect(shown()).to.deep.equal(["error"]);
    s = logReducer(s, key({}, "l"));
    expect(s.minLevel).to.equal("all");
  });

  it("arrows choose a line, Enter expands it, Esc closes; Down past the end follows again", () => {
    let s = logReducer(initialLog(1000, 3), { type: "lines", lines: lines(1, 5) });
    s = logReducer(s, key({ upArrow: true }));
    expect(s.cursor, "first Up selects the newest line").to.equal(5);
    s = logReducer(logReducer(logReducer(s, key({ upArrow: true })), key({ upArrow: true })), key({ upArrow: true }));
    expect(s.cursor).to.equal(2);
    expect(texts(s), "scrolled to keep the cursor in view").to.deep.equal(["line 2", "line 3", "line 4"]);
    s = logReducer(s, key({ return: true }));
    expect(s.expanded).to.equal(2);
    s = logReducer(s, key({ escape: true }));
    expect(s.expanded).to.equal(undefined);
    for (let i = 0; i < 4; i++) s = logReducer(s, key({ downArrow: true }));
    expect(s.anchor).to.equal(undefined);
    expect(s.cursor).to.equal(undefined);
  });

  it("w wraps: long lines take several rows, so fewer fit", () => {
    const long = "z".repeat(25);
    let s = logReducer(initialLog(1000, 4, 10), { type: "lines", lines: ["a", "b", long, "c"] });
    expect(texts(s)).to.deep.equal(["a", "b", long, "c"]);
    s = logReducer(s, key({}, "w"));
    expect(texts(s)).to.deep.equal([long, "c"]);
  });
});
