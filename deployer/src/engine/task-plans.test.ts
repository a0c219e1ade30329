// provision's plan, pure from what probeProvision found: one case per supported /etc/os-release (real
// files) and architecture, the refused ones, the choices (swap, ssh hardening, security upgrades);
// then the runner over in-memory servers: no password logins turned off without a key login first.
import { expect } from "chai";
import { layout } from "../commands/layout.js";
import type { Remote, RunResult } from "../ssh/types.js";
import { StepError } from "./context.js";
import type { TaskEvent } from "./events.js";
import { planView } from "./plan-view.js";
import { runTask } from "./runner.js";
import { parseOsRelease } from "./server-facts.js";
import { provisionPlan, type ProvisionChoices, type ProvisionState } from "./task-plans.js";
import {
  BIG_MACHINE,
  osReleaseFixture,
  REFUSED_FIXTURES,
  SMALL_MACHINE,
  SUPPORTED_FIXTURES,
} from "./testing/os-release.js";

const l = layout("/opt/remindbot");
const KEY = "ssh-ed25519 AAAAC3Nz me@laptop";
const FED = "< remote/bin/provision.sh";

function state(fixture: string, o: Partial<ProvisionState> = {}): ProvisionState {
  return { sudo: [], missing: [], os: parseOsRelease(osReleaseFixture(fixture)), facts: BIG_MACHINE, ...o };
}
const plan = (s: ProvisionState, choices: ProvisionChoices = {}) =>
  provisionPlan(l, s, { user: "deploy", publicKey: KEY, ...choices });
const view = (s: ProvisionState, choices: ProvisionChoices = {}) => planView(plan(s, choices));
const step = (s: ProvisionState, id: string, choices: ProvisionChoices = {}) =>
  view(s, choices).steps.find((x) => x.id === id)!;

