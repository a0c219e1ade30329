// release.sh, fed on stdin as the deployer runs it: the upload's clean temp dir, its installation, the release list.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runFed } from "./script-harness.js";

describe("remote/bin/release.sh", () => {
  let dir: string;
  let releases: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "remindbot-release-"));
    releases = join(dir, "releases");
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("prepare: makes releases/ and the temp dir when neither exists", async () => {
    const r = await runFed("release.sh", ["prepare", releases, join(releases, "v1.tmp")], {});
    expect(r.code, r.stderr).to.equal(0);
    expect(await readdir(releases)).to.deep.equal(["v1.tmp"]);
  });

  it("prepare: removes every half upload (*.tmp, this tag's too, emptied), keeps the releases", async () => {
    await mkdir(join(releases, "v1"), { recursive: true });
    await mkdir(join(releases, "v2.tmp"));
    await writeFile(join(releases, "v2.tmp", "release.tar.gz.tmp-0123"), "half");
    await mkdir(join(releases, "v3.tmp"));
    await writeFile(join(releases, "v3.tmp", "left"), "x");
    await writeFile(join(releases, "stray.tmp"), "a file");
    const r = await runFed("release.sh", ["prepare", releases, join(releases, "v3.tmp")], {});
    expect(r.code, r.stderr).to.equal(0);
    expect((await readdir(releases)).sort()).to.deep.equal(["v1", "v3.tmp"]);
    expect(await readdir(join(releases, "v3.tmp"))).to.deep.equal([]);
  });

  describe("install", () => {
    const tmp = () => join(releases, "v1.tmp");
    const rel = () => join(releases, "v1");
    let sha: string;
    beforeEach(async () => {
      const src = join(dir, "src");
      await mkdir(join(src, "bot"), { recursive: true });
      await writeFile(join(src, "bot", "x.txt"), "hello");
      await mkdir(tmp(), { recursive: true });
      await writeFile(join(tmp(), "release.json"), '{"tag":"v1"}\n');
      execFileSync("tar", ["-czf", join(tmp(), "release.tar.gz"), "-C", src, "."]);
      sha = createHash("sha256")
        .update(await readFile(join(tmp(), "release.tar.gz")))
        .digest("hex");
    });

    it("verifies, unpacks beside what was uploaded, removes the archive, renames over a stale dir", async () => {
      await mkdir(join(rel(), "stale"), { recursive: true });
      const r = await runFed("release.sh", ["install", join(tmp(), "release.tar.gz"), rel(), sha], {});
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.equal(`sha256 ${sha.slice(0, 12)} verified; ${rel()} installed\n`);
      expect((await readdir(releases)).sort()).to.deep.equal(["v1"]);
      expect((await readdir(rel())).sort()).to.deep.equal(["bot", "release.json"]);
      expect(await readFile(join(rel(), "bot", "x.txt"), "utf8")).to.equal("hello");
    });

    it("a checksum that does not match: exit 3, nothing unpacked or published", async () => {
      const r = await runFed("release.sh", ["install", join(tmp(), "release.tar.gz"), rel(), "0".repeat(64)], {});
      expect(r.code).to.equal(3);
      expect(r.stderr).to.match(
        /^release\.sh: the uploaded archive's checksum does not match \([0-9a-f]{64} != 0{64}\); nothing was used\n$/,
      );
      expect(await readdir(releases)).to.deep.equal(["v1.tmp"]);
      expect((await readdir(tmp())).sort()).to.deep.equal(["release.json", "release.tar.gz"]);
    });

    it("no archive: exit 1 with one line; a malformed checksum: usage (2)", async () => {
      await rm(join(tmp(), "release.tar.gz"));
      const r = await runFed("release.sh", ["install", join(tmp(), "release.tar.gz"), rel(), sha], {});
      expect([r.code, r.stderr]).to.deep.equal([1, `release.sh: no ${join(tmp(), "release.tar.gz")} to install\n`]);
      const u = await runFed("release.sh", ["install", join(tmp(), "release.tar.gz"), rel(), "ABC"], {});
      expect(u.code).to.equal(2);
      expect(u.stderr).to.match(/^release\.sh: error: SHA256 must be/);
    });
  });

  it("list: one '<dir>\\t<release.json>' line per release, JSON on one line, empty when missing, no *.tmp", async () => {
    await mkdir(join(releases, "v1"), { recursive: true });
    await writeFile(join(releases, "v1", "release.json"), '{"tag":"v1",\n"commit":"a"}\n');
    await mkdir(join(releases, "broken"));
    await mkdir(join(releases, "v2.tmp"));
    await writeFile(join(releases, "not-a-dir"), "x");
    await symlink(join(releases, "v1"), join(releases, "linked"));
    const r = await runFed("release.sh", ["list", releases], {});
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.split("\n").sort()).to.deep.equal(
      ["", "broken\t", 'linked\t{"tag":"v1","commit":"a"}', 'v1\t{"tag":"v1","commit":"a"}'].sort(),
    );
  });

  it("list: nothing, exit 0, before releases/ exists", async () => {
    const r = await runFed("release.sh", ["list", releases], {});
    expect([r.code, r.stdout, r.stderr]).to.deep.equal([0, "", ""]);
  });

  it("usage errors exit 2 with one line", async () => {
    for (const args of [[], ["prepare", releases], ["install", releases, releases], ["list"], ["publish", releases]]) {
      const r = await runFed("release.sh", args, {});
      expect(r.code, args.join(" ")).to.equal(2);
      expect(r.stderr).to.match(/^release\.sh: error: .*\n$/);
    }
  });
});
