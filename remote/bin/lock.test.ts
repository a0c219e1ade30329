// lock.sh, fed on stdin as the deployer runs it: one of two acquirers wins, the other reads who holds it.
import { expect } from "chai";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runFed } from "./script-harness.js";

describe("remote/bin/lock.sh", () => {
  let dir: string;
  let lock: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "remindbot-lock-"));
    lock = join(dir, "lock");
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("acquire: creates the lock with info.json; a second acquire exits 3 and prints the holder's info", async () => {
    const first = await runFed("lock.sh", ["acquire", lock, '{"by":"ann"}'], {});
    expect([first.code, first.stdout, first.stderr]).to.deep.equal([0, "", ""]);
    expect(await readFile(join(lock, "info.json"), "utf8")).to.equal('{"by":"ann"}\n');
    const second = await runFed("lock.sh", ["acquire", lock, '{"by":"bob"}'], {});
    expect([second.code, second.stdout]).to.deep.equal([3, '{"by":"ann"}\n']);
    expect(await readFile(join(lock, "info.json"), "utf8")).to.equal('{"by":"ann"}\n');
  });

  it("of ten racing acquirers exactly one gets the lock", async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => runFed("lock.sh", ["acquire", lock, `{"by":"p${i}"}`], {})),
    );
    expect(results.map((r) => r.code).sort()).to.deep.equal([0, 3, 3, 3, 3, 3, 3, 3, 3, 3]);
  });

  it("a lock whose holder has not written info.json within a second reads as {}", async () => {
    await mkdir(lock);
    const r = await runFed("lock.sh", ["acquire", lock, "{}"], {});
    expect([r.code, r.stdout]).to.deep.equal([3, "{}\n"]);
  });

  it("a loser that reads before the winner wrote info.json waits for it and names the winner", async () => {
    await mkdir(lock);
    const loser = runFed("lock.sh", ["acquire", lock, '{"by":"bob"}'], {});
    // the winner, between its mkdir and its write (the loser has started and found no info.json)
    await new Promise((resolve) => setTimeout(resolve, 300));
    await writeFile(join(lock, "info.json"), '{"by":"ann"}\n');
    const r = await loser;
    expect([r.code, r.stdout]).to.deep.equal([3, '{"by":"ann"}\n']);
  });

  it("exit 1 and one line when the lock cannot be created (no app dir)", async () => {
    const r = await runFed("lock.sh", ["acquire", join(dir, "missing", "lock"), "{}"], {});
    expect([r.code, r.stderr]).to.deep.equal([1, `cannot create ${join(dir, "missing", "lock")}\n`]);
  });

  it("read prints info.json (exit 1 without one); release removes the lock, held or not", async () => {
    expect((await runFed("lock.sh", ["read", lock], {})).code).to.equal(1);
    await runFed("lock.sh", ["acquire", lock, '{"by":"ann"}'], {});
    const read = await runFed("lock.sh", ["read", lock], {});
    expect([read.code, read.stdout]).to.deep.equal([0, '{"by":"ann"}\n']);
    await writeFile(join(lock, "extra"), "x");
    expect((await runFed("lock.sh", ["release", lock], {})).code).to.equal(0);
    expect((await runFed("lock.sh", ["acquire", lock, "{}"], {})).code).to.equal(0);
    expect((await runFed("lock.sh", ["release", join(dir, "never")], {})).code).to.equal(0);
  });

  it("usage errors exit 2 with one line; --help lists the exit codes", async () => {
    for (const args of [[], ["acquire", lock], ["take", lock], ["release"]]) {
      const r = await runFed("lock.sh", args, {});
      expect(r.code, args.join(" ")).to.equal(2);
      expect(r.stderr).to.match(/^lock\.sh: error: .* \(see --help\)\n$/);
    }
    const help = await runFed("lock.sh", ["--help"], {});
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/Exit codes: 0 done; 1 .*; 2 usage; 3 the lock is held/s);
  });
});
