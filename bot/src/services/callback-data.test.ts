import { expect } from "chai";
import { decodeAction, encodeAction } from "./callback-data.js";
import type { Action } from "./callback-data.js";

describe("callback data", () => {
  const actions: Action[] = [
    { op: "confirm", id: 12 },
    { op: "change", id: 1 },
    { op: "cancel", id: 99 },
    { op: "pick", id: 5, minutes: 29_000_000 },
    { op: "page", page: 3 },
    { op: "page", page: 3, owner: 123456789012 },
    { op: "delete", id: 7, page: 2 },
    { op: "pause", id: 7, page: 0 },
    { op: "resume", id: 7, page: 1 },
    { op: "edit", id: 8 },
    { op: "done", id: 123456789012 },
    { op: "snooze", id: 4, what: "10m" },
    { op: "snooze", id: 4, what: "1h" },
    { op: "snooze", id: 4, what: "morning" },
    { op: "lang", lang: "ru", onboarding: true },
    { op: "lang", lang: "en", onboarding: false },
    { op: "settings", what: "quiet" },
    { op: "quiet", start: 1320, end: 480 },
    { op: "quiet-off" },
  ];
  it("round-trips every action within 64 bytes", () => {
    for (const a of actions) {
      const data = encodeAction(a);
      expect(Buffer.byteLength(data)).to.be.at.most(64);
      expect(decodeAction(data)).to.deep.equal(a);
    }
  });
  it("rejects garbage, stale shapes and out-of-range values", () => {
    for (const bad of [
      undefined,
      "",
      "ok:",
      "ok:abc",
      "ok:1:2",
      "x:1",
      "s:1:2h",
      "q:10:10",
      "q:1440:0",
      "ok:" + "9".repeat(20),
      "l:-1",
      "l:1:",
      "l:1:x",
      "l:1:" + "9".repeat(16),
      "ok:1\n",
      "a".repeat(65),
    ]) {
      expect(decodeAction(bad), String(bad)).to.equal(null);
    }
  });
});
