import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkChecksumFile, checkDigest, sha256File, writeChecksumFile } from "./backup-file.js";

describe("local/backup-file: a backup's sha256 on the workstation", () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), "backup-file-"))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("writes a sha256sum-format .sha256 (0600) that sha256sum -c accepts, and checks the file against it", async () => {
    const file = join(dir, "20261203T120000Z_v1.0.0.dump");
    await writeFile(file, "PGDMP pretend dump");
    await writeChecksumFile(file, await sha256File(file));
    expect((await stat(`${file}.sha256`)).mode & 0o777).to.equal(0o600);
    // The same format as backup.sh's: coreutils reads it.
    expect(execFileSync("sha256sum", ["-c", `${file}.sha256`], { cwd: dir, encoding: "utf8" })).to.match(/: OK/);
    expect(await checkChecksumFile(file)).to.deep.include({ ok: true });

    await writeFile(file, "PGDMP pretend dumq"); // one byte changed
    const verdict = await checkChecksumFile(file);
    expect(verdict?.ok).to.equal(false);
    expect(verdict)
      .to.have.property("problem")
      .that.matches(/^checksum mismatch: 20261203T120000Z_v1\.0\.0\.dump is sha256 /);
  });

  it("no .sha256: undefined (the caller decides); a garbled one is a problem, not a pass", async () => {
    const file = join(dir, "a.dump");
    await writeFile(file, "x");
    expect(await checkChecksumFile(file)).to.equal(undefined);
    await writeFile(`${file}.sha256`, "not a checksum\n");
    expect(await checkChecksumFile(file)).to.deep.equal({
      ok: false,
      problem: "a.dump.sha256 is not a sha256sum line",
    });
  });

  it("checkDigest: a match or one line saying what differs", async () => {
    const file = join(dir, "b.dump");
    await writeFile(file, "abc");
    expect(await checkDigest(file, "0".repeat(64))).to.have.property("ok", false);
    expect(await checkDigest(file, await sha256File(file))).to.have.property("ok", true);
  });
});
