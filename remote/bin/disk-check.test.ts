import { expect } from "chai";
import { runScript } from "./script-harness.js";

describe("remote/bin/disk-check.sh", () => {
  it("prints the free space of / (and of Docker's data root when Docker answers); exit 0 above the threshold", async () => {
    const r = await runScript("disk-check.sh", ["--min-free-mb", "0"], {});
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^\/ \(root\): \d+ MiB free of \d+ MiB \(\d+% used\)$/m);
  });

  it("--json: one object with figures; below the threshold every entry says so and the exit code is 1", async () => {
    const ok = await runScript("disk-check.sh", ["--json"], { DISK_MIN_FREE_MB: "0" });
    expect(ok.code, ok.stderr).to.equal(0);
    const report = JSON.parse(ok.stdout) as {
      ok: boolean;
      minFreeMb: number;
      filesystems: Array<{ label: string; path: string | null; freeMb?: number; ok?: boolean }>;
    };
    expect(report).to.include({ ok: true, minFreeMb: 0 });
    expect(report.filesystems[0]).to.include({ label: "root", path: "/", ok: true });
    expect(report.filesystems[0]!.freeMb).to.be.a("number").and.at.least(0);
    expect(report.filesystems.map((f) => f.label)).to.deep.equal(["root", "docker"]);

    const low = await runScript("disk-check.sh", ["--json", "--min-free-mb", "999999999"], {});
    expect(low.code).to.equal(1);
    const lowReport = JSON.parse(low.stdout) as typeof report;
    expect(lowReport.ok).to.equal(false);
    expect(lowReport.filesystems[0]).to.include({ label: "root", ok: false });
  });

  it("warns on stderr, naming the file system and the threshold, with exit 1", async () => {
    const r = await runScript("disk-check.sh", [], { DISK_MIN_FREE_MB: "999999999" });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^disk-check\.sh: warning: \/ has \d+ MiB free, below the 999999999 MiB threshold$/m);
  });

  it("reports an unreachable Docker without failing for it", async () => {
    // A daemon socket that does not exist: the data root is unknown; / still decides the exit code.
    const r = await runScript("disk-check.sh", ["--json", "--min-free-mb", "0"], {
      DOCKER_HOST: "unix:///nonexistent/docker.sock",
    });
    expect(r.code, r.stderr).to.equal(0);
    const report = JSON.parse(r.stdout) as { filesystems: Array<Record<string, unknown>> };
    expect(report.filesystems[1]).to.deep.equal({ label: "docker", path: null, error: "docker info did not answer" });
  });

  it("refuses a bad threshold with exit 2 and one line", async () => {
    const r = await runScript("disk-check.sh", ["--min-free-mb", "lots"], {});
    expect([r.code, r.stderr]).to.deep.equal([
      2,
      "disk-check.sh: error: min-free-mb must be a whole number of MiB, not 'lots'\n",
    ]);
    // Past 2^63 bash's arithmetic wraps to a negative threshold that every disk passes.
    const big = await runScript("disk-check.sh", ["--min-free-mb", "9223372036854775809"], {});
    expect(big.code).to.equal(2);
  });
});
