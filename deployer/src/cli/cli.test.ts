import { expect } from "chai";
import { randomBytes, randomInt } from "node:crypto";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  writeFileSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { parseCli, isDestructive, UsageError } from "./args.js";
import { runCli, type CliIo } from "./run.js";
import { connectTarget } from "../engine/connect.js";
import type { EngineDeps } from "../engine/deployer.js";
import { startFakeVds, type FakeVds } from "../engine/testing/fake-vds.js";
import { REDACTED } from "../ssh/redact.js";

describe("cli: parseCli", () => {
  it("parses each command", () => {
    expect(parseCli(["deploy", "--target", "prod", "--tag", "v1", "--yes"]).command).to.deep.equal({
      name: "deploy",
      target: "prod",
      tag: "v1",
      yes: true,
      json: false,
    });
    expect(parseCli(["rollback", "--target", "prod", "--to", "v1"]).command).to.include({
      name: "rollback",
      tag: "v1",
    });
    expect(parseCli(["plan", "rollback", "--target", "p", "--to", "v0"]).command).to.include({
      name: "plan",
      action: "rollback",
      tag: "v0",
    });
    expect(
      parseCli(["logs", "--target", "p", "--follow", "--tail", "20", "--service", "postgres"]).command,
    ).to.deep.equal({
      name: "logs",
      target: "p",
      service: "postgres",
      follow: true,
      tail: 20,
    });
    expect(parseCli(["backup", "pull", "x.dump", "--target", "p"]).command).to.include({
      action: "pull",
      backup: "x.dump",
    });
    expect(
      parseCli(["backup", "restore", "x.dump", "--from", "b@far:2223:/srv", "--identity", "k.txt", "--target", "p"])
        .command,
    ).to.include({ action: "restore", backup: "x.dump", from: "b@far:2223:/srv", identity: "k.txt" });
    expect(parseCli(["backup", "drill", "--target", "p"]).command).to.include({ action: "drill" });
    expect(isDestructive(parseCli(["backup", "drill", "--target", "p"]).command)).to.equal(false);
    expect(parseCli(["status", "--help"]).command).to.deep.equal({ name: "help", topic: "status" });
    expect(parseCli(["deploy", "--target", "p", "--tag", "v1", "--health-timeout", "45"]).command).to.include({
      healthTimeoutSec: 45,
    });
    expect(parseCli(["rollback", "--target", "p", "--to", "v1"]).command).not.to.have.property("healthTimeoutSec");
    expect(parseCli(["deploy", "--target", "p", "--tag", "v1", "--stop-first", "--no-rollback"]).command).to.include({
      stopFirst: true,
      noRollback: true,
    });
    expect(parseCli(["plan", "rollback", "--target", "p", "--to", "v1", "--no-rollback"]).command).to.include({
      noRollback: true,
    });
    expect(parseCli(["deploy", "--target", "p", "--tag", "v1"]).command).not.to.have.property("noRollback");
  });
  it("provision's choices: --swap auto or a size in MiB, --harden-ssh, --security-upgrades (plan provision too)", () => {
    expect(parseCli(["provision", "--target", "p", "--yes"]).command).to.deep.equal({
      name: "provision",
      target: "p",
      yes: true,
      json: false,
      options: {},
    });
    expect(
      parseCli(["provision", "--target", "p", "--swap", "1536M", "--harden-ssh", "--security-upgrades"]).command,
    ).to.deep.include({ options: { swap: 1536, hardenSsh: true, securityUpgrades: true } });
    expect(parseCli(["provision", "--target", "p", "--swap", "2g"]).command).to.deep.include({
      options: { swap: 2048 },
    });
    expect(parseCli(["plan", "provision", "--target", "p", "--swap", "auto"]).command).to.deep.include({
      provision: { swap: "auto" },
    });
    expect(() => parseCli(["provision", "--target", "p", "--swap", "100M"])).to.throw(
      UsageError,
      'provision: --swap wants auto or a size from 256M to 16G, like 1G or 1536M, not "100M"',
    );
  });
  const bad: string[][] = [
    ["provision", "--target", "p", "--swap", "32G"],
    ["provision", "--target", "p", "--swap", "lots"],
    ["deploy", "--target", "p", "--tag", "v1", "--harden-ssh"],
    ["plan", "deploy", "--target", "p", "--tag", "v1", "--swap", "auto"],
    ["frobnicate"],
    ["deploy", "--tag", "v1"],
    ["deploy", "--target", "p"],
    ["deploy", "--target", "p", "--tag", "v1", "--nope"],
    ["plan", "--target", "p"],
    ["logs", "--target", "p", "--service", "redis"],
    ["logs", "--target", "p", "--tail", "x"],
    ["backup", "restore", "--target", "p"],
    ["backup", "pull", "x.dump", "--from", "./d", "--target", "p"],
    ["status", "--target", "p", "extra"],
    ["deploy", "--target", "p", "--tag", "v1", "--accept-host-key", "md5:xx"],
    ["deploy", "--target", "p", "--tag", "v1", "--health-timeout", "2"],
    ["deploy", "--target", "p", "--tag", "v1", "--health-timeout", "1m"],
    ["status", "--target", "p", "--health-timeout", "30"],
    ["status", "--target", "p", "--no-rollback"],
    ["plan", "provision", "--target", "p", "--no-rollback"],
  ];
  for (const args of bad) it(`usage error: ${args.join(" ")}`, () => expect(() => parseCli(args)).to.throw(UsageError));
  it("knows which commands are destructive", () => {
    expect(isDestructive(parseCli(["deploy", "--target", "p", "--tag", "v"]).command)).to.equal(true);
    expect(isDestructive(parseCli(["backup", "list", "--target", "p"]).command)).to.equal(false);
    expect(isDestructive(parseCli(["backup", "restore", "n.dump", "--target", "p"]).command)).to.equal(true);
  });
});

