import { expect } from "chai";
import { resolveSshHost, parseJumpSpec } from "./ssh-config.js";

const ctx = { homeDir: "/home/dev", localUser: "dev" };

const CONFIG = `
Host vds
  HostName 203.0.113.7
  User deploy
  Port 2202
  IdentityFile ~/.ssh/vds_ed25519
  IdentityFile %d/keys/%r@%h

Host behind
  HostName 10.0.0.5
  ProxyJump bastion

Host behind-explicit
  HostName 10.0.0.6
  ProxyJump ops@bastion:2022

Host bastion
  HostName bastion.example.com
  User jump
  IdentityFile ~/.ssh/bastion

Host chained
  ProxyJump bastion,vds

Host deep
  ProxyJump behind

Host tmpl-*
  HostName %h.example.net

Host *
  ServerAliveInterval 30
`;

describe("ssh-config", () => {
  it("resolves HostName, User, Port and IdentityFile with ~ and tokens expanded", () => {
    expect(resolveSshHost("vds", CONFIG, ctx)).to.deep.equal({
      host: "203.0.113.7",
      port: 2202,
      user: "deploy",
      identityFiles: ["/home/dev/.ssh/vds_ed25519", "/home/dev/keys/deploy@203.0.113.7"],
      identityFilesConfigured: true,
      jump: undefined,
    });
  });

  it("uses the alias itself and OpenSSH's default identities when nothing is configured", () => {
    const r = resolveSshHost("plain.example.org", CONFIG, ctx);
    expect(r).to.include({ host: "plain.example.org", port: 22, user: undefined, identityFilesConfigured: false });
    expect(r.identityFiles).to.deep.equal([
      "/home/dev/.ssh/id_ed25519",
      "/home/dev/.ssh/id_ecdsa",
      "/home/dev/.ssh/id_rsa",
    ]);
    expect(resolveSshHost("x", "", ctx).host).to.equal("x");
    expect(resolveSshHost("tmpl-a", CONFIG, ctx).host).to.equal("tmpl-a.example.net");
  });

  it("resolves one ProxyJump host through the same config, with overrides from the spec", () => {
    const r = resolveSshHost("behind", CONFIG, ctx);
    expect(r.host).to.equal("10.0.0.5");
    expect(r.jump).to.deep.include({ host: "bastion.example.com", port: 22, user: "jump" });
    expect(r.jump?.identityFiles).to.deep.equal(["/home/dev/.ssh/bastion"]);
    const e = resolveSshHost("behind-explicit", CONFIG, ctx);
    expect(e.jump).to.deep.include({ host: "bastion.example.com", port: 2022, user: "ops" });
  });

  it("refuses a ProxyJump chain with a clear error", () => {
    expect(() => resolveSshHost("chained", CONFIG, ctx)).to.throw(/ProxyJump chains are not supported/);
    expect(() => resolveSshHost("deep", CONFIG, ctx)).to.throw(/jump host behind has its own ProxyJump/);
  });

  it("parses jump specs and refuses bad ports", () => {
    expect(parseJumpSpec("ssh://u@h:2")).to.deep.equal({ host: "h", user: "u", port: 2 });
    expect(parseJumpSpec("[::1]:22")).to.deep.equal({ host: "::1", user: undefined, port: 22 });
    expect(() => parseJumpSpec("h:99999")).to.throw(/invalid port/);
    expect(() => resolveSshHost("bad", "Host bad\n  Port abc\n", ctx)).to.throw(/invalid port "abc"/);
  });
});
