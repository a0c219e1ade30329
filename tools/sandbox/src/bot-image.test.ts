import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { botLimits } from "./bot-image.js";

describe("sandbox/bot-image: the bot service's limits from the compose file", () => {
  it("reads docker-compose.prod.yml's limits for the bot (what the capacity bench runs it with)", () => {
    expect(botLimits()).to.deep.equal({ memory: "512M", cpus: "0.5" });
  });

  it("a compose file without them is refused in one line naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "bot-image-"));
    try {
      const file = join(dir, "compose.yml");
      writeFileSync(file, "services:\n  bot:\n    image: x\n");
      expect(() => botLimits(file)).to.throw(`${file}: services.bot.deploy.resources.limits has no memory and cpus`);
      writeFileSync(
        file,
        "services:\n  bot:\n    deploy:\n      resources:\n        limits:\n          memory: 1G\n          cpus: 2\n",
      );
      expect(botLimits(file)).to.deep.equal({ memory: "1G", cpus: "2" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
