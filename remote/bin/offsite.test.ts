// offsite.sh: encrypted copies with real age, over a stand-in `ssh` that runs the far side's
// commands in a local folder (the real OpenSSH path is the e2e's, against the sandbox).
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeAppDir, runScript } from "./script-harness.js";

const NAME = "20261203T120000Z_v1.0.0.dump";

/**
 * A stand-in for ssh: checks the options offsite.sh must pass, logs the login, runs the command
 * with bash here. FAKE_SSH_FAIL=1 fails like an unreachable host; FAKE_SSH_CORRUPT=1 damages what
 * is sent (one more byte), as a bad link or disk would.
 */
const FAKE_SSH = `#!/usr/bin/env bash
set -u
opts="$*"
for want in "StrictHostKeyChecking=yes" "UserKnownHostsFile=" "BatchMode=yes" "IdentitiesOnly=yes"; do
  [[ $opts == *"$want"* ]] || { echo "fake ssh: missing -o $want" >&2; exit 255; }
done
while (($#)) && [[ $1 != -- ]]; do shift; done
shift
echo "$1 $*" >>"$FAKE_SSH_LOG"
if [[ \${FAKE_SSH_FAIL:-0} == 1 ]]; then echo "ssh: connect to host $1 port 22: Connection refused" >&2; exit 255; fi
cmd=$2
if [[ \${FAKE_SSH_CORRUPT:-0} == 1 && $cmd == *"cat >"* ]]; then { cat; printf x; } | bash -c "$cmd"; exit; fi
exec bash -c "$cmd"
`;