describe("engine: provision plan", () => {
  const repos: Record<string, string> = {
    "debian-11": "debian bullseye",
    "debian-12": "debian bookworm",
    "debian-13": "debian trixie",
    "ubuntu-22.04": "ubuntu jammy",
    "ubuntu-24.04": "ubuntu noble",
  };
  for (const fixture of SUPPORTED_FIXTURES)
    for (const arch of ["amd64", "arm64"])
      it(`${fixture} on ${arch}: Docker from its distribution's repository and codename, every step in order`, () => {
        const s = state(fixture, { missing: ["docker", "compose v2"], facts: { ...BIG_MACHINE, arch } });
        const v = view(s, { swap: "auto" });
        expect(v.steps.map((x) => x.id)).to.deep.equal([
          "preflight",
          "swap",
          "clock",
          "docker",
          "upgrades",
          "age",
          "user",
          "key",
          "layout",
          "units",
          "ssh",
          "history",
        ]);
        const docker = v.steps.find((x) => x.id === "docker")!;
        const [dist, codename] = repos[fixture]!.split(" ") as [string, string];
        expect(docker.title).to.equal(
          `Install docker and compose v2 from Docker's apt repository (${dist} ${codename})`,
        );
        expect(docker.commands[0]).to.equal(`'bash' '-s' '--' 'install-docker' '${dist}' '${codename}' ${FED}`);
        expect(v.warnings).to.deep.equal([
          `docker and compose v2 missing: provision installs them from download.docker.com/linux/${dist}`,
        ]);
        expect(step(s, "preflight").commands).to.deep.equal([`'bash' '-s' '--' 'facts' ${FED}`]);
        expect(step(s, "clock").commands).to.deep.equal([`'bash' '-s' '--' 'ensure-clock' ${FED}`]);
      });

  for (const fixture of REFUSED_FIXTURES)
    it(`${fixture}: refused in one line before any step, naming what is supported`, () => {
      let err: unknown;
      try {
        plan(state(fixture, { missing: ["docker"] }));
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(StepError);
      const message = (err as Error).message;
      expect(message).to.match(
        /^provision refused, nothing changed: .+ is not supported: provision supports Debian 11, 12, 13 and Ubuntu 22\.04, 24\.04 \(amd64, arm64\)$/,
      );
      expect(message.split("\n")).to.have.length(1);
    });

  it("refuses an unsupported architecture and a server without systemd the same way", () => {
    expect(() => plan(state("ubuntu-24.04", { facts: { ...BIG_MACHINE, arch: "armhf" } }))).to.throw(
      StepError,
      /^provision refused, nothing changed: armhf is not supported/,
    );
    const { systemd: _, ...noSystemd } = BIG_MACHINE;
    expect(() => plan(state("debian-12", { facts: noSystemd }))).to.throw(StepError, /systemd is not the init system/);
  });

  it("Docker already there (any source) with compose v2: left alone, and the plan says so", () => {
    const docker = step(state("ubuntu-22.04", { dockerVersion: "24.0.7" }), "docker");
    expect(docker).to.deep.equal({
      id: "docker",
      title:
        "Docker and compose v2 (skipped: Docker 24.0.7 and compose v2 present (whatever their source): left alone)",
      commands: [],
    });
    expect(view(state("ubuntu-22.04", { dockerVersion: "24.0.7" })).warnings).to.deep.equal([]);
  });

  it("Docker there without compose v2: only the compose plugin from Docker's repository, the engine left alone", () => {
    const docker = step(state("debian-12", { missing: ["compose v2"], dockerVersion: "20.10.24+dfsg1" }), "docker");
    expect(docker.title).to.equal(
      "Install compose v2 (the plugin alone, beside the Docker there) from Docker's apt repository (debian bookworm)",
    );
    expect(docker.commands[0]).to.equal(
      `'bash' '-s' '--' 'install-docker' 'debian' 'bookworm' '--compose-only' ${FED}`,
    );
  });

  it("swap: advised on a small machine when not asked; auto makes the needed size; never on a big one", () => {
    const small = state("debian-12", { facts: SMALL_MACHINE });
    expect(step(small, "swap")).to.deep.include({ title: "Swap file (skipped: not asked)", commands: [] });
    expect(view(small).warnings[0]).to.match(/a 1\.5 GiB swap file is advised \(--swap auto\)$/);
    expect(step(small, "swap", { swap: "auto" })).to.deep.equal({
      id: "swap",
      title: "Swap file /swapfile of 1536 MiB",
      commands: [`'bash' '-s' '--' 'ensure-swap' '/swapfile' '1536' ${FED}`],
    });
    expect(step(state("debian-12"), "swap", { swap: "auto" }).title).to.equal(
      "Swap file (skipped: not needed: RAM 4.0 GiB + swap 0 B is enough)",
    );
    expect(step(state("debian-12", { sudo: ["sudo", "-n"] }), "swap", { swap: 1024 }).commands).to.deep.equal([
      `'sudo' '-n' 'bash' '-s' '--' 'ensure-swap' '/swapfile' '1024' ${FED}`,
    ]);
  });

  it("ssh hardening and security upgrades run only when asked; the key login as the deploy user comes first", () => {
    const s = state("debian-13");
    expect(step(s, "ssh").title).to.equal(
      "Password logins off, after a key login as deploy works (skipped: not asked (--harden-ssh))",
    );
    expect(step(s, "upgrades").title).to.equal(
      "Unattended security upgrades (skipped: not asked (--security-upgrades))",
    );
    expect(step(s, "ssh", { hardenSsh: true }).commands).to.deep.equal([
      "# over a new SSH connection as deploy, with the workstation's key:",
      "'id' '-un'",
      `'bash' '-s' '--' 'harden-ssh' ${FED}`,
    ]);
    expect(step(s, "upgrades", { securityUpgrades: true }).commands).to.deep.equal([
      `'bash' '-s' '--' 'ensure-upgrades' ${FED}`,
    ]);
    // always: the backups' off-site copies are encrypted on the server
    expect(step(s, "age").commands).to.deep.equal([`'bash' '-s' '--' 'ensure-age' ${FED}`]);
  });

  describe("run (in-memory servers): the proof before password logins go", () => {
    /** Root's server: every provision.sh step prints "ok:"; records what ran. */
    function rootServer(ran: string[]): Remote {
      return memoryRemote("root", (argv) => {
        ran.push(argv.join(" "));
        if (argv.includes("facts")) return { code: 0, stdout: "arch=amd64\nmem_kb=4194304\nsystemd=252\n", stderr: "" };
        return { code: 0, stdout: `ok: ${argv.at(-1)}\n`, stderr: "" };
      });
    }
    const s = state("debian-12", { dockerVersion: "27.3.1" });

    it("the deploy user's key login answers, then harden-ssh runs; a second run that finds all done changes nothing", async () => {
      const ran: string[] = [];
      const logins: string[] = [];
      const events: TaskEvent[] = [];
      const result = await runTask(
        {
          remote: rootServer(ran),
          sink: (e) => events.push(e),
          loginAs: async (user) => {
            logins.push(user);
            return memoryRemote(user, (argv) => ({ code: 0, stdout: argv[0] === "id" ? `${user}\n` : "", stderr: "" }));
          },
        },
        plan(s, { hardenSsh: true }),
      );
      expect(result.message, JSON.stringify(events.filter((e) => e.type === "step-failed"))).to.equal(
        "provision: nothing changed (the server was already prepared)",
      );
      expect(logins).to.deep.equal(["deploy"]);
      expect(ran.filter((c) => c.includes("harden-ssh"))).to.have.length(1);
      const done = events.filter((e) => e.type === "step-done" && e.stepId === "ssh");
      expect(done).to.deep.include.members([
        {
          type: "step-done",
          at: (done[0] as { at: number }).at,
          stepId: "ssh",
          status: "done",
          note: "key login as deploy works, ok: harden-ssh",
        },
      ]);
    });

    it("a key login that fails (or answers as someone else) stops before harden-ssh: password logins stay on", async () => {
      for (const login of [
        async () => {
          throw new Error("All configured authentication methods failed\nmore");
        },
        async () => memoryRemote("deploy", () => ({ code: 0, stdout: "root\n", stderr: "" })),
      ]) {
        const ran: string[] = [];
        const result = await runTask(
          { remote: rootServer(ran), sink: () => undefined, loginAs: login },
          plan(s, { hardenSsh: true }),
        );
        expect(result.ok).to.equal(false);
        expect(result.message).to.match(
          /^provision failed at ssh: (a key login as deploy failed: All configured authentication methods failed|the key login as deploy did not answer as deploy: root; password logins left on)$/,
        );
        expect(ran.some((c) => c.includes("harden-ssh"))).to.equal(false);
      }
    });
  });
});

function memoryRemote(user: string, answer: (argv: readonly string[]) => RunResult): Remote {
  return {
    host: "vds",
    user,
    run: async (argv) => answer(argv),
    script: async () => ({ code: 1, stdout: "", stderr: "not here" }),
    upload: async () => undefined,
    download: async () => undefined,
    close: async () => undefined,
  };
}
