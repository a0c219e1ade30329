// release.sh, fed on stdin as the deployer runs it: the upload's clean temp dir and the release list.
import { expect } from "chai";
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
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
    for (const args of [[], ["prepare", releases], ["list"], ["publish", releases]]) {
      const r = await runFed("release.sh", args, {});
      expect(r.code, args.join(" ")).to.equal(2);
      expect(r.stderr).to.match(/^release\.sh: error: .*\n$/);
    }
  });
});
