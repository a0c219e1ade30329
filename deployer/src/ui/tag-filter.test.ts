import { expect } from "chai";
import type { ReleaseInfo, TagInfo } from "../engine/api.js";
import { filterTags, pickerReducer, tagRows } from "./tag-filter.js";

const tags: TagInfo[] = [
  { tag: "v1.2.0", commit: "c3c3c3c", date: "2026-11-20", subject: "Quiet hours" },
  { tag: "v1.1.0", commit: "b2b2b2b", date: "2026-11-10", subject: "Recurring reminders" },
  { tag: "v1.0.0", commit: "a1a1a1a", date: "2026-11-01", subject: "First release" },
];
const release = (tag: string, current: boolean): ReleaseInfo => ({
  tag,
  commit: "x",
  deployedAt: "2026-11-11",
  by: "me",
  result: "ok",
  current,
  imagePresent: true,
});

describe("tag picker", () => {
  it("marks the running tag and those on the server", () => {
    const rows = tagRows(tags, [release("v1.1.0", true), release("v1.0.0", false)]);
    expect(rows.map((r) => [r.tag, r.running, r.onServer])).to.deep.equal([
      ["v1.2.0", false, false],
      ["v1.1.0", true, true],
      ["v1.0.0", false, true],
    ]);
  });

  it("filters by tag, subject or commit, case-insensitive", () => {
    expect(filterTags(tags, "1.1").map((t) => t.tag)).to.deep.equal(["v1.1.0"]);
    expect(filterTags(tags, "QUIET").map((t) => t.tag)).to.deep.equal(["v1.2.0"]);
    expect(filterTags(tags, "a1a1").map((t) => t.tag)).to.deep.equal(["v1.0.0"]);
    expect(filterTags(tags, "")).to.have.length(3);
  });

  it("typing filters and resets the cursor; arrows move within the list", () => {
    let s = { query: "", cursor: 0 };
    s = pickerReducer(s, { input: "", key: { downArrow: true } }, 3);
    s = pickerReducer(s, { input: "", key: { downArrow: true } }, 3);
    s = pickerReducer(s, { input: "", key: { downArrow: true } }, 3);
    expect(s.cursor).to.equal(2);
    s = pickerReducer(s, { input: "v", key: {} }, 3);
    expect(s).to.deep.equal({ query: "v", cursor: 0 });
    s = pickerReducer(s, { input: "", key: { backspace: true } }, 3);
    expect(s.query).to.equal("");
  });
});
