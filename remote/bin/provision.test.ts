// provision.sh, fed on stdin as the deployer runs it. Users, groups, apt and systemd are stand-ins
// on PATH that log their arguments (a test never changes this machine's users or packages); files
// and directories are real, in a temp dir.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { runFed } from "./script-harness.js";

describe("remote/bin/provision.sh", () => {
  let dir: string;
  let bin: string;
  let log: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "remindbot-provision-"));
    bin = join(dir, "bin");
    log = join(dir, "calls.log");
    await mkdir(bin);
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  /** A stand-in for `name` that logs "name args" and then runs `body` (sh). */
  async function stub(name: string, body = "exit 0"): Promise<void> {
    await writeFile(join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${log}"\n${body}\n`);
    await chmod(join(bin, name), 0o755);
  }
  const env = (extra: Record<string, string> = {}) => ({
    PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    ...extra,
  });
  const calls = async () => (await readFile(log, "utf8").catch(() => "")).trim().split("\n").filter(Boolean);

  describe("ensure-user", () => {
    /** The server's users: does the group exist, does the user, and the user's groups (id -nG). */
    async function server(groupExists: boolean, userExists: boolean, groups: string) {
      await stub("getent", `[ "$1" = group ] && exit ${groupExists ? 0 : 2}; exit 2`);
      await stub("id", `[ "$1" = -u ] && exit ${userExists ? 0 : 1}; echo "${groups}"`);
      for (const name of ["groupadd", "useradd", "usermod"]) await stub(name);
    }
    const modifying = async () => (await calls()).filter((c) => /^(groupadd|useradd|usermod) /.test(c));

    it("a bare server: the group and the user are created", async () => {
      await server(false, false, "deploy docker");
      const r = await runFed("provision.sh", ["ensure-user", "deploy"], env());
      expect([r.code, r.stdout], r.stderr).to.deep.equal([0, "changed: user deploy in group docker\n"]);
      expect(await modifying()).to.deep.equal([
        "groupadd --system docker",
        "useradd --create-home --shell /bin/bash --groups docker deploy",
      ]);
    });

    it("a user outside the group (a 'dockers' group is not it) is added to it", async () => {
      await server(true, true, "deploy dockers sudo");
      const r = await runFed("provision.sh", ["ensure-user", "deploy"], env());
      expect([r.code, r.stdout]).to.deep.equal([0, "changed: user deploy in group docker\n"]);
      expect(await modifying()).to.deep.equal(["usermod -aG docker deploy"]);
    });

    it("all in place: ok, nothing run that changes anything", async () => {
      await server(true, true, "deploy docker");
      const r = await runFed("provision.sh", ["ensure-user", "deploy"], env());
      expect([r.code, r.stdout]).to.deep.equal([0, "ok: user deploy in group docker\n"]);
      expect(await modifying()).to.deep.equal([]);
    });

    it("a failing useradd fails the step with its message", async () => {
      await server(true, false, "");
      await stub("useradd", 'echo "useradd: cannot lock /etc/passwd" >&2; exit 1');
      const r = await runFed("provision.sh", ["ensure-user", "deploy"], env());
      expect([r.code, r.stdout]).to.deep.equal([1, ""]);
      expect(r.stderr).to.include("useradd: cannot lock /etc/passwd");
    });
  });

  describe("authorize-key and ensure-dir (real files, owned by the user running the test)", () => {
    const me = userInfo().username;
    before(function () {
      // The script gives USER:USER ownership: it needs a group named like the user.
      const group = spawnSync("id", ["-gn"], { encoding: "utf8" }).stdout.trim();
      if (group !== me) {
        console.log(`      skipped: the primary group ${group} is not named like the user ${me}`);
        this.skip();
      }
    });

    it("authorize-key: adds the key once (0700 .ssh, 0600 file), then finds it there", async () => {
      const home = join(dir, "home");
      await mkdir(home);
      await stub("getent", `[ "$1" = passwd ] && [ "$2" = "${me}" ] && echo "${me}:x:0:0::${home}:/bin/bash"`);
      const key = "ssh-ed25519 AAAAC3Nz me@laptop";
      const first = await runFed("provision.sh", ["authorize-key", me, key], env());
      expect([first.code, first.stdout], first.stderr).to.deep.equal([0, `changed: key authorised for ${me}\n`]);
      const again = await runFed("provision.sh", ["authorize-key", me, key], env());
      expect([again.code, again.stdout]).to.deep.equal([0, `ok: key authorised for ${me}\n`]);
      const file = join(home, ".ssh", "authorized_keys");
      expect(await readFile(file, "utf8")).to.equal(`${key}\n`);
      expect((await stat(file)).mode & 0o777).to.equal(0o600);
      expect((await stat(join(home, ".ssh"))).mode & 0o777).to.equal(0o700);
    });

    it("authorize-key: an unknown user fails with one line, writing nothing", async () => {
      await stub("getent", "exit 2");
      const r = await runFed("provision.sh", ["authorize-key", "nobody-here", "ssh-ed25519 AAAA"], env());
      expect([r.code, r.stderr]).to.deep.equal([
        1,
        "provision.sh: error: no user nobody-here (run ensure-user first)\n",
      ]);
    });

    it("ensure-dir: creates with the mode, then ok; a wrong mode is fixed", async () => {
      const target = join(dir, "app", "shared");
      const run = () => runFed("provision.sh", ["ensure-dir", target, "700", me], env());
      expect((await run()).stdout).to.equal(`changed: ${target} 700 ${me}:${me}\n`);
      expect((await stat(target)).mode & 0o777).to.equal(0o700);
      expect((await run()).stdout).to.equal(`ok: ${target} 700 ${me}:${me}\n`);
      await chmod(target, 0o755);
      expect((await run()).stdout).to.equal(`changed: ${target} 700 ${me}:${me}\n`);
      expect((await stat(target)).mode & 0o777).to.equal(0o700);
    });
  });

  describe("install-docker and has-docker", () => {
    let etc: string;
    beforeEach(async () => {
      etc = join(dir, "etc");
      await mkdir(join(etc, "apt", "sources.list.d"), { recursive: true });
      await writeFile(
        join(etc, "os-release"),
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\n',
      );
      await stub("apt-get");
      // umask 077: the key is readable by apt only because the script says so
      await stub("curl", 'while [ "$1" != -o ]; do shift; done; umask 077; echo KEY > "$2"');
      await stub("dpkg", "echo arm64");
      await stub("systemctl");
    });

    it("install-docker: Docker's documented steps, in order, and the apt source for this release", async () => {
      const r = await runFed("provision.sh", ["install-docker"], env({ PROVISION_ETC_DIR: etc }));
      expect(r.code, r.stderr).to.equal(0);
      const keyring = join(etc, "apt", "keyrings", "docker.asc");
      expect(await calls()).to.deep.equal([
        "apt-get update",
        "apt-get install -y ca-certificates curl",
        `curl -fsSL https://download.docker.com/linux/debian/gpg -o ${keyring}`,
        "dpkg --print-architecture",
        "apt-get update",
        "apt-get install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin",
        "systemctl enable --now docker",
      ]);
      expect(await readFile(join(etc, "apt", "sources.list.d", "docker.list"), "utf8")).to.equal(
        `deb [arch=arm64 signed-by=${keyring}] https://download.docker.com/linux/debian bookworm stable\n`,
      );
      expect((await stat(keyring)).mode & 0o777).to.equal(0o644);
    });

    it("install-docker: stops at the first failing step", async () => {
      await stub("curl", 'echo "curl: (6) Could not resolve host" >&2; exit 6');
      const r = await runFed("provision.sh", ["install-docker"], env({ PROVISION_ETC_DIR: etc }));
      expect(r.code).to.equal(6);
      expect(r.stderr).to.include("Could not resolve host");
      expect((await calls()).at(-1)).to.match(/^curl /);
    });

    it("install-docker: an os-release without a codename fails before apt sees a broken source", async () => {
      await writeFile(join(etc, "os-release"), "ID=debian\n");
      const r = await runFed("provision.sh", ["install-docker"], env({ PROVISION_ETC_DIR: etc }));
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include("os-release has no VERSION_CODENAME");
      expect(await calls()).to.not.include("systemctl enable --now docker");
    });

    it("has-docker: the server's version; exit 1 without docker", async () => {
      await stub("docker", "echo 27.3.1");
      const r = await runFed("provision.sh", ["has-docker"], env());
      expect([r.code, r.stdout]).to.deep.equal([0, "27.3.1\n"]);
      // A PATH with bash alone: no docker anywhere.
      const bare = join(dir, "bare");
      await mkdir(bare);
      await symlink(
        spawnSync("bash", ["-c", "command -v bash"], { encoding: "utf8" }).stdout.trim(),
        join(bare, "bash"),
      );
      const none = await runFed("provision.sh", ["has-docker"], { PATH: bare });
      expect(none.code).to.equal(1);
    });
  });

  it("usage errors exit 2 with one line", async () => {
    for (const args of [[], ["ensure-user"], ["ensure-dir", "/x", "700"], ["has-docker", "x"], ["reboot"]]) {
      const r = await runFed("provision.sh", args, env());
      expect(r.code, args.join(" ")).to.equal(2);
      expect(r.stderr).to.match(/^provision\.sh: error: .* \(see --help\)\n$/);
    }
  });
});
