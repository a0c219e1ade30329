// history.sh, fed on stdin as the deployer runs it.
import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runFed } from "./script-harness.js";

describe("remote/bin/history.sh", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "remindbot-history-"));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("append: creates the file, then adds one line per call, byte for byte", async () => {
    const file = join(dir, "history.jsonl");
    const line = `{"tag":"v1","detail":"it's \\"quoted\\" $(id) \`x\` %s \\\\n"}`;
    expect((await runFed("history.sh", ["append", file, line], {})).code).to.equal(0);
    expect((await runFed("history.sh", ["append", file, '{"tag":"v2"}'], {})).code).to.equal(0);
    expect(await readFile(file, "utf8")).to.equal(`${line}\n{"tag":"v2"}\n`);
  });

  it("refuses a line with a newline (exit 2), writing nothing", async () => {
    const file = join(dir, "history.jsonl");
    const r = await runFed("history.sh", ["append", file, '{"a":1}\n{"b":2}'], {});
    expect([r.code, r.stderr]).to.deep.equal([2, "history.sh: error: LINE must be one line (see --help)\n"]);
    const missing = await readFile(file, "utf8").catch(() => "none");
    expect(missing).to.equal("none");
  });

  it("exit 1 when the file cannot be written; usage errors exit 2", async () => {
    expect((await runFed("history.sh", ["append", join(dir, "no", "h.jsonl"), "{}"], {})).code).to.equal(1);
    for (const args of [[], ["append", "f"], ["rewrite", "f", "{}"]]) {
      expect((await runFed("history.sh", args, {})).code, args.join(" ")).to.equal(2);
    }
  });
});
