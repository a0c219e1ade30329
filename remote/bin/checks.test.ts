// checks.sh, fed on stdin as the deployer runs it.
import { expect } from "chai";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runFed } from "./script-harness.js";

describe("remote/bin/checks.sh", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "remindbot-checks-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  /** A `docker` on PATH that prints DockerRootDir as `root`, or fails when root is undefined. */
  async function fakeDocker(root: string | undefined, script?: string): Promise<Record<string, string>> {
    const bin = await mkdtemp(join(dir, "bin-"));
    await writeFile(
      join(bin, "docker"),
      script ?? (root === undefined ? "#!/bin/sh\nexit 1\n" : `#!/bin/sh\nprintf '%s\\n' '${root}'\n`),
    );
    await chmod(join(bin, "docker"), 0o755);
    return { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` };
  }

  it("disk-free: df -Pk of DIR and of Docker's data root, a header and one line each", async () => {
    // /proc: a file system that is surely not the temp dir's.
    const r = await runFed("checks.sh", ["disk-free", dir], await fakeDocker("/proc"));
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).to.have.length(3);
    expect(lines[0]).to.match(/^Filesystem\s+1024-blocks\s+Used\s+Available/);
    expect(lines[1]).to.not.match(/\s\/proc$/);
    expect(lines[2]).to.match(/\s\/proc$/);
  });

  it("disk-free: DIR stands in for the data root when Docker does not answer or says nothing", async () => {
    // The last: a docker CLI whose daemon is down prints an empty line, an error, and exits 1.
    const down = "#!/bin/sh\necho\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n";
    for (const env of [await fakeDocker(undefined), await fakeDocker(""), await fakeDocker(undefined, down)]) {
      const r = await runFed("checks.sh", ["disk-free", dir], env);
      expect(r.code, r.stderr).to.equal(0);
      const [, first, second] = r.stdout.trim().split("\n");
      expect(second).to.equal(first);
    }
  });

  it("disk-free: fails with df's message for a missing DIR", async () => {
    const r = await runFed("checks.sh", ["disk-free", join(dir, "missing")], await fakeDocker(undefined));
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/df: .*missing/);
  });

  it("usage errors exit 2 with one line", async () => {
    for (const args of [[], ["disk-free"], ["disk-free", "a", "b"], ["free"]]) {
      const r = await runFed("checks.sh", args, {});
      expect([r.code, r.stderr.split("\n").length], args.join(" ")).to.deep.equal([2, 2]);
    }
    expect((await runFed("checks.sh", ["--help"], {})).stdout).to.match(/^Usage: checks\.sh disk-free DIR/);
  });
});
