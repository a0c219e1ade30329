// provision.sh, fed on stdin as the deployer runs it. Users, groups, apt and systemd are stand-ins
// on PATH that log their arguments (a test never changes this machine's users or packages); files
// and directories are real, in a temp dir.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { runFed } from "./script-harness.js";

/** How provision.sh runs apt-get: waiting for a dpkg lock held by the server's own apt. */
const APT = "apt-get -o DPkg::Lock::Timeout=300";

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
      const r = await runFed("provision.sh", ["install-docker", "debian", "bookworm"], env({ PROVISION_ETC_DIR: etc }));
      expect(r.code, r.stderr).to.equal(0);
      const keyring = join(etc, "apt", "keyrings", "docker.asc");
      expect(await calls()).to.deep.equal([
        `${APT} update`,
        `${APT} install -y ca-certificates curl`,
        `curl -fsSL https://download.docker.com/linux/debian/gpg -o ${keyring}`,
        "dpkg --print-architecture",
        `${APT} update`,
        `${APT} install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin`,
        "systemctl enable --now docker",
      ]);
      expect(await readFile(join(etc, "apt", "sources.list.d", "docker.list"), "utf8")).to.equal(
        `deb [arch=arm64 signed-by=${keyring}] https://download.docker.com/linux/debian bookworm stable\n`,
      );
      expect((await stat(keyring)).mode & 0o777).to.equal(0o644);
    });

    it("install-docker on Ubuntu: Ubuntu's key and repository", async () => {
      const r = await runFed("provision.sh", ["install-docker", "ubuntu", "noble"], env({ PROVISION_ETC_DIR: etc }));
      expect(r.code, r.stderr).to.equal(0);
      const keyring = join(etc, "apt", "keyrings", "docker.asc");
      expect(await calls()).to.include(`curl -fsSL https://download.docker.com/linux/ubuntu/gpg -o ${keyring}`);
      expect(await readFile(join(etc, "apt", "sources.list.d", "docker.list"), "utf8")).to.equal(
        `deb [arch=arm64 signed-by=${keyring}] https://download.docker.com/linux/ubuntu noble stable\n`,
      );
    });

    it("install-docker --compose-only: the plugin alone, Docker's engine (and its service) left alone", async () => {
      const r = await runFed(
        "provision.sh",
        ["install-docker", "debian", "bookworm", "--compose-only"],
        env({ PROVISION_ETC_DIR: etc }),
      );
      expect(r.code, r.stderr).to.equal(0);
      const c = await calls();
      expect(c.filter((x) => x.startsWith(`${APT} install`))).to.deep.equal([
        `${APT} install -y ca-certificates curl`,
        `${APT} install -y docker-compose-plugin`,
      ]);
      expect(c.filter((x) => x.startsWith("systemctl"))).to.deep.equal([]);
    });

    it("install-docker: stops at the first failing step", async () => {
      await stub("curl", 'echo "curl: (6) Could not resolve host" >&2; exit 6');
      const r = await runFed("provision.sh", ["install-docker", "debian", "bookworm"], env({ PROVISION_ETC_DIR: etc }));
      expect(r.code).to.equal(6);
      expect(r.stderr).to.include("Could not resolve host");
      expect((await calls()).at(-1)).to.match(/^curl /);
    });

    it("install-docker: another distribution or a codename that is not a word is refused before apt runs", async () => {
      for (const args of [
        ["centos", "9"],
        ["debian", "bookworm stable"],
        ["debian", ""],
        ["debian", "bookworm", "--all"],
      ]) {
        const r = await runFed("provision.sh", ["install-docker", ...args], env({ PROVISION_ETC_DIR: etc }));
        expect(r.code, args.join(" ")).to.equal(2);
        expect(r.stderr).to.match(
          /^provision\.sh: error: install-docker: (DIST is|CODENAME is|unknown option) .*\(see --help\)\n$/,
        );
      }
      expect(await calls()).to.deep.equal([]);
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

  describe("facts", () => {
    it("the machine as key=value lines, from /proc, df, dpkg, systemd and systemd-detect-virt", async () => {
      const proc = join(dir, "proc");
      const run = join(dir, "run");
      await mkdir(proc);
      await mkdir(join(run, "systemd", "system"), { recursive: true });
      await writeFile(
        join(proc, "meminfo"),
        "MemTotal:         983040 kB\nMemFree:  1 kB\nSwapTotal:        524284 kB\n",
      );
      await stub("dpkg", "echo arm64");
      await stub(
        "df",
        'printf "Filesystem 1024-blocks Used Available Capacity Mounted on\\n/dev/vda1 20000000 5000000 15728640 25%% /\\n"',
      );
      await stub("systemctl", 'echo "systemd 257 (257.8-1~deb13u2)"');
      await stub("stat", "echo cgroup2fs");
      await stub("systemd-detect-virt", "echo none; exit 1");
      const r = await runFed("provision.sh", ["facts"], env({ PROVISION_PROC_DIR: proc, PROVISION_RUN_DIR: run }));
      expect([r.code, r.stdout], r.stderr).to.deep.equal([
        0,
        "arch=arm64\nmem_kb=983040\nswap_kb=524284\ndisk_free_kb=15728640\nsystemd=257\ncgroup=v2\ncontainer=none\n",
      ]);
      // not booted with systemd, cgroup v1, in an LXC container
      await rm(join(run, "systemd"), { recursive: true });
      await stub("stat", "echo tmpfs");
      await stub("systemd-detect-virt", "echo lxc");
      const other = await runFed("provision.sh", ["facts"], env({ PROVISION_PROC_DIR: proc, PROVISION_RUN_DIR: run }));
      expect(other.stdout).to.match(/\nsystemd=\ncgroup=v1\ncontainer=lxc\n$/);
    });
  });

  describe("ensure-clock", () => {
    /** systemctl over a state dir: a unit file is installed when $S/<unit>.installed exists, etc. */
    async function systemd(o: { installed: string[]; enabled?: string[]; active?: string[]; condition?: "no" }) {
      const s = join(dir, "systemd");
      await mkdir(s, { recursive: true });
      for (const u of o.installed) await writeFile(join(s, `${u}.installed`), "");
      for (const u of o.enabled ?? []) await writeFile(join(s, `${u}.enabled`), "");
      for (const u of o.active ?? []) await writeFile(join(s, `${u}.active`), "");
      await stub(
        "systemctl",
        `S=${s}; last=$(eval echo \\$$#)
case $1 in
  list-unit-files) [ -e "$S/$last.installed" ] && echo "$last enabled enabled"; exit 0 ;;
  is-enabled) [ -e "$S/$last.enabled" ] && { [ "$2" = --quiet ] || echo enabled; exit 0; }; [ "$2" = --quiet ] || echo disabled; exit 1 ;;
  is-active) [ -e "$S/$last.active" ] && { [ "$2" = --quiet ] || echo active; exit 0; }; [ "$2" = --quiet ] || echo inactive; exit 3 ;;
  enable) touch "$S/$last.enabled" ;;
  start) ${o.condition === "no" ? "exit 0" : 'touch "$S/$last.active"'} ;;
  show) echo ${o.condition ?? "yes"} ;;
esac`,
      );
    }
    const modifying = async () => (await calls()).filter((c) => /^(systemctl (enable|start)|apt-get) /.test(c));

    it("timesyncd installed but off: enabled and started (changed), then ok", async () => {
      await systemd({ installed: ["systemd-timesyncd.service"] });
      const first = await runFed("provision.sh", ["ensure-clock"], env());
      expect([first.code, first.stdout], first.stderr).to.deep.equal([
        0,
        "changed: time service systemd-timesyncd: enabled, active\n",
      ]);
      expect(await modifying()).to.deep.equal([
        "systemctl enable systemd-timesyncd.service",
        "systemctl start systemd-timesyncd.service",
      ]);
      const again = await runFed("provision.sh", ["ensure-clock"], env());
      expect(again.stdout).to.equal("ok: time service systemd-timesyncd: enabled, active\n");
    });

    it("chrony is used when it is there; nothing installed", async () => {
      await systemd({
        installed: ["systemd-timesyncd.service", "chrony.service"],
        enabled: ["chrony.service"],
        active: ["chrony.service"],
      });
      const r = await runFed("provision.sh", ["ensure-clock"], env());
      expect(r.stdout).to.equal("ok: time service chrony: enabled, active\n");
      expect(await modifying()).to.deep.equal([]);
    });

    it("no time service: systemd-timesyncd from apt (lists updated only when apt does not know it)", async () => {
      await systemd({ installed: [] });
      await stub("apt-cache", 'printf "systemd-timesyncd:\\n  Installed: (none)\\n  Candidate: (none)\\n"');
      await stub("apt-get");
      const r = await runFed("provision.sh", ["ensure-clock"], env());
      expect(r.stdout).to.equal("changed: time service systemd-timesyncd: enabled, active\n");
      expect(await modifying()).to.deep.equal([
        `${APT} update`,
        `${APT} install -y --no-install-recommends systemd-timesyncd`,
        "systemctl enable systemd-timesyncd.service",
        "systemctl start systemd-timesyncd.service",
      ]);
    });

    it("in a container, timesyncd's start condition fails: said, and a second run is ok", async () => {
      await systemd({
        installed: ["systemd-timesyncd.service"],
        enabled: ["systemd-timesyncd.service"],
        condition: "no",
      });
      await stub("systemd-detect-virt", "echo docker");
      const r = await runFed("provision.sh", ["ensure-clock"], env());
      expect(r.stdout).to.equal(
        "ok: time service systemd-timesyncd: enabled, inactive (not started: its start condition is not met in a container (docker): the host keeps its clock)\n",
      );
    });
  });

  describe("ensure-swap", () => {
    let etc: string;
    let proc: string;
    let file: string;
    beforeEach(async () => {
      etc = join(dir, "etc");
      proc = join(dir, "proc");
      file = join(dir, "swapfile");
      await mkdir(etc);
      await mkdir(proc);
      await writeFile(join(etc, "fstab"), "UUID=abc / ext4 errors=remount-ro 0 1\n");
      await writeFile(join(proc, "swaps"), "Filename\tType\tSize\tUsed\tPriority\n");
      // mkswap writes its signature at the end of the first page, as the real one does
      await stub(
        "mkswap",
        `for f; do :; done; printf SWAPSPACE2 | dd of="$f" bs=1 seek=$(($(getconf PAGESIZE) - 10)) conv=notrunc status=none`,
      );
      await stub("swapon", `for f; do :; done; printf '%s file 16 0 -2\\n' "$f" >> "${join(dir, "proc", "swaps")}"`);
      await stub("systemd-detect-virt", "echo none; exit 1");
    });
    const ensure = (mib = "16") =>
      runFed("provision.sh", ["ensure-swap", file, mib], env({ PROVISION_ETC_DIR: etc, PROVISION_PROC_DIR: proc }));

    it("made 0600 with its size, listed in fstab once, switched on; then ok and left alone", async () => {
      const first = await ensure();
      expect([first.code, first.stdout], first.stderr).to.deep.equal([0, `changed: swap file ${file} 16 MiB\n`]);
      expect((await stat(file)).mode & 0o777).to.equal(0o600);
      expect((await stat(file)).size).to.equal(16 * 1024 * 1024);
      expect(await readFile(join(etc, "fstab"), "utf8")).to.equal(
        `UUID=abc / ext4 errors=remount-ro 0 1\n${file} none swap sw 0 0\n`,
      );
      const again = await ensure();
      expect(again.stdout).to.equal(`ok: swap file ${file} on (left as it is)\n`);
      expect((await calls()).filter((c) => /^(mkswap|swapon) /.test(c))).to.deep.equal([
        `mkswap -- ${file}`,
        `swapon -- ${file}`,
      ]);
    });

    it("in a container: made and listed, not switched on (the host's swap), and a second run changes nothing", async () => {
      await stub("systemd-detect-virt", "echo docker");
      const note = "(not switched on: this server is a container (docker), whose swap is the host's)";
      expect((await ensure()).stdout).to.equal(`changed: swap file ${file} 16 MiB ${note}\n`);
      expect((await ensure()).stdout).to.equal(`ok: swap file ${file} 16 MiB ${note}\n`);
      expect((await calls()).filter((c) => /^(mkswap|swapon) /.test(c))).to.deep.equal([`mkswap -- ${file}`]);
    });

    it("a file of another size is remade; not enough disk is refused before anything is written", async () => {
      await writeFile(file, "not a swap file");
      expect((await ensure()).stdout).to.equal(`changed: swap file ${file} 16 MiB\n`);
      await rm(file);
      await writeFile(join(proc, "swaps"), "Filename\tType\tSize\tUsed\tPriority\n");
      const huge = await ensure("99999999");
      expect([huge.code, huge.stderr]).to.deep.include.members([1]);
      expect(huge.stderr).to.match(
        /^provision\.sh: error: not enough disk for a 99999999 MiB swap file at .* MiB free\)\n$/,
      );
      expect(await stat(file).catch(() => "absent")).to.equal("absent");
    });
  });

  describe("ensure-upgrades and harden-ssh", () => {
    let etc: string;
    beforeEach(async () => {
      etc = join(dir, "etc");
      await mkdir(join(etc, "apt", "apt.conf.d"), { recursive: true });
      await mkdir(join(etc, "ssh"), { recursive: true });
    });

    it("ensure-upgrades: installs unattended-upgrades and writes 20auto-upgrades; then ok", async () => {
      const installed = join(dir, "installed");
      await stub("dpkg-query", `[ -e ${installed} ] && printf 'install ok installed'; exit 0`);
      await stub("apt-cache", 'printf "  Candidate: 2.9.1+nmu3\\n"');
      await stub("apt-get", `touch ${installed}`);
      const run = () => runFed("provision.sh", ["ensure-upgrades"], env({ PROVISION_ETC_DIR: etc }));
      const conf = join(etc, "apt", "apt.conf.d", "20auto-upgrades");
      expect((await run()).stdout).to.equal(`changed: unattended security upgrades on (${conf})\n`);
      expect(await readFile(conf, "utf8")).to.equal(
        'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n',
      );
      expect((await run()).stdout).to.equal(`ok: unattended security upgrades on (${conf})\n`);
      expect((await calls()).filter((c) => c.startsWith("apt-get"))).to.deep.equal([
        `${APT} install -y --no-install-recommends unattended-upgrades`,
      ]);
    });

    it("ensure-age: installs the distribution's age when its package is missing; then ok", async () => {
      const installed = join(dir, "installed");
      await stub("dpkg-query", `[ -e ${installed} ] && printf 'install ok installed'; exit 0`);
      await stub("apt-cache", 'printf "  Candidate: 1.1.1-1\\n"');
      await stub("apt-get", `touch ${installed}`);
      await stub("age", 'echo "v1.1.1"');
      const run = () => runFed("provision.sh", ["ensure-age"], env());
      const first = await run();
      expect([first.code, first.stdout], first.stderr).to.deep.equal([
        0,
        "changed: age v1.1.1, for encrypted off-site copies\n",
      ]);
      expect((await run()).stdout).to.equal("ok: age v1.1.1, for encrypted off-site copies\n");
      expect((await calls()).filter((c) => c.startsWith("apt-get"))).to.deep.equal([
        `${APT} install -y --no-install-recommends age`,
      ]);
    });

    /** sshd: -T reports passwordauthentication from the drop-in when present (else `base`); -t exits `check`. */
    async function sshd(base: "yes" | "no", check = 0) {
      const dropin = join(etc, "ssh", "sshd_config.d", "10-deployer-no-passwords.conf");
      await stub(
        "sshd",
        `if [ "$1" = -t ]; then exit ${check}; fi
v=${base}; [ -e ${dropin} ] && v=no
printf 'port 22\\npasswordauthentication %s\\nkbdinteractiveauthentication %s\\n' $v $v`,
      );
      await stub("systemctl");
      return dropin;
    }
    const harden = () => runFed("provision.sh", ["harden-ssh"], env({ PROVISION_ETC_DIR: etc }));

    it("harden-ssh: writes the drop-in, checks it with sshd -t and -T, reloads sshd; then ok", async () => {
      await writeFile(join(etc, "ssh", "sshd_config"), "Include /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\n");
      const dropin = await sshd("yes");
      const first = await harden();
      expect([first.code, first.stdout], first.stderr).to.deep.equal([0, `changed: password logins off (${dropin})\n`]);
      expect(await readFile(dropin, "utf8")).to.match(
        /\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n$/,
      );
      expect((await stat(dropin)).mode & 0o777).to.equal(0o644);
      expect(await calls()).to.include("systemctl reload ssh.service");
      expect((await harden()).stdout).to.equal("ok: password logins off\n");
    });

    it("harden-ssh: a drop-in sshd refuses or ignores is removed again, one line, exit 1", async () => {
      await writeFile(join(etc, "ssh", "sshd_config"), "Include /etc/ssh/sshd_config.d/*.conf\n");
      const dropin = await sshd("yes", 255);
      const refused = await harden();
      expect([refused.code, refused.stderr.trim().split("\n").at(-1)]).to.deep.equal([
        1,
        "provision.sh: error: sshd -t refused the drop-in; removed it, nothing changed",
      ]);
      expect(await stat(dropin).catch(() => "absent")).to.equal("absent");
      // no Include: nothing written
      await writeFile(join(etc, "ssh", "sshd_config"), "PasswordAuthentication yes\n");
      await sshd("yes");
      const noInclude = await harden();
      expect([noInclude.code, noInclude.stderr]).to.deep.equal([
        1,
        "provision.sh: error: sshd_config does not include sshd_config.d/*.conf: set PasswordAuthentication no in it by hand\n",
      ]);
      expect(await calls()).to.not.include("systemctl reload ssh.service");
    });
  });

  it("usage errors exit 2 with one line", async () => {
    for (const args of [
      [],
      ["ensure-user"],
      ["ensure-dir", "/x", "700"],
      ["has-docker", "x"],
      ["reboot"],
      ["install-docker"],
      ["ensure-swap", "/swapfile"],
      ["ensure-swap", "/swapfile", "1G"],
      ["ensure-swap", "swapfile", "512"],
      ["facts", "x"],
    ]) {
      const r = await runFed("provision.sh", args, env());
      expect(r.code, args.join(" ")).to.equal(2);
      expect(r.stderr).to.match(/^provision\.sh: error: .* \(see --help\)\n$/);
    }
  });
});
