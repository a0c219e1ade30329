import { expect } from "chai";
import { readFileSync } from "node:fs";
import type { MaybeBreaking } from "../migrator.js";
import { migrations } from "./index.js";

/**
 * manifest.json is what the deployer reads from a tag's sources (docs/CONTRACTS.md) to plan the
 * migrate step without starting a container: it must say exactly what the compiled classes say.
 */
describe("db/migrations/manifest.json", () => {
  const manifest = JSON.parse(readFileSync(new URL("./manifest.json", import.meta.url), "utf8")) as {
    migrations: { name: string; breaksRunningRelease: boolean }[];
  };

  it("lists every migration class, in the order they run, with its breaksRunningRelease", () => {
    const fromClasses = migrations
      .map((M) => ({
        name: new M().name ?? M.name,
        breaksRunningRelease: (M as MaybeBreaking).breaksRunningRelease === true,
      }))
      .sort((a, b) => Number(a.name.slice(-13)) - Number(b.name.slice(-13)));
    expect(manifest.migrations).to.deep.equal(fromClasses);
  });
});
