// e2e: needs root and a Docker engine (skipped with one line otherwise). Uses the run's shared ready
// sandbox (and a bare one at the end); leaves no unit, container or key of its own behind.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Sandbox } from "../../../test/support/sandbox.js";
import { fakeBotApi, restartSandbox, sandboxEnv, sandboxSsh, useSandbox } from "../../../test/support/sandbox.js";
import { ENV_KEYS } from "./sandbox-env.js";
import { run } from "../../../deployer/src/local/process.js";
import { readSandboxTarget } from "../../../deployer/src/config/sandbox-target.js";
import { REPO_ROOT } from "../../../deployer/src/local/repo-root.js";

/** The CLI as a user runs it; its output must never contain a secret of the env. */
function cli(...args: string[]) {
  return run("npx", ["--no-install", "tsx", join(REPO_ROOT, "tools/sandbox/src/cli.ts"), ...args], {
    timeoutMs: 10 * 60_000,
  });
}

describe("sandbox VDS (e2e)", () => {
  let sandbox: Sandbox;
  before(async function () {
    sandbox = await useSandbox(this);
  });

  it("boots systemd to `running`", async () => {
    const r = await sandboxSsh(["systemctl", "is-system-running"]);
    expect(r.stdout.trim(), r.stderr).to.equal("running");
  });

  it("lets in root and deploy with the generated key, checking the recorded host key", async () => {
    const root = await sandboxSsh("id -un");
    expect(root.code, root.stderr).to.equal(0);
    expect(root.stdout.trim()).to.equal("root");
    const deploy = await sandboxSsh("id -un; id -nG", { user: "deploy" });
    expect(deploy.stdout.split(/\s+/)).to.include("deploy").and.include("docker");
    const recorded = execFileSync("ssh-keygen", ["-F", "[127.0.0.1]:2222", "-f", sandbox.target.knownHostsFile]);
    expect(recorded.toString()).to.match(/ssh-ed25519 AAAA/);
  });

  it("refuses another key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sandbox-e2e-"));
    try {
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "other")]);
      const r = await sandboxSsh("true", { identityFile: join(dir, "other") });
      expect(r.code).to.equal(255);
      expect(r.stderr).to.match(/Permission denied/);
      const asDeploy = await sandboxSsh("true", { identityFile: join(dir, "other"), user: "deploy" });
      expect(asDeploy.code).to.equal(255);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("has Docker with compose v2 for the deploy user", async () => {
    const r = await sandboxSsh("docker compose version --short", { user: "deploy" });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.match(/^v?2\.\d+/);
  });

  it("writes target.json as the contract says, and a complete 0600 env", () => {
    const t = readSandboxTarget();
    expect(t).to.include({ name: "sandbox", host: "127.0.0.1", port: 2222, user: "deploy", flavour: "ready" });
    expect(t?.identityFile).to.equal(sandbox.target.identityFile);
    expect(statSync(sandbox.envFile).mode & 0o777).to.equal(0o600);
    expect(statSync(sandbox.target.identityFile).mode & 0o777).to.equal(0o600);
    expect(Object.keys(sandboxEnv())).to.include.members([...ENV_KEYS]);
  });

  it("has the base images loaded with the ids they have on the host", async () => {
    const r = await sandboxSsh(["docker", "image", "inspect", "-f", "{{.Id}}", "node:22-bookworm-slim"]);
    const host = execFileSync("docker", ["image", "inspect", "-f", "{{.Id}}", "node:22-bookworm-slim"]).toString();
    expect(r.stdout.trim()).to.equal(host.trim());
  });

  it("lets a container inside reach the npm registry (through the proxy) and the Debian mirrors", async () => {
    const npm = await sandboxSsh([
      "docker",
      "run",
      "--rm",
      "node:22-bookworm-slim",
      "npm",
      "view",
      "--silent",
      "ms",
      "name",
    ]);
    expect(npm.stdout.trim(), npm.stderr).to.equal("ms");
    const apt = await sandboxSsh([
      "docker",
      "run",
      "--rm",
      "debian:bookworm-slim",
      "sh",
      "-c",
      "apt-get update -qq && echo apt-ok",
    ]);
    expect(apt.stdout.trim(), apt.stderr).to.equal("apt-ok");
  });

  it("lets a container inside reach the fake Bot API at TELEGRAM_API_ROOT", async function () {
    if (!sandbox.telegram.running) this.skip(); // up warned: tools/fake-telegram is not here
    const api = fakeBotApi();
    const since = await api.cursor();
    const token = sandboxEnv().BOT_TOKEN as string;
    const script = "fetch(process.argv[1]).then(async (r) => console.log(r.status, (await r.json()).ok))";
    const url = `${sandboxEnv().TELEGRAM_API_ROOT}/bot${token}/getMe`;
    const r = await sandboxSsh(["docker", "run", "--rm", "node:22-bookworm-slim", "node", "-e", script, url]);
    expect(r.stdout.trim(), r.stderr).to.equal("200 true");
    const calls = await api.calls({ since, method: "getMe" });
    expect(calls.map((c) => c.token)).to.include(token);
  });

  it("runs the postgres:17 stand-in like the official image (uid 999, POSTGRES_* honoured, client tools)", async () => {
    const name = "sandbox-e2e-pg";
    const script = [
      `docker rm -f ${name} >/dev/null 2>&1 || true`,
      `docker run -d --name ${name} -e POSTGRES_USER=u1 -e POSTGRES_PASSWORD=p1 -e POSTGRES_DB=d1 postgres:17-bookworm >/dev/null`,
      `for i in $(seq 1 120); do docker exec ${name} pg_isready -U u1 -d d1 -q && break; sleep 0.5; done`,
      // the init's temporary server also answers pg_isready: wait for the real one (listening on TCP)
      `for i in $(seq 1 120); do docker exec -e PGPASSWORD=p1 ${name} psql -h 127.0.0.1 -U u1 -d d1 -tAc 'select 1' >/dev/null 2>&1 && break; sleep 0.5; done`,
      `docker exec -e PGPASSWORD=p1 ${name} psql -h 127.0.0.1 -U u1 -d d1 -tAc 'show server_version_num'`,
      `docker exec ${name} sh -c 'id -u postgres; pg_dump --version; pg_restore --version; echo $PGDATA'`,
      `docker rm -f -v ${name} >/dev/null`,
    ].join("\n");
    const r = await sandboxSsh("bash -s", { input: script });
    expect(r.code, r.stderr).to.equal(0);
    const [version, uid, dump, restore, pgdata] = r.stdout.trim().split("\n");
    expect(version).to.match(/^17\d{4}$/);
    expect(uid).to.equal("999");
    expect(dump).to.match(/pg_dump \(PostgreSQL\) 17/);
    expect(restore).to.match(/pg_restore \(PostgreSQL\) 17/);
    expect(pgdata).to.equal("/var/lib/postgresql/data");
  });

  it("passes a command's output and exit code through `sandbox ssh`, and prints no secret in status", async () => {
    const r = await cli("ssh", "echo", "out;", "echo", "err", ">&2;", "exit", "7");
    expect(r.code).to.equal(7);
    expect(r.stdout).to.equal("out\n");
    expect(r.stderr).to.include("err\n");
    const st = await cli("status", "--json");
    expect(st.code, st.stderr).to.equal(0);
    const json = JSON.parse(st.stdout) as {
      sandboxes: { flavour: string; state: string; hostKeyFingerprint: string }[];
    };
    const ready = json.sandboxes.find((s) => s.flavour === "ready");
    expect(ready).to.include({ state: "running", hostKeyFingerprint: sandbox.hostKeyFingerprint });
    const env = sandboxEnv();
    for (const secret of [env.POSTGRES_PASSWORD, env.BOT_TOKEN] as string[]) {
      expect(st.stdout + st.stderr).not.to.include(secret);
    }
  });

  it("`up` again is idempotent: the same server, the same host key, nothing loaded twice", async () => {
    const r = await cli("up");
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).not.to.include("a new server");
    expect(r.stdout).to.include(sandbox.hostKeyFingerprint);
    expect(r.stderr).not.to.match(/loading /);
    const env = sandboxEnv();
    expect(r.stdout + r.stderr).not.to.include(env.POSTGRES_PASSWORD as string);
  });

  it("brings a unit enabled with `systemctl enable --now` back after a restart", async () => {
    const unit = "sandbox-e2e-marker.service";
    const text =
      "[Unit]\nDescription=e2e marker\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n";
    try {
      const install = await sandboxSsh(
        `cat > /etc/systemd/system/${unit} && systemctl daemon-reload && systemctl enable --now ${unit}`,
        { input: text },
      );
      expect(install.code, install.stderr).to.equal(0);
      // systemd's own start time changes with every boot (the kernel, shared with the host, does not)
      const bootedAt = async () =>
        Number((await sandboxSsh("systemctl show -p UserspaceTimestampMonotonic --value")).stdout.trim());
      const before = await bootedAt();
      expect(await restartSandbox()).to.equal("running");
      const after = await sandboxSsh(["systemctl", "is-active", unit]);
      expect(after.stdout.trim()).to.equal("active");
      expect(await bootedAt()).to.be.greaterThan(before);
      expect((await sandboxSsh("systemctl is-active docker")).stdout.trim()).to.equal("active");
    } finally {
      await sandboxSsh(`systemctl disable --now ${unit}; rm -f /etc/systemd/system/${unit}; systemctl daemon-reload`);
    }
  });

  it("reads host keys that match what the server presents after the restart", async () => {
    const r = await sandboxSsh("cat /etc/ssh/ssh_host_ed25519_key.pub");
    const known = readFileSync(sandbox.target.knownHostsFile, "utf8");
    const blob = r.stdout.trim().split(/\s+/)[1] as string;
    expect(known).to.include(`[127.0.0.1]:2222 ssh-ed25519 ${blob}`);
  });
});

