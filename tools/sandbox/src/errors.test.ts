import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastLines } from "./errors.js";
import { buildFailed } from "./images.js";

describe("sandbox errors", () => {
  it("lastLines keeps the last non-empty lines", () => {
    expect(lastLines("a\n\nb\nc\n\n", 2)).to.equal("b\nc");
    expect(lastLines("", 3)).to.equal("");
  });

  it("a failed build names the image and the full log, then shows the log's last lines", () => {
    const dir = mkdtempSync(join(tmpdir(), "sandbox-err-"));
    try {
      const log = join(dir, "build.log");
      writeFileSync(log, Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n"));
      const lines = buildFailed("node:22-bookworm-slim", log).message.split("\n");
      expect(lines[0]).to.equal(`building node:22-bookworm-slim failed; full log: ${log}`);
      expect(lines.slice(1)).to.deep.equal(Array.from({ length: 12 }, (_, i) => `line ${i + 19}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
