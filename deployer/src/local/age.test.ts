import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decryptFile } from "./age.js";

describe("local/age: decrypting an off-site copy on the workstation (real age)", () => {
  let dir: string;
  before(function () {
    try {
      execFileSync("age", ["--version"]);
    } catch {
      console.log("      skipped: age is not installed (.ci/install-deps.sh installs it)");
      this.skip();
    }
  });
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), "age-"))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const keygen = (file: string) => {
    execFileSync("age-keygen", ["-o", file], { stdio: "ignore" });
    return execFileSync("age-keygen", ["-y", file], { encoding: "utf8" }).trim();
  };

  it("decrypts with the right key into a 0600 file; the wrong key fails in one line and leaves nothing", async () => {
    const recipient = keygen(join(dir, "key.txt"));
    keygen(join(dir, "other.txt"));
    await writeFile(join(dir, "x.dump"), "PGDMP data");
    execFileSync("age", ["-r", recipient, "-o", join(dir, "x.dump.age"), join(dir, "x.dump")]);

    await decryptFile(join(dir, "key.txt"), join(dir, "x.dump.age"), join(dir, "out.dump"));
    expect(await readFile(join(dir, "out.dump"), "utf8")).to.equal("PGDMP data");
    expect((await stat(join(dir, "out.dump"))).mode & 0o777).to.equal(0o600);

    let error: Error | undefined;
    await decryptFile(join(dir, "other.txt"), join(dir, "x.dump.age"), join(dir, "out2.dump")).catch(
      (e: Error) => (error = e),
    );
    expect(error?.message).to.equal("age could not decrypt x.dump.age: no identity matched any of the recipients");
    await stat(join(dir, "out2.dump")).then(
      () => expect.fail("a partial output was left"),
      () => undefined,
    );
  });

  it("a damaged copy fails (age authenticates every chunk)", async () => {
    const recipient = keygen(join(dir, "key.txt"));
    await writeFile(join(dir, "x.dump"), Buffer.alloc(200_000, 7));
    execFileSync("age", ["-r", recipient, "-o", join(dir, "x.dump.age"), join(dir, "x.dump")]);
    const bytes = await readFile(join(dir, "x.dump.age"));
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
    await writeFile(join(dir, "x.dump.age"), bytes);
    let error: Error | undefined;
    await decryptFile(join(dir, "key.txt"), join(dir, "x.dump.age"), join(dir, "out.dump")).catch(
      (e: Error) => (error = e),
    );
    expect(error?.message).to.match(/^age could not decrypt x\.dump\.age: /);
  });
});
