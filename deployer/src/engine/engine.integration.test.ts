// The engine's runner over a real SSH connection (the SSH layer's in-process server), on a temp-dir layout.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectRemote, type SshRemote } from "../ssh/remote.js";
import { makeKey, makeTempDir, type KeyFile } from "../ssh/testing/fixtures.js";
import { startTestSshServer, type TestSshServer } from "../ssh/testing/ssh-server.js";
import * as lockCmd from "../commands/lock.js";
import { layout } from "../commands/layout.js";
import type { Target } from "../config/targets.js";
import type { TaskEvent } from "./events.js";
import { deployPlan } from "./plan.js";
import { runDeploy } from "./deploy.js";

describe("engine over the in-process SSH server", () => {
  const tmp = makeTempDir("engine-int-");
  const appDir = join(tmp.dir, "app");
  let key: KeyFile;
  let server: TestSshServer;
  let remote: SshRemote;
  const target = { appDir, backup: { beforeDeploy: true, keepDays: 7, minFreeMb: 0 } } as unknown as Target;

  before(async () => {
    key = makeKey(tmp.dir, "id_deploy");
    server = await startTestSshServer({ authorizedKeys: [key.publicLine], cwd: tmp.dir });
    const known = join(tmp.dir, "known_hosts");
    writeFileSync(known, `${server.knownHostsLine}\n`);
    remote = await connectRemote({
      host: "127.0.0.1",
      port: server.port,
      user: "deploy",
      identityFiles: [key.path],
      knownHostsFiles: [known],
      agentSocket: null,
      secrets: ["s3cret-value"],
    });
    mkdirSync(join(appDir, "releases"), { recursive: true });
    mkdirSync(join(appDir, "shared"), { recursive: true });
  });
  after(async () => {
    await remote.close();
    await server.stop();
    tmp.remove();
  });

  it("lock contention: of two acquirers one gets it, the other reads who holds it", async () => {
    const l = layout(appDir);
    const info = (by: string) => ({ by, at: new Date().toISOString(), action: "deploy", tag: "v1", pid: 1 });
    const [a, b] = await Promise.all([
      remote.run(lockCmd.acquire(l, info("alice"))),
      remote.run(lockCmd.acquire(l, info("bob"))),
    ]);
    const codes = [a.code, b.code].sort();
    expect(codes).to.deep.equal([0, LOCK_HELD]);
    const loser = a.code === 0 ? b : a;
    const winner = a.code === 0 ? "alice" : "bob";
    expect(lockCmd.describeLock(lockCmd.parseLockInfo(loser.stdout), Date.now())).to.contain(`held by ${winner}`);
    expect((await remote.run(lockCmd.release(l))).code).to.equal(0);
    expect(existsSync(l.lock)).to.equal(false);
  });

  it("uploads a release into <tag>.tmp, verifies, renames; env 0600; history written; lock released", async () => {
    const src = join(tmp.dir, "src");
    mkdirSync(join(src, "bot"), { recursive: true });
    writeFileSync(join(src, "bot", "x.txt"), "hello");
    writeFileSync(join(src, "docker-compose.prod.yml"), "name: remindbot\n");
    const data = execFileSync("tar", ["-czf", "-", "-C", src, "bot", "docker-compose.prod.yml"]);
    const sha256 = createHash("sha256").update(data).digest("hex");
    const state = { releases: [], images: ["v1"], postgresRunning: true };
    const full = deployPlan(
      { appDir, keepReleases: 5, healthTimeoutSec: 5, backupBeforeDeploy: true, backupMinFreeMb: 0 },
      state,
      {
        action: "deploy",
        tag: "v1",
        commit: "abc",
        by: "tester",
        at: new Date().toISOString(),
        pid: 1,
      },
    );
    const plan = { ...full, steps: full.steps.filter((s) => ["lock", "upload", "env"].includes(s.id)) };
    const events: TaskEvent[] = [];
    const result = await runDeploy(
      { remote, target, sink: (e) => events.push(e) },
      {
        plan,
        archive: async () => ({ data, sha256, paths: [] }),
        envData: Buffer.from("POSTGRES_PASSWORD=s3cret-value\n"),
        healthTimeoutSec: 5,
        deployUser: "deploy",
      },
    );
    expect(result.exitCode, result.message).to.equal(0);
    const rel = join(appDir, "releases", "v1");
    expect(readFileSync(join(rel, "bot", "x.txt"), "utf8")).to.equal("hello");
    expect(readFileSync(join(rel, "release.env"), "utf8")).to.equal(`BOT_TAG=v1\nAPP_DIR=${appDir}\n`);
    expect(JSON.parse(readFileSync(join(rel, "release.json"), "utf8"))).to.include({
      tag: "v1",
      commit: "abc",
      by: "tester",
    });
    expect(existsSync(join(appDir, "releases", "v1.tmp"))).to.equal(false);
    expect(existsSync(join(rel, "release.tar.gz"))).to.equal(false);
    expect(statSync(join(appDir, "shared", ".env")).mode & 0o777).to.equal(0o600);
    expect(existsSync(join(appDir, "lock"))).to.equal(false);
    const hist = readFileSync(join(appDir, "history.jsonl"), "utf8").trim().split("\n");
    expect(JSON.parse(hist.at(-1)!)).to.include({ tag: "v1", result: "ok", action: "deploy" });
    expect(JSON.stringify(events)).to.not.contain("s3cret-value");
  });

  it("a held lock ends the deploy with exit 3 naming the holder, and leaves the lock alone", async () => {
    const l = layout(appDir);
    await remote.run(
      lockCmd.acquire(l, { by: "carol@ops", at: new Date().toISOString(), action: "rollback", tag: "v0", pid: 9 }),
    );
    const full = deployPlan(
      { appDir, keepReleases: 5, healthTimeoutSec: 5, backupBeforeDeploy: true, backupMinFreeMb: 0 },
      { releases: [], images: [], postgresRunning: true },
      {
        action: "deploy",
        tag: "v2",
        commit: "def",
        by: "tester",
        at: new Date().toISOString(),
        pid: 1,
      },
    );
    const plan = { ...full, steps: full.steps.filter((s) => ["lock", "upload"].includes(s.id)) };
    const result = await runDeploy(
      { remote, target, sink: () => undefined },
      {
        plan,
        archive: async () => {
          throw new Error("must not upload");
        },
        envData: Buffer.from(""),
        healthTimeoutSec: 5,
        deployUser: "deploy",
      },
    );
    expect(result.exitCode).to.equal(3);
    expect(result.message).to.contain("carol@ops").and.contain("rollback v0");
    expect(JSON.parse(readFileSync(join(l.lock, "info.json"), "utf8")).by).to.equal("carol@ops");
    await remote.run(lockCmd.release(l));
  });
});
