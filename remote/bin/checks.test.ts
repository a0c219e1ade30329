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

  describe("clock (the one reading of the clock's state: status, deploy checks, the watchdog)", () => {
    /**
     * Stand-ins for the time tools: `units` the installed unit files, `active` those running;
     * timedatectl answers NTPSynchronized with `synced` (or fails) and timesync-status with
     * `offset`; chronyc tracking's "System time" line is `chrony`.
     */
    async function server(o: {
      units: string[];
      active?: string[];
      synced?: string;
      offset?: string;
      chrony?: string;
    }) {
      const bin = await mkdtemp(join(dir, "clock-"));
      const tool = async (name: string, body: string) => {
        await writeFile(
          join(bin, name),
          `#!/bin/bash
${body}
`,
        );
        await chmod(join(bin, name), 0o755);
      };
      await tool(
        "systemctl",
        `case $1 in
  list-unit-files) for u in ${o.units.join(" ")}; do [[ $u == "\${*: -1}" ]] && echo "$u enabled enabled"; done; exit 0 ;;
  is-active) for u in ${(o.active ?? []).join(" ")}; do [[ $u == "\${*: -1}" ]] && exit 0; done; exit 3 ;;
esac; exit 1`,
      );
      await tool(
        "timedatectl",
        `case $1 in
  show) ${o.synced === undefined ? "echo 'Failed to connect to bus' >&2; exit 1" : `echo ${o.synced}`} ;;
  timesync-status) printf '       Server: 192.0.2.1 (ntp.example)\n       Offset: %s\n        Delay: 2.365ms\n' '${o.offset ?? ""}' ;;
esac`,
      );
      await tool(
        "chronyc",
        `printf 'Stratum         : 2\nSystem time     : %s\nLeap status     : Normal\n' '${o.chrony ?? ""}'`,
      );
      return { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` };
    }
    const clock = async (env: Record<string, string>) => {
      const r = await runFed("checks.sh", ["clock"], env);
      expect(r.code, r.stderr).to.equal(0);
      return r.stdout;
    };

    it("timesyncd running and synchronised: its offset in ms, whatever unit systemd prints", async () => {
      const units = ["systemd-timesyncd.service"];
      const env = (offset: string) => server({ units, active: units, synced: "yes", offset });
      expect(await clock(await env("-1.223ms"))).to.equal(
        "source=timesyncd\nactive=yes\nsynchronized=yes\noffset_ms=-1.223\n",
      );
      expect(await clock(await env("+250us"))).to.match(/\noffset_ms=0\.250\n$/);
      expect(await clock(await env("+1.5s"))).to.match(/\noffset_ms=1500\.000\n$/);
      expect(await clock(await env("garbage"))).to.match(/\noffset_ms=\n$/);
    });

    it("chrony wins over timesyncd; slow of NTP time is a negative offset", async () => {
      const units = ["systemd-timesyncd.service", "chrony.service"];
      const slow = await server({
        units,
        active: units,
        synced: "yes",
        chrony: "0.000123456 seconds slow of NTP time",
      });
      expect(await clock(slow)).to.equal("source=chrony\nactive=yes\nsynchronized=yes\noffset_ms=-0.123\n");
      const fast = await server({ units, active: units, synced: "no", chrony: "0.002 seconds fast of NTP time" });
      expect(await clock(fast)).to.equal("source=chrony\nactive=yes\nsynchronized=no\noffset_ms=2.000\n");
    });

    it("a service not running gives no offset; no time service at all, and timedatectl failing: unknown", async () => {
      const idle = await server({ units: ["systemd-timesyncd.service"], synced: "no", offset: "+1ms" });
      expect(await clock(idle)).to.equal("source=timesyncd\nactive=no\nsynchronized=no\noffset_ms=\n");
      expect(await clock(await server({ units: [] }))).to.equal(
        "source=none\nactive=no\nsynchronized=unknown\noffset_ms=\n",
      );
      const ntpd = await server({ units: ["ntp.service"], active: ["ntp.service"], synced: "yes" });
      expect(await clock(ntpd)).to.equal("source=ntp\nactive=yes\nsynchronized=yes\noffset_ms=\n");
    });
  });

  it("usage errors exit 2 with one line", async () => {
    for (const args of [[], ["disk-free"], ["disk-free", "a", "b"], ["free"], ["clock", "x"]]) {
      const r = await runFed("checks.sh", args, {});
      expect([r.code, r.stderr.split("\n").length], args.join(" ")).to.deep.equal([2, 2]);
    }
    expect((await runFed("checks.sh", ["--help"], {})).stdout).to.match(/^Usage: checks\.sh disk-free DIR/);
  });
});
