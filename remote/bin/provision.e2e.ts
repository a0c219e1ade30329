// e2e, issue 18: provision's own plan on a VDS just bought (the sandbox's bare flavour, a new server):
// the probe reads its real os-release and facts, then the real runner over real SSH runs the preflight,
// a swap file, time synchronisation, unattended upgrades, the deploy user and key, the layout and the
// ssh hardening (the key login as the deploy user first); a second run changes nothing. Docker's step is left out:
// Docker's apt repository cannot be reached from here (the scenario provisions the ready flavour,
// Docker installed). Afterwards the bare server is replaced by a new one, as just bought again.
// Root + Docker; skipped with one line otherwise.
import { expect } from "chai";
import { sandboxAsTarget, type Target } from "../../deployer/src/config/targets.js";
import { layout } from "../../deployer/src/commands/layout.js";
import * as checks from "../../deployer/src/commands/checks.js";
import { connectTarget } from "../../deployer/src/engine/connect.js";
import type { TaskEvent, TaskResult } from "../../deployer/src/engine/events.js";
import { ask, probeProvision } from "../../deployer/src/engine/probe.js";
import { runTask } from "../../deployer/src/engine/runner.js";
import { distroOf } from "../../deployer/src/engine/server-facts.js";
import { provisionPlan, type ProvisionState } from "../../deployer/src/engine/task-plans.js";
import { REPO_ROOT } from "../../deployer/src/local/repo-root.js";
import { run } from "../../deployer/src/local/process.js";
import type { Remote } from "../../deployer/src/ssh/types.js";
import { readFileSync } from "node:fs";
import { ensureSandbox, sandboxSsh, useSandbox, type Sandbox } from "../../test/support/sandbox.js";

const SWAP_MIB = 256;

