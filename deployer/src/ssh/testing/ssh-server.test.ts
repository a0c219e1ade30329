import { expect } from "chai";
import { utils } from "ssh2";
import { generateHostKey } from "./ssh-server.js";

describe("ssh/testing/ssh-server", () => {
  it("host keys always read back (ssh2 alone refuses about one in 256 of those it makes)", () => {
    // Without the check in generateHostKey, 2,000 draws meet a bad key with a probability near 99 %.
    for (let i = 0; i < 2000; i++) expect(utils.parseKey(generateHostKey())).to.not.be.instanceOf(Error);
  });
});
