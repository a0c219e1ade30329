// units.sh, fed on stdin as the deployer runs it.
import { expect } from "chai";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runFed } from "./script-harness.js";

describe("remote/bin/units.sh", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "remindbot-units-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it("checksums: sha256sum lines for present files, '-  <path>' for missing ones, in order", async () => {
    const present = join(dir, "remindbot.service");
    await writeFile(present, "[Unit]\n");
    const missing = join(dir, "remindbot-backup.timer");
    const r = await runFed("units.sh", ["checksums", missing, present], {});
    expect(r.code, r.stderr).to.equal(0);
    const sum = createHash("sha256").update("[Unit]\n").digest("hex");
    expect(r.stdout).to.equal(`-  ${missing}\n${sum}  ${present}\n`);
  });

  it("checksums of nothing prints nothing; an unknown command exits 2", async () => {
    expect(await runFed("units.sh", ["checksums"], {})).to.deep.include({ code: 0, stdout: "" });
    expect((await runFed("units.sh", ["install"], {})).code).to.equal(2);
  });
});
