import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fingerprintSha256, hostPattern, knownHostsLine, parsePublicKey, replaceKnownHosts } from "./known-hosts.js";

describe("sandbox known_hosts", () => {
  let dir: string;
  let pub: string;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), "kh-"));
    try {
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "k")]);
    } catch {
      this.skip(); // ssh-keygen (openssh-client) is not installed: nothing to compare with
    }
    pub = readFileSync(join(dir, "k.pub"), "utf8");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes [host]:port for non-22 ports, as OpenSSH does", () => {
    expect(hostPattern("127.0.0.1", 2222)).to.equal("[127.0.0.1]:2222");
    expect(hostPattern("example.org", 22)).to.equal("example.org");
  });

  it("formats a known_hosts line that ssh-keygen finds for that host and port", () => {
    const key = parsePublicKey(pub);
    const line = knownHostsLine("127.0.0.1", 2222, key);
    expect(line).to.match(/^\[127\.0\.0\.1\]:2222 ssh-ed25519 AAAA\S+$/);
    const file = join(dir, "known_hosts");
    execFileSync("sh", ["-c", `printf '%s\\n' "$1" > "$2"`, "sh", line, file]);
    const found = execFileSync("ssh-keygen", ["-F", "[127.0.0.1]:2222", "-f", file]).toString();
    expect(found).to.include(key.base64);
  });

  it("computes the same SHA256 fingerprint as ssh-keygen -lf", () => {
    const expected = execFileSync("ssh-keygen", ["-lf", join(dir, "k.pub")])
      .toString()
      .split(" ")[1];
    expect(fingerprintSha256(parsePublicKey(pub))).to.equal(expected);
  });

  it("refuses text that is not a public key, or whose blob names another type", () => {
    expect(() => parsePublicKey("hello world")).to.throw(/not an OpenSSH public key/);
    const key = parsePublicKey(pub);
    expect(() => parsePublicKey(`ssh-rsa ${key.base64}`)).to.throw(/not a ssh-rsa key/);
  });

  it("replaces only the lines of the given host and port", () => {
    const existing = "[127.0.0.1]:2222 ssh-ed25519 OLD\n[127.0.0.1]:2223 ssh-ed25519 BARE\nexample.org ssh-rsa X\n";
    const out = replaceKnownHosts(existing, "127.0.0.1", 2222, ["[127.0.0.1]:2222 ssh-ed25519 NEW"]);
    expect(out.split("\n").filter(Boolean)).to.deep.equal([
      "[127.0.0.1]:2223 ssh-ed25519 BARE",
      "example.org ssh-rsa X",
      "[127.0.0.1]:2222 ssh-ed25519 NEW",
    ]);
    expect(replaceKnownHosts(out, "127.0.0.1", 2222, [])).not.to.include("NEW");
  });
});
