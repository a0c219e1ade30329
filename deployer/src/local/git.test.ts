import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { RELEASE_PATHS } from "./git.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));

describe("local: the release archive's paths", () => {
  it("hold every file bot/Dockerfile copies from the build context (a release dir)", () => {
    const sources = readFileSync(`${root}bot/Dockerfile`, "utf8")
      .split("\n")
      .filter((line) => /^COPY\s/.test(line) && !/--from=/.test(line))
      .flatMap((line) => line.trim().split(/\s+/).slice(1, -1));
    expect(sources).to.include("tsconfig.json");
    for (const src of sources) {
      const top = src.replace(/\/$/, "").split("/")[0]!;
      expect(RELEASE_PATHS, `bot/Dockerfile copies ${src}; the release archive must hold ${top}`).to.include(top);
    }
  });
});