function ageKey(): { identity: string; recipient: string } {
  const identity = execFileSync("age-keygen", { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const recipient = /public key: (age1[0-9a-z]+)/.exec(identity)?.[1] ?? /(age1[0-9a-z]{58})/.exec(identity)![1]!;
  return { identity, recipient };
}

describe("remote/bin/offsite.sh (real age, a stand-in ssh)", function () {
  this.timeout(30_000);
  let appDir: string;
  let work: string;
  let dest: string;
  let env: Record<string, string>;
  let key: { identity: string; recipient: string };
  let dump: Buffer;

  before(function () {
    try {
      execFileSync("age", ["--version"]);
    } catch {
      console.log("      skipped: age is not installed (.ci/install-deps.sh installs it)"); // never silent
      this.skip();
    }
    key = ageKey();
  });

  beforeEach(async () => {
    appDir = await makeAppDir("v1.0.0");
    work = await mkdtemp(join(tmpdir(), "offsite-"));
    dest = join(work, "far");
    await mkdir(join(appDir, "backups"), { mode: 0o700 });
    dump = Buffer.concat([Buffer.from("PGDMP"), randomBytes(50_000)]);
    await writeFile(join(appDir, "backups", NAME), dump, { mode: 0o600 });
    const sum = createHash("sha256").update(dump).digest("hex");
    await writeFile(join(appDir, "backups", `${NAME}.sha256`), `${sum}  ${NAME}\n`, { mode: 0o600 });
    await writeFile(join(work, "ssh"), FAKE_SSH);
    await chmod(join(work, "ssh"), 0o755);
    env = {
      APP_DIR: appDir,
      BACKUP_SSH: join(work, "ssh"),
      FAKE_SSH_LOG: join(work, "ssh.log"),
      BACKUP_OFFSITE: `backup@offsite.example:2223:${dest}`,
      BACKUP_AGE_RECIPIENT: key.recipient,
    };
  });

  afterEach(async () => {
    await rm(appDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  const state = async () =>
    JSON.parse(await readFile(join(appDir, "recovery", "offsite.json"), "utf8")) as Record<string, string>;
  const far = async () => (await readdir(dest).catch(() => [] as string[])).sort();

  it("encrypts to the recipient and copies: only ciphertext at the destination, checked, decryptable with the private key", async () => {
    const r = await runScript("offsite.sh", ["push"], env);
    expect(r.code, r.stderr).to.equal(0);
    expect(await far()).to.deep.equal([`${NAME}.age`, `${NAME}.age.sha256`]);
    const sent = await readFile(join(dest, `${NAME}.age`));
    expect(sent.includes(dump.subarray(0, 64))).to.equal(false);
    expect(sent.subarray(0, 21).toString()).to.equal("age-encryption.org/v1");
    expect(execFileSync("sha256sum", ["-c", `${NAME}.age.sha256`], { cwd: dest, encoding: "utf8" })).to.match(/OK/);
    // Only the private key opens it.
    await writeFile(join(work, "key.txt"), key.identity, { mode: 0o600 });
    const plain = execFileSync("age", ["-d", "-i", join(work, "key.txt"), join(dest, `${NAME}.age`)]);
    expect(plain.equals(dump)).to.equal(true);
    // The port and the pinned host key file reach ssh; nothing encrypted is left behind here.
    expect(await readFile(join(work, "ssh.log"), "utf8")).to.match(/^backup@offsite\.example /m);
    expect((await readdir(join(appDir, "backups"))).sort()).to.deep.equal([NAME, `${NAME}.offsite`, `${NAME}.sha256`]);
    expect(await state()).to.deep.include({ result: "ok", backup: NAME, detail: "1 copies" });
    // A second run has nothing to do.
    const again = await runScript("offsite.sh", ["push"], env);
    expect(again.code, again.stderr).to.equal(0);
    expect(await state()).to.deep.include({ result: "ok", detail: "0 copies" });
  });

  it("no recipient: refused in one line, nothing reaches the destination, recorded", async () => {
    const r = await runScript("offsite.sh", ["push"], { ...env, BACKUP_AGE_RECIPIENT: "" });
    expect(r.code).to.equal(3);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/off-site copy refused: no age recipient .*nothing left the server/);
    expect(await far()).to.deep.equal([]);
    expect(await readFile(join(work, "ssh.log"), "utf8").catch(() => "")).to.equal(""); // never even connected
    expect(await state()).to.deep.include({ result: "refused" });
  });

  it("a failed copy is reported and recorded, and the next run retries it", async () => {
    const r = await runScript("offsite.sh", ["push"], { ...env, FAKE_SSH_FAIL: "1" });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(
      /warning: off-site copy of .* send failed: ssh: connect to host .*Connection refused; retried by the next run/,
    );
    expect(await state()).to.deep.include({ result: "failed", backup: NAME });
    expect((await state()).detail).to.match(/Connection refused/);
    expect(await readdir(join(appDir, "backups"))).to.not.include(`${NAME}.offsite`);
    expect(await readdir(join(appDir, "backups"))).to.not.include(`${NAME}.age.tmp`);

    const retry = await runScript("offsite.sh", ["push"], env);
    expect(retry.code, retry.stderr).to.equal(0);
    expect(await far()).to.deep.equal([`${NAME}.age`, `${NAME}.age.sha256`]);
    expect(await state()).to.deep.include({ result: "ok", detail: "1 copies" });
  });

  it("a copy damaged on the way fails the read-back check and is not put in place", async () => {
    const r = await runScript("offsite.sh", ["push"], { ...env, FAKE_SSH_CORRUPT: "1" });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/read back \d+ bytes, sha256 .*; sent \d+ bytes/);
    expect(await far()).to.not.include(`${NAME}.age`);
    expect(await state()).to.deep.include({ result: "failed" });
  });

  it("copies to every destination, each recorded in the marker", async () => {
    const second = join(work, "second");
    const r = await runScript("offsite.sh", ["push"], {
      ...env,
      BACKUP_OFFSITE: `backup@offsite.example:2223:${dest},other.example:${second}`,
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(await readdir(second)).to.include(`${NAME}.age`);
    expect((await readFile(join(appDir, "backups", `${NAME}.offsite`), "utf8")).trim().split("\n")).to.have.length(2);
  });

  it("rejects bad input with exit 2 and one line", async () => {
    for (const [extra, message] of [
      [{ BACKUP_OFFSITE: "host:relative/path" }, /must be \[user@\]host\[:port\]:\/absolute\/path/],
      [{ BACKUP_OFFSITE: "host:/a'b" }, /must be \[user@\]host/],
      [{ BACKUP_OFFSITE: "-oProxyCommand=x:/p" }, /must be \[user@\]host/],
      [{ BACKUP_AGE_RECIPIENT: "ssh-ed25519 AAAA" }, /must be an age public key/],
    ] as const) {
      const r = await runScript("offsite.sh", ["push"], { ...env, ...extra });
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stderr.trim().split("\n")).to.have.length(1);
    }
    const none = await runScript("offsite.sh", [], env);
    expect(none.code).to.equal(2);
  });

  it("--help documents the exit codes", async () => {
    const r = await runScript("offsite.sh", ["--help"], env);
    expect(r.code).to.equal(0);
    expect(r.stdout.replace(/\s+/g, " ")).to.include("3 refused: no age recipient, nothing sent");
  });
});
