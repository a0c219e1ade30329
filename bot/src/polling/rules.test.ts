import { expect } from "chai";
import { handoverGap, offsetToConfirm } from "./rules.js";

describe("polling/rules", () => {
  describe("offsetToConfirm", () => {
    it("confirms what was received when the last request did not carry the next offset", () => {
      expect(offsetToConfirm({ lastSentOffset: 0, lastReceivedId: 41 })).to.equal(42);
      expect(offsetToConfirm({ lastSentOffset: undefined, lastReceivedId: 41 })).to.equal(42);
      expect(offsetToConfirm({ lastSentOffset: 40, lastReceivedId: 41 })).to.equal(42);
    });

    it("sends nothing when the last request already confirmed it, or nothing came", () => {
      expect(offsetToConfirm({ lastSentOffset: 42, lastReceivedId: 41 })).to.equal(undefined);
      expect(offsetToConfirm({ lastSentOffset: 0, lastReceivedId: undefined })).to.equal(undefined);
      expect(offsetToConfirm({ lastSentOffset: undefined, lastReceivedId: undefined })).to.equal(undefined);
    });
  });

  describe("handoverGap", () => {
    const base = {
      previousStoppedAt: 1_000_000,
      acquiredAt: 1_000_020,
      firstPollAt: 1_000_035,
      maxRecordAgeMs: 60_000,
    };

    it("is the time from the previous holder's last poll to this one's first", () => {
      expect(handoverGap(base)).to.deep.equal({ gapMs: 35, at: new Date(1_000_035).toISOString() });
    });

    it("is absent without a record, before the first poll, or for an old record", () => {
      expect(handoverGap({ ...base, previousStoppedAt: undefined })).to.equal(undefined);
      expect(handoverGap({ ...base, firstPollAt: undefined })).to.equal(undefined);
      expect(handoverGap({ ...base, acquiredAt: base.previousStoppedAt + 60_001, firstPollAt: 1_060_005 })).to.equal(
        undefined,
      );
    });
  });
});