describe("cli: runCli exit codes before any connection", () => {
  const root = mkdtempSync(join(tmpdir(), "deployer-cli-"));
  writeFileSync(join(root, "deploy.targets.yml"), "targets:\n  prod:\n    host: 192.0.2.1\n");
  after(() => rmSync(root, { recursive: true, force: true }));
  let connects = 0;
  const engine = (): EngineDeps => ({
    sources: { repoRoot: root, sandbox: () => undefined },
    repoDir: root,
    by: "test",
    connect: async () => {
      connects++;
      throw new Error("no connection in this test");
    },
  });
  const io = (isTTY = false) => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", (d: Buffer) => (out += d.toString()));
    stderr.on("data", (d: Buffer) => (err += d.toString()));
    const value: CliIo = { stdout, stderr, stdin: new PassThrough(), isTTY, env: {}, logRoot: root };
    return { value, out: () => out, err: () => err };
  };
  beforeEach(() => (connects = 0));

  it("usage errors exit 2", async () => {
    const i = io();
    expect(await runCli(["deploy", "--target", "prod"], i.value, engine)).to.equal(2);
    expect(i.err()).to.contain("--tag is required");
  });
  it("--help exits 0 and prints the command's usage", async () => {
    const i = io();
    expect(await runCli(["logs", "--help"], i.value, engine)).to.equal(0);
    expect(i.out()).to.contain("--follow");
  });
  it("an unknown target exits 2 naming the known ones", async () => {
    const i = io();
    expect(await runCli(["status", "--target", "nope"], i.value, engine)).to.equal(2);
    expect(i.err()).to.contain('unknown target "nope"').and.contain("prod");
  });
  it("a destructive command without --yes on a non-terminal refuses with 2", async () => {
    const i = io();
    expect(await runCli(["deploy", "--target", "prod", "--tag", "v1"], i.value, engine)).to.equal(2);
    expect(i.err()).to.contain("--yes");
    expect(connects).to.equal(0);
  });
  for (const tag of ["v1;touch /tmp/x", "$(id)", "../.."])
    it(`a hostile tag ${JSON.stringify(tag)} is a usage error (2) before any connection`, async () => {
      const i = io();
      const code = await runCli(["deploy", "--target", "prod", "--tag", tag, "--yes"], i.value, engine);
      expect(code).to.equal(2);
      expect(connects).to.equal(0);
      expect(i.err().trim().split("\n")).to.have.length(1);
      expect(i.err()).to.match(/tag/);
    });
  it("a tag missing from git fails (1) before any connection, one line plus the log path", async () => {
    const i = io();
    const code = await runCli(["deploy", "--target", "prod", "--tag", "v9-missing", "--yes"], i.value, engine);
    expect(code).to.equal(1);
    expect(connects).to.equal(0);
    const lines = i.err().trim().split("\n");
    expect(lines[0]).to.match(/git/);
    expect(lines[1]).to.match(/log: .*\.deployer\/logs\/.*\.jsonl/);
    const logs = readdirSync(join(root, ".deployer", "logs"));
    const text = logs.map((f) => readFileSync(join(root, ".deployer", "logs", f), "utf8")).join("");
    expect(text).to.contain('"kind":"end"');
  });
});

