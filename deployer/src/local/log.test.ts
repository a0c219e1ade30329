import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redactText } from "../ssh/redact.js";
import { openRunLog } from "./log.js";

describe("run log", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "runlog-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds no secret, even one with " or \\ (which JSON escapes) or one used as a key', async () => {
    const secrets = ['pa"ss\\word1', "token-123456"];
    const log = openRunLog(dir, "logs", (s) => redactText(s, secrets));
    log.write({ kind: "line", text: `password=${secrets[0]!}`, nested: [{ [secrets[1]!]: secrets[0] }] });
    await log.close();
    const text = readFileSync(log.path, "utf8");
    const entry = JSON.parse(text) as Record<string, unknown>;
    expect(entry.text).to.equal("password=[REDACTED]");
    expect(entry.nested).to.deep.equal([{ "[REDACTED]": "[REDACTED]" }]);
    expect(text).to.not.contain('pa\\"ss').and.not.contain("word1").and.not.contain("123456");
  });
});
