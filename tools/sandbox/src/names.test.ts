import { expect } from "chai";
import { FLAVOURS, isFlavour, seedVolumeName, telegramApiRoot, vdsNames } from "./names.js";

describe("sandbox names", () => {
  it("gives each flavour its own container, volume, port and address", () => {
    const [a, b] = FLAVOURS.map(vdsNames);
    for (const key of ["container", "volume", "sshPort", "ip", "image"] as const)
      expect(a?.[key]).not.to.equal(b?.[key]);
    expect(isFlavour("bare")).to.equal(true);
    expect(isFlavour("big")).to.equal(false);
  });

  it("points TELEGRAM_API_ROOT at the fake Bot API's fixed address on the sandbox network", () => {
    expect(telegramApiRoot()).to.equal("http://10.213.7.5:8081");
  });

  it("names a seed by the image ids: the same ids give the same seed, any change another", () => {
    const ids = ["sha256:vds", "sha256:debian", "sha256:node", "sha256:pg"];
    const seed = seedVolumeName(ids);
    expect(seed).to.match(/^remindbot-sandbox-seed-[0-9a-f]{16}$/);
    expect(seedVolumeName([...ids])).to.equal(seed);
    for (let i = 0; i < ids.length; i++) {
      const changed = ids.map((id, j) => (j === i ? `${id}2` : id));
      expect(seedVolumeName(changed)).not.to.equal(seed);
    }
  });
});
