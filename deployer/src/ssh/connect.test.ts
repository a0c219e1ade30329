import { expect } from "chai";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import net from "node:net";
import { join } from "node:path";
import { openConnection } from "./connect.js";
import type { ConnectOptions } from "./connect.js";
import { connectRemote } from "./remote.js";
import {
  AuthFailedError,
  ConnectTimeoutError,
  ConnectionRefusedError,
  HostKeyChangedError,
  HostKeyRevokedError,
  HostKeyUnknownError,
  SshError,
} from "./errors.js";
import { fingerprintSha256 } from "./known-hosts.js";
import { resolveSshHost } from "./ssh-config.js";
import { startRefusingAgent } from "./testing/agent.js";
import { makeKey, makeTempDir } from "./testing/fixtures.js";
import type { KeyFile } from "./testing/fixtures.js";
import { startTestSshServer } from "./testing/ssh-server.js";
import type { TestSshServer } from "./testing/ssh-server.js";

describe("ssh connect (in-process SSH server)", () => {
  const tmp = makeTempDir("ssh-connect-");
  let key: KeyFile;
  let encrypted: KeyFile;
  let stranger: KeyFile;
  let server: TestSshServer;

  const base = (over: Partial<ConnectOptions> = {}): ConnectOptions => ({
    host: "127.0.0.1",
    port: server.port,
    user: "deploy",
    identityFiles: [key.path],
    knownHostsFiles: [join(tmp.dir, "known_hosts")],
    agentSocket: null,
    connectTimeoutMs: 10_000,
    ...over,
  });

  before(async () => {
    key = makeKey(tmp.dir, "id_deploy");
    encrypted = makeKey(tmp.dir, "id_encrypted", "correct horse");
    stranger = makeKey(tmp.dir, "id_stranger");
    server = await startTestSshServer({ authorizedKeys: [key.publicLine, encrypted.publicLine] });
  });
  after(async () => {
    await server.stop();
    tmp.remove();
  });

  describe("host keys", () => {
    const fresh = () => join(tmp.dir, `kh-${Math.random().toString(16).slice(2)}`);

    it("refuses an unknown host key, naming its fingerprint and how to accept it", async () => {
      const file = fresh();
      const err = await openConnection(base({ knownHostsFiles: [file] })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(HostKeyUnknownError);
      const fp = fingerprintSha256(server.hostKey);
      expect((err as Error).message)
        .to.include(fp)
        .and.include(`--accept-host-key ${fp}`);
      expect((err as Error).message).to.not.include("\n");
      expect(existsSync(file)).to.equal(false);
    });

    it("accepts with the right --accept-host-key, records it (hashed, found by ssh-keygen -F), then goes on without it", async () => {
      const file = fresh();
      const fp = fingerprintSha256(server.hostKey);
      const conn = await openConnection(base({ knownHostsFiles: [file], acceptHostKey: fp }));
      conn.end();
      const text = readFileSync(file, "utf8");
      expect(text).to.match(/^\|1\|/);
      const found = execFileSync("ssh-keygen", ["-F", `[127.0.0.1]:${server.port}`, "-f", file], { encoding: "utf8" });
      expect(found).to.include(server.hostKey.toString("base64"));
      const again = await openConnection(base({ knownHostsFiles: [file] }));
      again.end();
    });

    it("refuses an --accept-host-key that is not the server's", async () => {
      const file = fresh();
      const err = await openConnection(base({ knownHostsFiles: [file], acceptHostKey: "SHA256:AAAA" })).catch(
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(HostKeyUnknownError);
      expect((err as Error).message).to.include("does not match");
      expect(existsSync(file)).to.equal(false);
    });

    it("asks onUnknownHostKey with the fingerprint and honours a no", async () => {
      const file = fresh();
      const asked: string[] = [];
      const err = await openConnection(
        base({
          knownHostsFiles: [file],
          onUnknownHostKey: async (info) => {
            asked.push(info.fingerprint);
            return false;
          },
        }),
      ).catch((e: unknown) => e);
      expect(asked).to.deep.equal([fingerprintSha256(server.hostKey)]);
      expect(err).to.be.instanceOf(HostKeyUnknownError);
      const conn = await openConnection(base({ knownHostsFiles: [file], onUnknownHostKey: async () => true }));
      conn.end();
      expect(readFileSync(file, "utf8")).to.include(server.hostKey.toString("base64"));
    });

    it("refuses a changed key, even with --accept-host-key, naming the line to remove", async () => {
      const file = fresh();
      const other = makeKey(tmp.dir, `host-other-${Math.random().toString(16).slice(2)}`);
      const [type, b64] = other.publicLine.split(" ");
      writeFileSync(file, `# mine\n[127.0.0.1]:${server.port} ${type} ${b64}\n`);
      const err = await openConnection(
        base({ knownHostsFiles: [file], acceptHostKey: fingerprintSha256(server.hostKey) }),
      ).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(HostKeyChangedError);
      const msg = (err as Error).message;
      expect(msg).to.include(`${file}:2`).and.include(fingerprintSha256(server.hostKey)).and.include("ssh-keygen -R");
      expect(msg).to.include(fingerprintSha256(Buffer.from(b64!, "base64")));
      expect(readFileSync(file, "utf8")).to.not.include(server.hostKey.toString("base64"));
    });

    describe("the files and alias ssh_config names (resolved from real files in a temp HOME)", () => {
      const keyLine = () => `ssh-ed25519 ${server.hostKey.toString("base64")}`;
      /** ~/.ssh/config and /etc/ssh of a fresh temp HOME, resolved as the engine does (engine/connect.ts). */
      const resolved = (config: string, files: Record<string, string> = {}) => {
        const home = join(tmp.dir, `home-${Math.random().toString(16).slice(2)}`);
        const etc = join(home, "etc-ssh");
        mkdirSync(join(home, ".ssh"), { recursive: true });
        mkdirSync(etc);
        writeFileSync(join(home, ".ssh", "config"), config);
        for (const [name, text] of Object.entries(files)) writeFileSync(join(home, name), text);
        const r = resolveSshHost("vds", { homeDir: home, localUser: "dev", systemDir: etc });
        return {
          home,
          etc,
          options: base({
            host: r.host,
            port: r.port,
            knownHostsFiles: r.userKnownHostsFiles,
            globalKnownHostsFiles: r.globalKnownHostsFiles,
            ...(r.hostKeyAlias !== undefined ? { hostKeyAlias: r.hostKeyAlias } : {}),
          }),
        };
      };
      const vds = () => `Host vds\n  HostName 127.0.0.1\n  Port ${server.port}\n`;

      it("refuses a key @revoked in /etc/ssh/ssh_known_hosts, though the user's file knows it", async () => {
        const { etc, options } = resolved(vds(), { ".ssh/known_hosts": `${server.knownHostsLine}\n` });
        const conn = await openConnection(options);
        conn.end();
        writeFileSync(join(etc, "ssh_known_hosts"), `@revoked * ${keyLine()}\n`);
        const err = await openConnection(options).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(HostKeyRevokedError);
        expect((err as Error).message).to.include(`${join(etc, "ssh_known_hosts")}:1`);
      });

      it("reads UserKnownHostsFile and GlobalKnownHostsFile instead of the defaults (a revocation there refused)", async () => {
        const config = `${vds()}  UserKnownHostsFile ~/mine\n  GlobalKnownHostsFile ~/global\n`;
        const unknown = await openConnection(
          resolved(config, { ".ssh/known_hosts": `${server.knownHostsLine}\n` }).options,
        ).catch((e: unknown) => e);
        expect(unknown).to.be.instanceOf(HostKeyUnknownError); // ~/.ssh/known_hosts is not read any more
        const conn = await openConnection(resolved(config, { mine: `${server.knownHostsLine}\n` }).options);
        conn.end();
        const revoked = await openConnection(
          resolved(config, { mine: `${server.knownHostsLine}\n`, global: `@revoked [127.0.0.1]:* ${keyLine()}\n` })
            .options,
        ).catch((e: unknown) => e);
        expect(revoked).to.be.instanceOf(HostKeyRevokedError);
      });

      it("looks keys up and records them under HostKeyAlias, not host:port", async () => {
        const config = `${vds()}  HostKeyAlias vds-key\n`;
        const conn = await openConnection(resolved(config, { ".ssh/known_hosts": `vds-key ${keyLine()}\n` }).options);
        conn.end();
        const byAddress = await openConnection(
          resolved(config, { ".ssh/known_hosts": `${server.knownHostsLine}\n` }).options,
        ).catch((e: unknown) => e);
        expect(byAddress).to.be.instanceOf(HostKeyUnknownError);
        const { home, options } = resolved(config);
        const accepted = await openConnection({ ...options, acceptHostKey: fingerprintSha256(server.hostKey) });
        accepted.end();
        const file = join(home, ".ssh", "known_hosts");
        expect(execFileSync("ssh-keygen", ["-F", "vds-key", "-f", file], { encoding: "utf8" })).to.include(
          server.hostKey.toString("base64"),
        );
        const revoked = await openConnection(
          resolved(config, { ".ssh/known_hosts": `vds-key ${keyLine()}\n@revoked vds-key ${keyLine()}\n` }).options,
        ).catch((e: unknown) => e);
        expect(revoked).to.be.instanceOf(HostKeyRevokedError);
      });

      it("writes nothing over /dev/null as UserKnownHostsFile (as ssh, the accepted key goes nowhere)", async () => {
        const { options } = resolved(`${vds()}  UserKnownHostsFile /dev/null\n`);
        const conn = await openConnection({ ...options, acceptHostKey: fingerprintSha256(server.hostKey) });
        conn.end();
        expect(statSync("/dev/null").isCharacterDevice()).to.equal(true);
      });
    });

    it("matches an entry hashed by ssh-keygen -H", async () => {
      const file = fresh();
      writeFileSync(file, `${server.knownHostsLine}\n`);
      execFileSync("ssh-keygen", ["-H", "-f", file], { stdio: "ignore" });
      expect(readFileSync(file, "utf8")).to.not.include("127.0.0.1");
      const conn = await openConnection(base({ knownHostsFiles: [file] }));
      conn.end();
    });
  });

  describe("authentication and network errors", () => {
    let known: string;
    before(() => {
      known = join(tmp.dir, "known_hosts_auth");
      writeFileSync(known, `${server.knownHostsLine}\n`);
    });

    it("logs in with a key file and runs a command as the connecting user", async () => {
      const remote = await connectRemote({ ...base({ knownHostsFiles: [known] }) });
      const r = await remote.run(["id", "-un"]);
      await remote.close();
      expect(r.code).to.equal(0);
      expect(r.stdout.trim()).to.equal(execFileSync("id", ["-un"], { encoding: "utf8" }).trim());
    });

    it("asks the passphrase of an encrypted key through the callback", async () => {
      const asked: string[] = [];
      const conn = await openConnection(
        base({
          knownHostsFiles: [known],
          identityFiles: [join(tmp.dir, "missing"), encrypted.path],
          passphrase: async (p) => {
            asked.push(p);
            return "correct horse";
          },
        }),
      );
      conn.end();
      expect(asked).to.deep.equal([encrypted.path]);
    });

    it("refuses a wrong key, naming every key tried", async () => {
      const err = await openConnection(
        base({
          knownHostsFiles: [known],
          identityFiles: [stranger.path, join(tmp.dir, "missing"), encrypted.path],
          passphrase: async () => "wrong",
        }),
      ).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(AuthFailedError);
      const msg = (err as Error).message;
      expect(msg)
        .to.include(stranger.path)
        .and.include("missing (missing)")
        .and.include(`${encrypted.path} (wrong passphrase)`);
      expect(msg).to.not.include("\n");
    });

    it("says the connection was refused", async () => {
      const probe = net.createServer();
      await new Promise<void>((ok) => probe.listen(0, "127.0.0.1", ok));
      const port = (probe.address() as net.AddressInfo).port;
      await new Promise<void>((ok) => probe.close(() => ok()));
      const err = await openConnection(base({ port, knownHostsFiles: [known] })).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConnectionRefusedError);
      expect((err as Error).message).to.equal(
        `ssh: 127.0.0.1:${port} refused the connection (is sshd running, and is the port right?)`,
      );
    });

    it("times out on a listening socket that never answers", async () => {
      const sockets: net.Socket[] = [];
      const silent = net.createServer((s) => sockets.push(s));
      await new Promise<void>((ok) => silent.listen(0, "127.0.0.1", ok));
      const port = (silent.address() as net.AddressInfo).port;
      try {
        const err = await openConnection(base({ port, knownHostsFiles: [known], connectTimeoutMs: 300 })).catch(
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(ConnectTimeoutError);
        expect((err as Error).message)
          .to.include(`127.0.0.1:${port}`)
          .and.include("connect timeout");
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise<void>((ok) => silent.close(() => ok()));
      }
    });

    it("reaches a server through one jump host (ProxyJump), verifying both host keys", async () => {
      const target = await startTestSshServer({ authorizedKeys: [key.publicLine] });
      try {
        const file = join(tmp.dir, "known_hosts_jump");
        writeFileSync(file, `${server.knownHostsLine}\n${target.knownHostsLine}\n`);
        const remote = await connectRemote(
          base({
            port: target.port,
            knownHostsFiles: [file],
            jump: { host: "127.0.0.1", port: server.port, user: "jump" },
          }),
        );
        const r = await remote.run(["echo", "through"]);
        await remote.close();
        expect(r.stdout).to.equal("through\n");
        expect(server.forwards).to.include(`127.0.0.1:${target.port}`);
        expect(target.commands).to.have.length(1);
      } finally {
        await target.stop();
      }
    });
  });

  // What connect.ts adds to node-ssh's connect(); each test fails without that part.
  describe("where node-ssh's connect falls short", () => {
    let known: string;
    before(() => {
      known = join(tmp.dir, "known_hosts_shortfalls");
      writeFileSync(known, `${server.knownHostsLine}\n`);
    });

    it("shortfall 1: an agent that will not sign with its key is the next key's turn, not a failed connect", async () => {
      // The agent offers the authorized key (the server says it would do) and then refuses to sign:
      // ssh2 emits an "error" of level "agent" and goes on; node-ssh alone rejects there.
      const agent = await startRefusingAgent(join(tmp.dir, "agent.sock"), [key.publicLine]);
      try {
        const conn = await openConnection(base({ knownHostsFiles: [known], agentSocket: agent.socket }));
        conn.end();
        expect(agent.signRequests).to.equal(1);
      } finally {
        await agent.stop();
      }
    });

    it("shortfall 1: an agent that fails and no key left still ends in one clear error", async () => {
      const agent = await startRefusingAgent(join(tmp.dir, "agent2.sock"), [key.publicLine]);
      try {
        const err = await openConnection(
          base({ knownHostsFiles: [known], agentSocket: agent.socket, identityFiles: [stranger.path] }),
        ).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(AuthFailedError);
        expect((err as Error).message).to.include(`tried: ssh-agent, ${stranger.path}`);
      } finally {
        await agent.stop();
      }
    });

    it("shortfall 2: a server that closes during the handshake is named so, not a timeout", async () => {
      // Sends its version line, then ends the connection (FIN) without a word more.
      const closing = net.createServer((s) => s.resume().end("SSH-2.0-OpenSSH_9.2\r\n"));
      await new Promise<void>((ok) => closing.listen(0, "127.0.0.1", ok));
      const port = (closing.address() as net.AddressInfo).port;
      try {
        const err = await openConnection(base({ port, knownHostsFiles: [known] })).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(SshError).and.not.be.instanceOf(ConnectTimeoutError);
        expect((err as Error).message).to.equal(`ssh: 127.0.0.1:${port} closed the connection during the handshake`);
      } finally {
        await new Promise<void>((ok) => closing.close(() => ok()));
      }
    });
  });
});
