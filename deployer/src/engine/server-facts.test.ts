// The preflight's pure parts: os-release, the machine's facts, the verdicts (refusals, swap, warnings).
import { expect } from "chai";
import { distroOf, neededSwapMb, parseFacts, parseOsRelease, preflight } from "./server-facts.js";
import {
  BIG_MACHINE,
  osReleaseFixture,
  REFUSED_FIXTURES,
  SMALL_MACHINE,
  SUPPORTED_FIXTURES,
} from "./testing/os-release.js";

describe("engine: server facts (provision's preflight)", () => {
  it("parses os-release: quoted and bare values, escapes, comments and blank lines ignored", () => {
    const os = parseOsRelease('# a comment\n\nID=debian\nPRETTY_NAME="Say \\"hi\\""\nX=\'single\'\nnot a line\n');
    expect(os).to.deep.equal({ ID: "debian", PRETTY_NAME: 'Say "hi"', X: "single" });
  });

  it("each supported os-release names Docker's repository for its distribution and codename", () => {
    const found = SUPPORTED_FIXTURES.map((f) => distroOf(parseOsRelease(osReleaseFixture(f))));
    expect(found).to.deep.equal([
      { dist: "debian", codename: "bullseye", name: "Debian GNU/Linux 11 (bullseye)" },
      { dist: "debian", codename: "bookworm", name: "Debian GNU/Linux 12 (bookworm)" },
      { dist: "debian", codename: "trixie", name: "Debian GNU/Linux 13 (trixie)" },
      { dist: "ubuntu", codename: "jammy", name: "Ubuntu 22.04.4 LTS" },
      { dist: "ubuntu", codename: "noble", name: "Ubuntu 24.04.3 LTS" },
    ]);
  });

  it("refuses the others by name in one line that says what is supported", () => {
    const said = REFUSED_FIXTURES.map((f) => distroOf(parseOsRelease(osReleaseFixture(f))));
    const tail = "is not supported: provision supports Debian 11, 12, 13 and Ubuntu 22.04, 24.04 (amd64, arm64)";
    expect(said).to.deep.equal([
      `Debian GNU/Linux 10 (buster) ${tail}`,
      `Ubuntu 20.04.6 LTS ${tail}`,
      `Rocky Linux 9.3 (Blue Onyx) ${tail}`,
      `Alpine Linux v3.23 ${tail}`,
    ]);
    expect(distroOf({})).to.equal(`this system (no /etc/os-release) ${tail}`);
    // Linux Mint and Raspbian are Debian-like, but Docker's repository has no codename of theirs
    expect(
      distroOf({ ID: "linuxmint", ID_LIKE: "ubuntu debian", VERSION_ID: "21.3", PRETTY_NAME: "Linux Mint 21.3" }),
    ).to.match(/^Linux Mint 21\.3 is not supported/);
  });

  it("refuses an os-release whose codename disagrees with its version (apt would get a repository that does not exist)", () => {
    const os = parseOsRelease(
      osReleaseFixture("debian-12").replace("VERSION_CODENAME=bookworm", "VERSION_CODENAME=trixie"),
    );
    expect(distroOf(os)).to.match(/codename "trixie", expected bookworm; not changing anything$/);
  });

  it("parses provision.sh facts; missing or odd values become unknowns, not numbers", () => {
    const f = parseFacts(
      "arch=arm64\nmem_kb=983040\nswap_kb=0\ndisk_free_kb=15728640\nsystemd=257\ncgroup=v2\ncontainer=none\n",
    );
    expect(f).to.deep.equal({ ...SMALL_MACHINE, arch: "arm64", systemd: 257 });
    const odd = parseFacts("arch=amd64\nmem_kb=\nsystemd=\ncgroup=hybrid\n");
    expect(odd).to.deep.equal({
      arch: "amd64",
      memKb: 0,
      swapKb: 0,
      diskFreeKb: 0,
      cgroup: "unknown",
      container: "none",
    });
  });

  describe("preflight", () => {
    const debian = parseOsRelease(osReleaseFixture("debian-12"));

    it("a comfortable machine: a one-line summary, no warning, no swap asked or needed", () => {
      const p = preflight(debian, BIG_MACHINE, undefined);
      expect(p.summary).to.equal(
        "Debian GNU/Linux 12 (bookworm), amd64, RAM 4.0 GiB, swap 0 B, 40.0 GiB free on /, systemd 252, cgroup v2",
      );
      expect(p).to.deep.include({ warnings: [], swap: { skip: "not asked" } });
      expect(p.refusal).to.equal(undefined);
      expect(preflight(debian, BIG_MACHINE, "auto").swap).to.deep.equal({
        skip: "not needed: RAM 4.0 GiB + swap 0 B is enough",
      });
    });

    it("a 1 GB machine: says RAM is short of the stack's limits and advises a swap file; auto sizes it", () => {
      const p = preflight(debian, SMALL_MACHINE, undefined);
      expect(p.warnings).to.deep.equal([
        "RAM 960.0 MiB + swap 0 B is less than the stack may use (1.5 GiB) and the system: a 1.5 GiB swap file is advised (--swap auto)",
      ]);
      expect(preflight(debian, SMALL_MACHINE, "auto").swap).to.deep.equal({ mb: 1536 });
      // existing swap counts; an explicit size is taken as asked
      expect(neededSwapMb({ ...SMALL_MACHINE, swapKb: 512 * 1024 })).to.equal(1024);
      expect(neededSwapMb({ ...SMALL_MACHINE, memKb: 2 * 1024 * 1024 })).to.equal(0);
      expect(preflight(debian, BIG_MACHINE, 2048).swap).to.deep.equal({ mb: 2048 });
    });

    it("refuses, before anything changes: another architecture, no systemd, too little disk", () => {
      expect(preflight(debian, { ...BIG_MACHINE, arch: "armhf" }, undefined).refusal).to.equal(
        "armhf is not supported: provision supports Debian 11, 12, 13 and Ubuntu 22.04, 24.04 (amd64, arm64)",
      );
      const { systemd: _, ...noSystemd } = BIG_MACHINE;
      expect(preflight(debian, noSystemd, undefined).refusal).to.equal(
        "systemd is not the init system: the stack's units need it",
      );
      expect(preflight(debian, { ...BIG_MACHINE, diskFreeKb: 1024 * 1024 }, undefined).refusal).to.equal(
        "only 1.0 GiB free on /: the images, the database and its backups need at least 2.0 GiB",
      );
      expect(preflight(debian, { ...BIG_MACHINE, diskFreeKb: 3 * 1024 * 1024 }, undefined).warnings).to.deep.equal([
        "3.0 GiB free on /: images and backups grow; 5.0 GiB or more is comfortable",
      ]);
    });

    it("names a container in the summary (its swap and clock are the host's)", () => {
      expect(preflight(debian, { ...BIG_MACHINE, container: "lxc", cgroup: "v1" }, undefined).summary).to.match(
        /, cgroup v1, container lxc$/,
      );
    });
  });
});