describe("cli: logs against the in-process SSH server never shows the bot token (issue 17 item 1)", () => {
  // Built here, never written in the repo: the pre-commit hook refuses token-shaped text.
  const secretPart = `AA${randomBytes(24).toString("base64url").slice(0, 33)}`;
  const token = `${String(1_000_000_000 + randomInt(1e9))}:${secretPart}`;
  let vds: FakeVds;
  let root: string;
  let home: string;
  const homeBefore = process.env.HOME;

  before(async function () {
    this.timeout(30_000);
    vds = await startFakeVds();
    vds.reset({ releases: ["v1"], current: "v1" });
    // `docker compose ... logs`: the bot printing its token, raw, in JSON, inside a title sequence
    // and in a clipboard write; everything else goes to the fake VDS's own docker stub.
    const docker = join(vds.dir, "bin", "docker");
    renameSync(docker, `${docker}-stub`);
    writeFileSync(
      docker,
      [
        "#!/usr/bin/env bash",
        'case " $* " in',
        '  *" compose "*" logs "*)',
        `    printf 'bot-1  | token=%s\\n' '${token}'`,
        `    printf 'bot-1  | {"msg":"getMe","url":"https://api.telegram.org/bot%s/getMe"}\\n' '${token}'`,
        `    printf 'bot-1  | \\033]0;%s\\007title\\n' '${token}'`,
        `    printf 'bot-1  | \\033]52;c;%s\\033\\\\clip\\n' "$(printf %s '${token}' | base64 -w0)"`,
        "    exit 0 ;;",
        "esac",
        `exec "${docker}-stub" "$@"`,
        "",
      ].join("\n"),
    );
    chmodSync(docker, 0o755);
    root = mkdtempSync(join(tmpdir(), "deployer-cli-logs-"));
    home = join(root, "home");
    mkdirSync(join(home, ".ssh"), { recursive: true });
    process.env.HOME = home; // connectTarget reads ~/.ssh/config and ~/.ssh/known_hosts from here
    const known = join(root, "known_hosts");
    writeFileSync(known, `${vds.server.knownHostsLine}\n`);
    const envFile = join(root, ".env.production");
    // The inline comment is what compose strips: the token that runs is the part before it.
    writeFileSync(
      envFile,
      `BOT_TOKEN=${token} # prod\nPOSTGRES_USER=remindbot\nPOSTGRES_PASSWORD=pg-${randomBytes(8).toString("hex")}\nPOSTGRES_DB=remindbot\nLOG_LEVEL=info\n`,
      { mode: 0o600 },
    );
    writeFileSync(
      join(root, "deploy.targets.yml"),
      [
        "targets:",
        "  prod:",
        "    host: 127.0.0.1",
        `    port: ${vds.server.port}`,
        "    user: deploy",
        `    identityFile: ${vds.key.path}`,
        `    knownHostsFile: ${known}`,
        `    appDir: ${vds.appDir}`,
        `    envFile: ${envFile}`,
        "",
      ].join("\n"),
    );
  });
  after(async () => {
    process.env.HOME = homeBefore;
    await vds.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("redacts it in what is printed and in the run log, with no escape sequence left", async function () {
    this.timeout(30_000);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", (d: Buffer) => (out += d.toString()));
    stderr.on("data", (d: Buffer) => (err += d.toString()));
    const io: CliIo = { stdout, stderr, stdin: new PassThrough(), isTTY: false, env: {}, logRoot: root };
    const engine = (): EngineDeps => ({
      sources: { repoRoot: root, sandbox: () => undefined },
      repoDir: root,
      by: "test",
      connect: connectTarget,
    });
    const code = await runCli(["logs", "--target", "prod", "--tail", "10"], io, engine);
    expect(code, err).to.equal(0);
    expect(out.split("\n").filter(Boolean)).to.deep.equal([
      `bot-1  | token=${REDACTED}`,
      `bot-1  | {"msg":"getMe","url":"https://api.telegram.org/bot${REDACTED}/getMe"}`,
      "bot-1  | title",
      "bot-1  | clip",
    ]);
    const logDir = join(root, ".deployer", "logs");
    const logged = readdirSync(logDir)
      .map((f) => readFileSync(join(logDir, f), "utf8"))
      .join("");
    expect(logged).to.include(REDACTED);
    for (const [where, text] of [
      ["output", out + err],
      ["run log", logged],
    ] as const) {
      expect(text, where).to.not.include(secretPart);
      expect(text, where).to.not.include(Buffer.from(token).toString("base64").slice(4, 40));
      expect(text, where).to.not.match(/\x1b|\\u001b/); // eslint-disable-line no-control-regex
    }
  });
});
