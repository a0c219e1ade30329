import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  appendKnownHost,
  checkHostKey,
  fingerprintSha256,
  formatKnownHostLine,
  hostKeyAlgorithmsFor,
  hostsMatch,
  keyTypeOf,
  knownKeyTypes,
  loadKnownHosts,
  parseKnownHosts,
  parsePublicKey,
  replaceHostKeys,
} from "./known-hosts.js";

/** A real key pair from ssh-keygen; returns the public line's fields. */
function keygen(dir: string, name: string, type: string): { type: string; b64: string; blob: Buffer; path: string } {
  const path = join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", type, "-N", "", "-C", name, "-f", path]);
  const [t, b64] = readFileSync(`${path}.pub`, "utf8").trim().split(" ");
  return { type: t!, b64: b64!, blob: Buffer.from(b64!, "base64"), path };
}

function sshKeygenFingerprint(pubPath: string): string {
  return execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", pubPath], { encoding: "utf8" }).split(" ")[1]!;
}

describe("known-hosts", () => {
  let dir: string;
  let ed: ReturnType<typeof keygen>;
  let ecdsa: ReturnType<typeof keygen>;
  let rsa: ReturnType<typeof keygen>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "known-hosts-"));
    ed = keygen(dir, "ed", "ed25519");
    ecdsa = keygen(dir, "ecdsa", "ecdsa");
    rsa = keygen(dir, "rsa", "rsa");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prints fingerprints exactly as ssh-keygen -l does", () => {
    for (const k of [ed, ecdsa, rsa]) {
      expect(fingerprintSha256(k.blob)).to.equal(sshKeygenFingerprint(`${k.path}.pub`));
      expect(keyTypeOf(k.blob)).to.equal(k.type);
    }
  });

  it("matches plain, bracketed-port, comma-list and wildcard entries; the wrong port is unknown", () => {
    const text = [
      "# a comment",
      "",
      `vds.example.com,203.0.113.7 ${ed.type} ${ed.b64} comment here`,
      `[127.0.0.1]:2222 ${ecdsa.type} ${ecdsa.b64}`,
      `*.internal,!bad.internal ${rsa.type} ${rsa.b64}`,
      "garbage line",
    ].join("\n");
    const entries = parseKnownHosts(text, "kh");
    expect(entries).to.have.length(3);
    expect(checkHostKey(entries, "203.0.113.7", 22, ed.blob)).to.include({ status: "match" });
    expect(checkHostKey(entries, "VDS.example.com", 22, ed.blob)).to.include({ status: "match" });
    expect(checkHostKey(entries, "127.0.0.1", 2222, ecdsa.blob)).to.include({ status: "match" });
    expect(checkHostKey(entries, "127.0.0.1", 22, ecdsa.blob)).to.deep.equal({ status: "unknown" });
    expect(checkHostKey(entries, "db.internal", 22, rsa.blob)).to.include({ status: "match" });
    expect(checkHostKey(entries, "bad.internal", 22, rsa.blob)).to.deep.equal({ status: "unknown" });
  });

  it("reports a changed key with the line to remove and the known fingerprint", () => {
    const text = `# header\n[127.0.0.1]:2222 ${ed.type} ${ed.b64}\n`;
    const result = checkHostKey(parseKnownHosts(text, "/x/kh"), "127.0.0.1", 2222, keygen(dir, "ed2", "ed25519").blob);
    expect(result.status).to.equal("changed");
    if (result.status !== "changed") return;
    expect(result.entry.line).to.equal(2);
    expect(result.entry.file).to.equal("/x/kh");
    expect(result.knownFingerprint).to.equal(fingerprintSha256(ed.blob));
  });

  it("matches entries hashed by the real ssh-keygen -H", async () => {
    const file = join(dir, "hashed_known_hosts");
    writeFileSync(file, `[127.0.0.1]:2222 ${ed.type} ${ed.b64}\nvds.example.com ${rsa.type} ${rsa.b64}\n`);
    execFileSync("ssh-keygen", ["-H", "-f", file], { stdio: "ignore" });
    const text = readFileSync(file, "utf8");
    expect(text).to.not.include("127.0.0.1");
    expect(text).to.include("|1|");
    const entries = await loadKnownHosts([file]);
    expect(checkHostKey(entries, "127.0.0.1", 2222, ed.blob)).to.include({ status: "match" });
    expect(checkHostKey(entries, "vds.example.com", 22, rsa.blob)).to.include({ status: "match" });
    expect(checkHostKey(entries, "vds.example.com", 22, ed.blob).status).to.equal("changed");
    expect(checkHostKey(entries, "other.example.com", 22, ed.blob).status).to.equal("unknown");
  });

  it("refuses a revoked key and ignores @cert-authority lines", () => {
    const text = [
      `@revoked * ${ecdsa.type} ${ecdsa.b64}`,
      `[127.0.0.1]:2222 ${ecdsa.type} ${ecdsa.b64}`,
      `@cert-authority * ${rsa.type} ${rsa.b64}`,
      `@bogus * ${ed.type} ${ed.b64}`,
    ].join("\n");
    const entries = parseKnownHosts(text, "kh");
    expect(checkHostKey(entries, "127.0.0.1", 2222, ecdsa.blob).status).to.equal("revoked");
    expect(checkHostKey(entries, "example.org", 22, rsa.blob).status).to.equal("unknown");
    expect(checkHostKey(entries, "example.org", 22, ed.blob).status).to.equal("unknown");
  });

  it("appends hashed entries that the real ssh-keygen -F finds, keeping earlier lines", async () => {
    const file = join(dir, "sub", "known_hosts");
    await appendKnownHost(file, formatKnownHostLine("127.0.0.1", 2222, ed.blob));
    writeFileSync(file, `${readFileSync(file, "utf8")}# no trailing newline`);
    await appendKnownHost(file, formatKnownHostLine("vds.example.com", 22, rsa.blob));
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines).to.have.length(3);
    expect(lines[1]).to.equal("# no trailing newline");
    const found = execFileSync("ssh-keygen", ["-F", "[127.0.0.1]:2222", "-f", file], { encoding: "utf8" });
    expect(found).to.include(ed.b64);
    const found2 = execFileSync("ssh-keygen", ["-F", "vds.example.com", "-f", file], { encoding: "utf8" });
    expect(found2).to.include(rsa.b64);
    const entries = await loadKnownHosts([file, join(dir, "missing")]);
    expect(checkHostKey(entries, "127.0.0.1", 2222, ed.blob)).to.include({ status: "match" });
  });

  it("appends plain entries on request and writes through a symlink", async () => {
    const real = join(dir, "real_kh");
    writeFileSync(real, "", { mode: 0o644 });
    const link = join(dir, "link_kh");
    symlinkSync(real, link);
    await appendKnownHost(link, formatKnownHostLine("127.0.0.1", 22, ed.blob, false));
    expect(readFileSync(real, "utf8")).to.equal(`127.0.0.1 ${ed.type} ${ed.b64}\n`);
    expect(statSync(real).mode & 0o777).to.equal(0o644);
  });

  it("prefers known key types for the host key algorithms", () => {
    const entries = parseKnownHosts(`[h]:2 ${rsa.type} ${rsa.b64}\n[h]:2 ${ed.type} ${ed.b64}\n`, "kh");
    const types = knownKeyTypes(entries, "h", 2);
    expect(types).to.deep.equal(["ssh-rsa", "ssh-ed25519"]);
    expect(hostKeyAlgorithmsFor(types)).to.deep.equal(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ssh-ed25519"]);
    expect(hostsMatch("h,[h]:2", "[h]:2")).to.equal(true);
  });
});

