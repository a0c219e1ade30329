import { expect } from "chai";
import { RateLimiter } from "./rate-limit.ts";

describe("fake Bot API: rate limiter", function () {
  it("RateLimiter frees slots as the one-second window slides", function () {
    const limiter = new RateLimiter({ global: 3, perChat: 1 });
    expect(limiter.take("a", 0)).to.equal(0);
    expect(limiter.take("a", 100)).to.equal(900); // per chat: next slot at 1000
    expect(limiter.take("b", 200)).to.equal(0);
    expect(limiter.take("c", 300)).to.equal(0);
    expect(limiter.take("d", 400)).to.equal(600); // global: the first slot frees at 1000
    expect(limiter.take("d", 1000)).to.equal(0);
    expect(limiter.take("a", 1001)).to.equal(199); // global full again until 1200
    expect(limiter.take("a", 1200)).to.equal(0);
  });
});