describe("provision on a bare sandbox VDS: preflight, swap, clock, upgrades, ssh hardening, twice (e2e)", function () {
  let sandbox: Sandbox;
  let target: Target;
  let root: Remote;
  let state: ProvisionState;
  const started = Date.now();

  const connect = (asRoot: boolean) => connectTarget({ target, asRoot, secrets: [] });
  /** What the server offers a client that has no key: "publickey,password" or "publickey". */
  async function authMethods(): Promise<string> {
    const r = await run("ssh", [
      "-p",
      String(target.port),
      "-o",
      `UserKnownHostsFile=${target.knownHostsFile}`,
      "-o",
      "GlobalKnownHostsFile=/dev/null",
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      "BatchMode=yes",
      "-o",
      "PubkeyAuthentication=no",
      "-o",
      "ConnectTimeout=10",
      `nobody@${target.host}`,
      "true",
    ]);
    return /Permission denied \(([^)]*)\)/.exec(r.stderr)?.[1] ?? `? ${r.stderr.trim()}`;
  }

  async function provision(): Promise<{ result: TaskResult; output: string[] }> {
    const plan = provisionPlan(layout(target.appDir), state, {
      user: "deploy",
      publicKey: readFileSync(`${target.identityFile}.pub`, "utf8"),
      swap: SWAP_MIB,
      hardenSsh: true,
      securityUpgrades: true,
    });
    plan.steps = plan.steps.filter((s) => s.id !== "docker");
    const events: TaskEvent[] = [];
    const result = await runTask({ remote: root, sink: (e) => events.push(e), loginAs: () => connect(false) }, plan, {
      history: { action: "provision", tag: "-", commit: "", by: "provision.e2e" },
    });
    const output = events.flatMap((e) => (e.type === "output" ? [e.line] : []));
    expect(result.ok, `${result.message}\n${output.join("\n")}`).to.equal(true);
    return { result, output };
  }

  before(async function () {
    sandbox = await useSandbox(this, { flavour: "bare", fresh: true });
    target = { ...sandboxAsTarget(sandbox.target, REPO_ROOT), user: "deploy" };
    root = await connect(true);
  });

  after(async function () {
    this.timeout(10 * 60_000);
    await root?.close();
    // The next e2e file that asks for the bare flavour expects a server just bought.
    if (sandbox) await ensureSandbox({ flavour: "bare", fresh: true });
    console.log(`      provision.e2e: ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
  });

  it("the probe reads the real server: Debian 12 (bookworm) from its os-release, a container with systemd, no Docker", async () => {
    state = await probeProvision(root);
    expect(distroOf(state.os)).to.deep.equal({
      dist: "debian",
      codename: "bookworm",
      name: "Debian GNU/Linux 12 (bookworm)",
    });
    expect(state.missing).to.deep.equal(["docker", "compose v2"]);
    expect(state.facts).to.deep.include({ systemd: 252, container: "docker" });
    expect(["amd64", "arm64"]).to.include(state.facts.arch);
    expect(state.facts.memKb).to.be.above(0);
    expect(await authMethods(), "a VDS just bought takes passwords").to.equal("publickey,password");
  });

  it("first run: swap file, time service, unattended upgrades, age, deploy user and key, layout, password logins off after the key login", async function () {
    console.log("      skipped step: docker (Docker's apt repository, download.docker.com, cannot be reached here)");
    const { result, output } = await provision();
    expect(result.message).to.match(/^provision: \d+ change\(s\) made$/);
    expect(output).to.include.members([
      `changed: swap file /swapfile ${SWAP_MIB} MiB (not switched on: this server is a container (docker), whose swap is the host's)`,
      "changed: user deploy in group docker",
      "changed: key authorised for deploy",
      "changed: password logins off (/etc/ssh/sshd_config.d/10-deployer-no-passwords.conf)",
      "changed: unattended security upgrades on (/etc/apt/apt.conf.d/20auto-upgrades)",
    ]);
    // age from Debian's archive, for the backups' off-site copies
    expect(
      output.find((l) => /^changed: age v?1\.\S+, for encrypted off-site copies$/.test(l)),
      output.join("\n"),
    ).to.be.a("string");
    // timesyncd came from Debian's archive; it does not start in a container (the host keeps the clock)
    expect(output.find((l) => l.startsWith("changed: time service systemd-timesyncd: enabled"))).to.be.a("string");
  });

  it("the server as left: the swap file 0600 with its signature and one fstab line, timesyncd enabled, unattended upgrades on as apt reads it, the clock readable, sshd without passwords", async () => {
    const apt = await sandboxSsh(
      "dpkg-query -W -f='${Status}\\n' unattended-upgrades age; apt-config dump APT::Periodic::Unattended-Upgrade",
      { flavour: "bare" },
    );
    expect(apt.stdout.trim().split("\n"), apt.stderr).to.deep.equal([
      "install ok installed",
      "install ok installed",
      'APT::Periodic::Unattended-Upgrade "1";',
    ]);
    const swap = await sandboxSsh(
      "stat -c '%a %s' /swapfile; dd if=/swapfile bs=1 skip=$(($(getconf PAGESIZE) - 10)) count=10 status=none; echo; grep -c '^/swapfile none swap sw 0 0$' /etc/fstab; systemctl is-enabled systemd-timesyncd",
      { flavour: "bare" },
    );
    expect(swap.stdout.trim().split("\n"), swap.stderr).to.deep.equal([
      `600 ${SWAP_MIB * 1024 * 1024}`,
      "SWAPSPACE2",
      "1",
      "enabled",
    ]);
    const clock = checks.parseClock((await ask(root, checks.clockState())).stdout);
    expect(clock).to.deep.include({ source: "timesyncd", active: false });
    const sshd = await sandboxSsh(
      "sshd -T | grep -E '^(passwordauthentication|kbdinteractiveauthentication|pubkeyauthentication) '",
      {
        flavour: "bare",
      },
    );
    expect(sshd.stdout.trim().split("\n").sort()).to.deep.equal([
      "kbdinteractiveauthentication no",
      "passwordauthentication no",
      "pubkeyauthentication yes",
    ]);
    expect(await authMethods(), "the running sshd took the new configuration").to.equal("publickey");
    const deploy = await sandboxSsh("id -un", { flavour: "bare", user: "deploy" });
    expect([deploy.code, deploy.stdout.trim()], deploy.stderr).to.deep.equal([0, "deploy"]);
  });

  it("a second run changes nothing and says so", async () => {
    state = await probeProvision(root);
    const { result, output } = await provision();
    expect(result.message).to.equal("provision: nothing changed (the server was already prepared)");
    expect(output.filter((l) => l.startsWith("changed:"))).to.deep.equal([]);
    expect(output).to.include("ok: password logins off");
  });
});