describe("known_hosts lines for a server of our own (the sandbox records its keys with these)", () => {
  let dir: string;
  let pub: string;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), "kh-own-"));
    try {
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "k")]);
    } catch {
      this.skip(); // ssh-keygen (openssh-client) is not installed: nothing to compare with
    }
    pub = readFileSync(join(dir, "k.pub"), "utf8");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a public key line, and refuses text that is not one or whose blob names another type", () => {
    const key = parsePublicKey(pub);
    expect(keyTypeOf(key)).to.equal("ssh-ed25519");
    expect(fingerprintSha256(key)).to.equal(sshKeygenFingerprint(join(dir, "k.pub")));
    expect(() => parsePublicKey("hello world")).to.throw(/not an OpenSSH public key/);
    expect(() => parsePublicKey(`ssh-rsa ${key.toString("base64")}`)).to.throw(/not a ssh-rsa key/);
  });

  it("writes an unhashed line that ssh-keygen -F finds for that host and port", () => {
    const key = parsePublicKey(pub);
    const line = formatKnownHostLine("127.0.0.1", 2222, key, false);
    expect(line).to.match(/^\[127\.0\.0\.1\]:2222 ssh-ed25519 AAAA\S+$/);
    const file = join(dir, "known_hosts");
    writeFileSync(file, `${line}\n`);
    const found = execFileSync("ssh-keygen", ["-F", "[127.0.0.1]:2222", "-f", file]).toString();
    expect(found).to.include(key.toString("base64"));
  });

  it("replaces only the lines of the given host and port, hashed ones too", () => {
    const key = parsePublicKey(pub);
    const b64 = key.toString("base64");
    const hashed = formatKnownHostLine("127.0.0.1", 2222, key, true);
    const existing = `# comment\n[127.0.0.1]:2222 ssh-ed25519 ${b64}\n${hashed}\n[127.0.0.1]:2223 ssh-ed25519 ${b64}\nexample.org ssh-ed25519 ${b64}\n`;
    const fresh = formatKnownHostLine("127.0.0.1", 2222, key, false);
    const out = replaceHostKeys(existing, "127.0.0.1", 2222, [fresh]);
    expect(out.split("\n").filter(Boolean)).to.deep.equal([
      "# comment",
      `[127.0.0.1]:2223 ssh-ed25519 ${b64}`,
      `example.org ssh-ed25519 ${b64}`,
      fresh,
    ]);
    expect(replaceHostKeys(out, "127.0.0.1", 2222, [])).not.to.include("[127.0.0.1]:2222");
  });
});
