import { expect } from "chai";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { resolveSshHost, parseJumpSpec } from "./ssh-config.js";
import type { ResolveContext } from "./ssh-config.js";
import { makeTempDir } from "./testing/fixtures.js";

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

describe("ssh-config (files in a temp HOME and /etc/ssh)", () => {
  const tmp = makeTempDir("ssh-config-");
  let n = 0;
  let home: string;
  let etc: string;
  let ctx: ResolveContext;
  /** Writes files under the fresh HOME (`~/...`) or system dir (`/etc/ssh/...`). */
  const write = (files: Record<string, string>) => {
    for (const [name, text] of Object.entries(files)) {
      const path = name.startsWith("~/") ? join(home, name.slice(2)) : join(etc, name.replace(/^\/etc\/ssh\//, ""));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
  };
  beforeEach(() => {
    n += 1;
    home = join(tmp.dir, `home${n}`);
    etc = join(tmp.dir, `etc${n}`);
    mkdirSync(join(home, ".ssh"), { recursive: true });
    mkdirSync(etc, { recursive: true });
    ctx = { homeDir: home, localUser: "dev", systemDir: etc };
  });
  after(() => tmp.remove());

  it("resolves HostName, User, Port and IdentityFile with ~ and tokens expanded", () => {
    write({ "~/.ssh/config": CONFIG });
    expect(resolveSshHost("vds", ctx)).to.deep.include({
      host: "203.0.113.7",
      port: 2202,
      user: "deploy",
      identityFiles: [`${home}/.ssh/vds_ed25519`, `${home}/keys/deploy@203.0.113.7`],
      identityFilesConfigured: true,
      jump: undefined,
    });
  });

  it("uses the alias itself and OpenSSH's defaults when nothing is configured", () => {
    write({ "~/.ssh/config": CONFIG });
    const r = resolveSshHost("plain.example.org", ctx);
    expect(r).to.deep.include({
      host: "plain.example.org",
      port: 22,
      user: undefined,
      identityFilesConfigured: false,
      hostKeyAlias: undefined,
      userKnownHostsFiles: [`${home}/.ssh/known_hosts`, `${home}/.ssh/known_hosts2`],
      globalKnownHostsFiles: [`${etc}/ssh_known_hosts`, `${etc}/ssh_known_hosts2`],
    });
    expect(r.identityFiles).to.deep.equal(["id_ed25519", "id_ecdsa", "id_rsa"].map((k) => `${home}/.ssh/${k}`));
    expect(resolveSshHost("tmpl-a", ctx).host).to.equal("tmpl-a.example.net");
    expect(resolveSshHost("x", { ...ctx, userConfig: null, systemDir: null })).to.deep.include({
      host: "x",
      globalKnownHostsFiles: [],
    });
  });

  it("resolves one ProxyJump host through the same config, with overrides from the spec", () => {
    write({ "~/.ssh/config": CONFIG });
    const r = resolveSshHost("behind", ctx);
    expect(r.host).to.equal("10.0.0.5");
    expect(r.jump).to.deep.include({ host: "bastion.example.com", port: 22, user: "jump" });
    expect(r.jump?.identityFiles).to.deep.equal([`${home}/.ssh/bastion`]);
    expect(resolveSshHost("behind-explicit", ctx).jump).to.deep.include({
      host: "bastion.example.com",
      port: 2022,
      user: "ops",
    });
  });

  it("refuses a ProxyJump chain with a clear error", () => {
    write({ "~/.ssh/config": CONFIG });
    expect(() => resolveSshHost("chained", ctx)).to.throw(/ProxyJump chains are not supported/);
    expect(() => resolveSshHost("deep", ctx)).to.throw(/jump host behind has its own ProxyJump/);
  });

  it("parses jump specs and refuses bad ports", () => {
    expect(parseJumpSpec("ssh://u@h:2")).to.deep.equal({ host: "h", user: "u", port: 2 });
    expect(parseJumpSpec("[::1]:22")).to.deep.equal({ host: "::1", user: undefined, port: 22 });
    expect(() => parseJumpSpec("h:99999")).to.throw(/invalid port/);
    write({ "~/.ssh/config": "Host bad\n  Port abc\n" });
    expect(() => resolveSshHost("bad", ctx)).to.throw(/invalid port "abc"/);
  });

  describe("Include", () => {
    it("follows `Include ~/.ssh/config.d/*`: a host kept in an included file resolves as ssh resolves it", () => {
      write({
        "~/.ssh/config": "Include ~/.ssh/config.d/*\n\nHost *\n  User nobody-else\n",
        "~/.ssh/config.d/vds": "Host vds\n  HostName 198.51.100.4\n  User deploy\n  Port 2222\n",
      });
      expect(resolveSshHost("vds", ctx)).to.deep.include({ host: "198.51.100.4", user: "deploy", port: 2222 });
      expect(resolveSshHost("other", ctx)).to.deep.include({ host: "other", user: "nobody-else", port: 22 });
    });

    it("reads relative paths against ~/.ssh, globs in lexical order, skips dot files, first value wins", () => {
      write({
        "~/.ssh/config": "Host vds\n  Port 2001\nInclude conf.d/*.conf missing.conf\nHost vds\n  User late\n",
        "~/.ssh/conf.d/20-b.conf": "Host vds\n  HostName b.example\n  User b\n",
        "~/.ssh/conf.d/10-a.conf": "Host vds\n  HostName a.example\n  Port 2002\n",
        "~/.ssh/conf.d/.hidden.conf": "Host vds\n  User hidden\n",
        "~/.ssh/conf.d/30-c.txt": "Host vds\n  User txt\n",
      });
      // Port from the main file (before the Include), HostName from 10-a (before 20-b), User from 20-b.
      expect(resolveSshHost("vds", ctx)).to.deep.include({ host: "a.example", port: 2001, user: "b" });
    });

    it("applies an Include inside a Host or Match block only when the block applies, and restores it after", () => {
      write({
        "~/.ssh/config": [
          "Host work-*",
          "  Include work.conf",
          "  Port 2200",
          "Match originalhost home-* user dev",
          "  Include ~/.ssh/home.conf",
          "",
        ].join("\n"),
        "~/.ssh/work.conf": "User worker\nHost work-db\n  HostName db.internal\nHost nothing-else\n",
        "~/.ssh/home.conf": "HostName nas.lan\n",
      });
      // work.conf's first line applies under `Host work-*`; its `Host nothing-else` ends with the file.
      expect(resolveSshHost("work-db", ctx)).to.deep.include({ host: "db.internal", user: "worker", port: 2200 });
      expect(resolveSshHost("work-web", ctx)).to.deep.include({ host: "work-web", user: "worker", port: 2200 });
      // Outside the block, neither the included file's top lines nor its Host sections apply.
      expect(resolveSshHost("db", ctx)).to.deep.include({ host: "db", user: undefined, port: 22 });
      expect(resolveSshHost("home-nas", ctx).host).to.equal("nas.lan");
      expect(resolveSshHost("home-nas", { ...ctx, localUser: "guest" }).host).to.equal("home-nas");
    });

    it("reads the system config after the user's, its relative Includes against /etc/ssh", () => {
      write({
        "~/.ssh/config": "Host vds\n  User mine\n",
        "/etc/ssh/ssh_config": "Include ssh_config.d/*.conf\nHost *\n  User system\n",
        "/etc/ssh/ssh_config.d/vds.conf": "Host vds\n  Port 2022\n  User system-vds\n",
      });
      expect(resolveSshHost("vds", ctx)).to.deep.include({ user: "mine", port: 2022 });
      expect(resolveSshHost("vds", { ...ctx, systemDir: null })).to.deep.include({ user: "mine", port: 22 });
    });

    it("says in one line when Includes loop", () => {
      write({ "~/.ssh/config": "Include config\n" });
      expect(() => resolveSshHost("vds", ctx)).to.throw(/Include nested too deep/);
    });
  });

  it("reads HostKeyAlias, UserKnownHostsFile (tokens, none) and GlobalKnownHostsFile", () => {
    write({
      "~/.ssh/config": [
        "Host vds",
        "  HostName 203.0.113.7",
        "  HostKeyAlias vds-key",
        "  UserKnownHostsFile ~/.ssh/known_hosts.d/%n ~/.ssh/kh-%h-%p",
        "  GlobalKnownHostsFile /srv/ssh/known_hosts",
        "Host throwaway",
        "  UserKnownHostsFile none",
        "",
      ].join("\n"),
    });
    expect(resolveSshHost("vds", ctx)).to.deep.include({
      hostKeyAlias: "vds-key",
      userKnownHostsFiles: [`${home}/.ssh/known_hosts.d/vds`, `${home}/.ssh/kh-203.0.113.7-22`],
      globalKnownHostsFiles: ["/srv/ssh/known_hosts"],
    });
    expect(resolveSshHost("throwaway", ctx).userKnownHostsFiles).to.deep.equal([]);
  });
});
