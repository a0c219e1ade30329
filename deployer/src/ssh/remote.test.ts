import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SSHExecCommandResponse } from "node-ssh";
import { openConnection } from "./connect.js";
import { ConnectionLostError, UploadVerifyError } from "./errors.js";
import { REDACTED } from "./redact.js";
import { connectRemote, createRemote, uploadVerified } from "./remote.js";
import type { SshRemote } from "./remote.js";
import { eventually, makeKey, makeTempDir } from "./testing/fixtures.js";
import type { KeyFile } from "./testing/fixtures.js";
import { startTestSshServer } from "./testing/ssh-server.js";
import type { TestSshServer } from "./testing/ssh-server.js";

const SECRET = "pg-password-0123456789";

describe("ssh remote (in-process SSH server)", () => {
  const tmp = makeTempDir("ssh-remote-");
  let key: KeyFile;
  let server: TestSshServer;
  let known: string;
  let remote: SshRemote;

  const connect = (s: TestSshServer = server) =>
    connectRemote({
      host: "127.0.0.1",
      port: s.port,
      user: "deploy",
      identityFiles: [key.path],
      knownHostsFiles: [known],
      agentSocket: null,
      secrets: [SECRET],
    });
  /** Processes whose command line is exactly `pattern` (a regex for pgrep -f). */
  const procs = (pattern: string) => spawnSync("pgrep", ["-f", pattern], { encoding: "utf8" }).stdout.trim();

  before(async () => {
    key = makeKey(tmp.dir, "id_deploy");
    server = await startTestSshServer({ authorizedKeys: [key.publicLine], cwd: tmp.dir });
    known = join(tmp.dir, "known_hosts");
    writeFileSync(known, `${server.knownHostsLine}\n`);
    remote = await connect();
  });
  after(async () => {
    await remote.close();
    await server.stop();
    tmp.remove();
  });

  describe("run and script", () => {
    it("passes hostile arguments byte for byte and runs in cwd", async () => {
      const args = ["$(id)", "`id`", "a; echo pwned", "it's", "line\nbreak", "", "ü ✓"];
      const r = await remote.run(["printf", "%s|", ...args]);
      expect(r).to.deep.equal({ code: 0, stdout: `${args.join("|")}|`, stderr: "" });
      mkdirSync(join(tmp.dir, "a dir"));
      expect((await remote.run(["pwd"], { cwd: join(tmp.dir, "a dir") })).stdout.trim()).to.equal(
        join(tmp.dir, "a dir"),
      );
      expect(server.commands.some((c) => c.includes("pwned") && !c.includes("; echo pwned'"))).to.equal(false);
    });

    it("resolves with the exit code, streams lines of both streams and feeds stdin", async () => {
      const lines: string[] = [];
      const r = await remote.run(["sh", "-c", "cat; echo err >&2; exit 3"], {
        stdin: "one\ntwo\n",
        onLine: (line, stream) => lines.push(`${stream}:${line}`),
      });
      expect(r.code).to.equal(3);
      expect(r.stdout).to.equal("one\ntwo\n");
      expect(lines).to.deep.equal(["stdout:one", "stdout:two", "stderr:err"]);
    });

    it("runs a script in strict mode: a failing line stops it", async () => {
      const r = await remote.script("echo first\nfalse\necho never\n");
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal("first\n");
      const unset = await remote.script('echo "$NOT_SET_ANYWHERE"\necho never');
      expect(unset.code).to.not.equal(0);
      expect(unset.stdout).to.equal("");
      const piped = await remote.script("false | true\necho never");
      expect(piped.code).to.not.equal(0);
    });

    it("redacts a secret split across output chunks, in lines and in the result", async () => {
      const half = SECRET.length / 2;
      const lines: string[] = [];
      const r = await remote.run(
        [
          "sh",
          "-c",
          `printf 'password=%s' "$1"; sleep 0.3; printf '%s done\\n' "$2"; printf '%s\\n' "$1$2" >&2`,
          "sh",
          SECRET.slice(0, half),
          SECRET.slice(half),
        ],
        { onLine: (line) => lines.push(line) },
      );
      expect(lines).to.deep.equal([`password=${REDACTED} done`, REDACTED]);
      expect(r.stdout + r.stderr).to.not.include(SECRET.slice(0, 6));
    });

    it("streams lines and stderr sanitised (no OSC, DCS, cursor codes or CR), redacted after", async () => {
      const lines: string[] = [];
      const r = await remote.run(
        [
          "sh",
          "-c",
          // a clipboard write, a title, a DCS, a secret cut by a BEL, a CR hiding text; colours kept
          String.raw`printf 'a\033]52;c;ZXZpbA==\007b\033]0;t\033\\c\033P1$q\033\\d\033[1mB\033[0m\n'; printf '%s\007%s\n' "$1" "$2"; printf 'x\ry\033[2J\n' >&2`,
          "sh",
          SECRET.slice(0, 5),
          SECRET.slice(5),
        ],
        { onLine: (line, stream) => lines.push(`${stream}:${line}`) },
      );
      expect(lines).to.deep.equal(["stdout:abcd\x1b[1mB\x1b[0m", `stdout:${REDACTED}`, "stderr:xy"]);
      expect(r.stderr).to.equal("xy\n");
    });

    it("aborting ends the remote command and its children", async () => {
      const secs = `4${process.pid % 1000}`;
      const controller = new AbortController();
      const started = remote.run(["sh", "-c", `sleep ${secs}1 & echo started; sleep ${secs}2`], {
        signal: controller.signal,
        onLine: (line) => line === "started" && controller.abort(),
      });
      const err = await started.catch((e: unknown) => e);
      expect((err as Error).name).to.equal("AbortError");
      expect(await eventually(() => procs(`^sleep ${secs}[12]$`) === "")).to.equal(true);
      // The connection is still good for the next command.
      expect((await remote.run(["echo", "ok"])).stdout).to.equal("ok\n");
    });

    it("a connection lost mid-command fails with ConnectionLostError and leaves nothing running", async () => {
      const other = await connect();
      const secs = `5${process.pid % 1000}`;
      const pending = other.run(["sh", "-c", `echo started; sleep ${secs}1`], {
        onLine: (line) => line === "started" && server.cutConnections(),
      });
      const err = await pending.catch((e: unknown) => e);
      remote = await connect(); // the shared connection was cut too
      expect(err).to.be.instanceOf(ConnectionLostError);
      expect((err as Error).message).to.match(/^ssh: connection to 127\.0\.0\.1 lost during "sh -c/);
      expect(await eventually(() => procs(`^sleep ${secs}1$`) === "")).to.equal(true);
      await other.run(["true"]).then(
        () => expect.fail("a lost connection must not run commands"),
        (e: unknown) => expect(e).to.be.instanceOf(ConnectionLostError),
      );
    });
  });

  describe("uploads and downloads", () => {
    let dir: string;
    beforeEach(() => {
      dir = join(tmp.dir, `up-${Math.random().toString(16).slice(2)}`);
      mkdirSync(dir);
    });

    it("writes data with the mode from the first byte; no file in the directory is ever readable by others", async () => {
      const target = join(dir, ".env");
      writeFileSync(target, "OLD=1\n", { mode: 0o600 });
      const big = Buffer.alloc(8 * 1024 * 1024, "x");
      const seen: { name: string; mode: number }[] = [];
      let polling = true;
      const poll = () => {
        if (!polling) return;
        for (const name of readdirSync(dir)) {
          try {
            seen.push({ name, mode: statSync(join(dir, name)).mode & 0o777 });
          } catch {
            /* renamed between readdir and stat */
          }
        }
        setImmediate(poll);
      };
      poll();
      const progress: number[] = [];
      await remote.upload({ data: big }, target, { mode: 0o600, onProgress: (done) => progress.push(done) });
      polling = false;
      expect(readFileSync(target).equals(big)).to.equal(true);
      expect(statSync(target).mode & 0o777).to.equal(0o600);
      expect(statSync(target).uid).to.equal(process.getuid?.());
      expect(seen.filter((s) => s.name.startsWith(".env.tmp-")).length).to.be.greaterThan(0);
      expect(seen.filter((s) => (s.mode & 0o077) !== 0)).to.deep.equal([]);
      expect(readdirSync(dir)).to.deep.equal([".env"]);
      expect(progress.at(-1)).to.equal(big.length);
    });

    it("honours other modes and streams a local file", async () => {
      const local = join(tmp.dir, "local.sh");
      writeFileSync(local, "#!/bin/sh\necho hi\n");
      await remote.upload({ localPath: local }, join(dir, "run.sh"), { mode: 0o750 });
      expect(statSync(join(dir, "run.sh")).mode & 0o777).to.equal(0o750);
      expect((await remote.run([join(dir, "run.sh")])).stdout).to.equal("hi\n");
    });

    it("uploadVerified compares sha256 on the server before renaming", async () => {
      const local = join(tmp.dir, "release.tar.gz");
      writeFileSync(local, Buffer.alloc(300_000, 7));
      await uploadVerified(remote, local, join(dir, "release.tar.gz"), { mode: 0o640 });
      expect(readFileSync(join(dir, "release.tar.gz")).equals(readFileSync(local))).to.equal(true);
      expect(server.commands.some((c) => c.includes("sha256sum"))).to.equal(true);
    });

    it("a checksum mismatch is refused, the target unchanged and the temp file removed", async () => {
      // A server whose sha256sum first corrupts the file it is asked about (bytes really changed).
      const bin = join(tmp.dir, "corrupting-bin");
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(bin, "sha256sum"), '#!/bin/sh\nprintf corrupted >> "$2"\nexec /usr/bin/sha256sum "$@"\n');
      chmodSync(join(bin, "sha256sum"), 0o755);
      const bad = await startTestSshServer({
        authorizedKeys: [key.publicLine],
        hostKey: undefined,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
      });
      writeFileSync(known, `${server.knownHostsLine}\n${bad.knownHostsLine}\n`);
      const r = await connect(bad);
      try {
        const target = join(dir, "release.tar.gz");
        writeFileSync(target, "old release");
        const local = join(tmp.dir, "release2.tar.gz");
        writeFileSync(local, "new release");
        const err = await uploadVerified(r, local, target, { mode: 0o640 }).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(UploadVerifyError);
        expect((err as Error).message)
          .to.include(target)
          .and.include("nothing was replaced");
        expect(readFileSync(target, "utf8")).to.equal("old release");
        expect(readdirSync(dir)).to.deep.equal(["release.tar.gz"]);
      } finally {
        await r.close();
        await bad.stop();
      }
    });

    it("a connection cut mid-upload leaves the target unchanged; the next upload removes the stale temp", async () => {
      const target = join(dir, "app.tar");
      writeFileSync(target, "old");
      const other = await connect();
      let cut = false;
      const err = await other
        .upload({ data: Buffer.alloc(16 * 1024 * 1024, 1) }, target, {
          mode: 0o600,
          onProgress: (done) => {
            if (!cut && done >= 1024 * 1024) {
              cut = true;
              server.cutConnections();
            }
          },
        })
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConnectionLostError);
      expect((err as Error).message)
        .to.include("lost during upload of")
        .and.include("target unchanged");
      expect(readFileSync(target, "utf8")).to.equal("old");
      const temps = readdirSync(dir).filter((n) => n.startsWith("app.tar.tmp-"));
      expect(temps).to.have.length(1);
      // Age the leftover past the stale limit: the next upload of that target removes it.
      const old = new Date(Date.now() - 11 * 60 * 1000);
      utimesSync(join(dir, temps[0]!), old, old);
      remote = await connect();
      await remote.upload({ data: "new" }, target, { mode: 0o600 });
      expect(readdirSync(dir)).to.deep.equal(["app.tar"]);
      expect(readFileSync(target, "utf8")).to.equal("new");
    });

    it("downloads to a temp file then renames, reporting progress", async () => {
      const source = join(dir, "backup.dump");
      writeFileSync(source, Buffer.alloc(200_000, 3));
      const local = join(tmp.dir, "pulled.dump");
      const progress: [number, number][] = [];
      await remote.download(source, local, (done, total) => progress.push([done, total]));
      expect(readFileSync(local).equals(readFileSync(source))).to.equal(true);
      expect(progress.at(-1)).to.deep.equal([200_000, 200_000]);
      expect(statSync(local).mode & 0o777).to.equal(0o600);
      const err = await remote.download(join(dir, "missing"), join(tmp.dir, "nope")).catch((e: unknown) => e);
      expect((err as Error).message).to.match(/^ssh: download of 127\.0\.0\.1:.*missing failed/);
      expect(readdirSync(tmp.dir).filter((n) => n.startsWith("nope"))).to.deep.equal([]);
    });
  });

  // What exec.ts, remote.ts and transfer.ts add to node-ssh; each test fails without that part.
  describe("where node-ssh falls short", () => {
    it("shortfall 3: a UTF-8 character split across two output chunks is decoded whole", async () => {
      // ✓ is e2 9c 93: two bytes in one chunk, the third 0.3 s later in the next.
      const lines: string[] = [];
      const r = await remote.run(["sh", "-c", "printf '\\342\\234'; sleep 0.3; printf '\\223 done\\n'"], {
        onLine: (line) => lines.push(line),
      });
      expect(r.stdout).to.equal("✓ done\n");
      expect(lines).to.deep.equal(["✓ done"]);
    });

    it("shortfall 4: node-ssh keeps no copy of a command's output (a long follow stays flat)", async () => {
      const conn = await openConnection({
        host: "127.0.0.1",
        port: server.port,
        user: "deploy",
        identityFiles: [key.path],
        knownHostsFiles: [known],
        agentSocket: null,
      });
      const responses: SSHExecCommandResponse[] = [];
      const execCommand = conn.ssh.execCommand.bind(conn.ssh);
      conn.ssh.execCommand = async (...args) => {
        const response = await execCommand(...args);
        responses.push(response);
        return response;
      };
      const r = createRemote(conn, "127.0.0.1", "deploy", []);
      try {
        let seen = 0;
        const result = await r.run(["sh", "-c", "sleep 0.2; head -c 4000000 /dev/zero | tr '\\0' x"], {
          onLine: (line) => (seen += line.length),
        });
        expect(result.stdout.length + seen).to.equal(8_000_000);
        expect(responses).to.have.length(1);
        expect(responses[0]!.stdout.length).to.be.lessThan(100_000);
      } finally {
        await r.close();
      }
    });

    it("shortfall 5: a server that vanishes mid-command is named a lost connection (keep-alive), not a hang", async () => {
      const other = await connectRemote({
        host: "127.0.0.1",
        port: server.port,
        user: "deploy",
        identityFiles: [key.path],
        knownHostsFiles: [known],
        agentSocket: null,
        keepaliveIntervalMs: 200,
      });
      const started = Date.now();
      const err = await other
        .run(["sh", "-c", "echo started; sleep 8"], {
          onLine: (line) => line === "started" && server.freezeConnections(),
        })
        .catch((e: unknown) => e);
      server.cutConnections(); // ends the frozen connections (and their commands) on the server's side
      remote = await connect(); // the shared connection was frozen too
      expect(err).to.be.instanceOf(ConnectionLostError);
      expect((err as Error).message).to.match(/^ssh: connection to 127\.0\.0\.1 lost during "sh -c/);
      expect(Date.now() - started).to.be.lessThan(5_000);
      expect(other.connected).to.equal(false);
    });

    it("shortfall 6: a working directory that does not exist fails the command instead of running it elsewhere", async () => {
      const r = await remote.run(["pwd"], { cwd: join(tmp.dir, "no-such-dir") });
      expect(r.code).to.not.equal(0);
      expect(r.stdout).to.equal("");
      expect(r.stderr).to.include("no-such-dir");
    });

    it("shortfall 7: a dozen commands started at once print no MaxListenersExceededWarning", async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.name);
      process.on("warning", onWarning);
      try {
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => remote.run(["echo", String(i)])));
        expect(results.map((r) => r.stdout)).to.deep.equal(Array.from({ length: 12 }, (_, i) => `${i}\n`));
        await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      } finally {
        process.off("warning", onWarning);
      }
      expect(warnings).to.not.include("MaxListenersExceededWarning");
    });

    it("shortfall 8: an upload creates its file exclusively with the mode, never chmods it afterwards", async () => {
      const dir = join(tmp.dir, `mode-${Math.random().toString(16).slice(2)}`);
      mkdirSync(dir);
      const local = join(tmp.dir, "secret.env");
      writeFileSync(local, "TOKEN=1\n");
      const chmodsBefore = server.chmods;
      await remote.upload({ localPath: local }, join(dir, ".env"), { mode: 0o600 });
      const opens = server.opens.filter((o) => o.path.startsWith(join(dir, ".env")));
      expect(opens).to.have.length(1);
      expect(opens[0]!.flags).to.equal("wx");
      expect(opens[0]!.mode).to.equal(0o600);
      expect(server.chmods).to.equal(chmodsBefore);
      expect(readFileSync(join(dir, ".env"), "utf8")).to.equal("TOKEN=1\n");
    });
  });
});