describe("sandbox VDS, bare flavour (e2e)", () => {
  let bare: Sandbox;
  before(async function () {
    bare = await useSandbox(this, { flavour: "bare" });
  });

  it("is a VDS just bought: systemd running, root by key, sudo and curl, no Docker, no deploy user", async () => {
    const r = await sandboxSsh(
      "systemctl is-system-running; command -v sudo curl; command -v docker || echo no-docker; id deploy 2>/dev/null || echo no-deploy",
      { flavour: "bare" },
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim().split("\n")).to.deep.equal([
      "running",
      "/usr/bin/sudo",
      "/usr/bin/curl",
      "no-docker",
      "no-deploy",
    ]);
    expect(readSandboxTarget()).to.include({ flavour: "bare", port: 2223, user: "root" });
  });

  it("a fresh one is a new server: new host keys replace the old ones in known_hosts, and ssh checks them", async function () {
    const marker = await sandboxSsh("touch /root/old-server-marker", { flavour: "bare" });
    expect(marker.code, marker.stderr).to.equal(0);
    const fresh = await useSandbox(this, { flavour: "bare", fresh: true });
    expect(fresh.hostKeyFingerprint).not.to.equal(bare.hostKeyFingerprint);
    const lines = readFileSync(fresh.target.knownHostsFile, "utf8")
      .split("\n")
      .filter((l) => l.startsWith("[127.0.0.1]:2223 ssh-ed25519 "));
    expect(lines).to.have.length(1);
    const r = await sandboxSsh("test -e /root/old-server-marker && echo old || echo new", { flavour: "bare" });
    expect(r.stdout.trim(), r.stderr).to.equal("new");
  });
});

describe("sandbox errors (e2e)", () => {
  before(async function () {
    await useSandbox(this, { flavour: "bare" });
  });

  it("says in one line that the Docker engine is not running, and how to start it", async () => {
    const r = await run("npx", ["--no-install", "tsx", join(REPO_ROOT, "tools/sandbox/src/cli.ts"), "status"], {
      env: { ...process.env, DOCKER_HOST: "unix:///nonexistent/docker.sock" },
      timeoutMs: 60_000,
    });
    expect(r.code).to.equal(1);
    expect(r.stderr.trim().split("\n")).to.deep.equal([
      "sandbox: Docker engine is not running (or not reachable): start it with `bash .ci/install-deps.sh` as root (or `dockerd &`)",
    ]);
  });

  it("says in one line that the SSH port is taken by another program", async () => {
    const down = await cli("down", "--flavour", "bare");
    expect(down.code, down.stderr).to.equal(0);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(2223, "127.0.0.1", resolve));
    try {
      const r = await cli("up", "--flavour", "bare");
      expect(r.code).to.equal(1);
      expect(r.stderr.trim().split("\n")).to.deep.equal([
        "sandbox: port 127.0.0.1:2223 is in use by another program (the sandbox's SSH port): stop it first",
      ]);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
