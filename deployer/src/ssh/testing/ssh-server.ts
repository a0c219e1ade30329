/**
 * An SSH server in-process for tests (ssh2's Server on 127.0.0.1, a random port) that does the real
 * thing: public-key auth checked against authorizedKeys (signature verified), exec requests run by
 * `sh -c` with stdin/stdout/stderr/exit status wired, SFTP on the real filesystem, and direct-tcpip
 * forwarding to 127.0.0.1 (for ProxyJump). `cutConnections()` destroys every TCP connection without
 * a goodbye, as a network failure would; `freezeConnections()` makes the server stop reading and
 * answering on them, as a server that vanished from the network would (nothing reaches the client).
 *
 * Like sshd it ignores "signal" channel requests. Unlike sshd (which only closes the pipes), closing
 * a channel here also kills the command's process group: the client must not rely on either.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants as fsConstants, promises as fs } from "node:fs";
import type { Stats } from "node:fs";
import net from "node:net";
import { resolve } from "node:path";
import ssh2 from "ssh2";
import type { Attributes, Connection, ParsedKey, ServerChannel, SFTPWrapper } from "ssh2";

const { Server, utils } = ssh2;
const STATUS = utils.sftp.STATUS_CODE;

export interface TestSshServerOptions {
  /** Public keys allowed to log in: OpenSSH public key lines (`ssh-ed25519 AAAA... comment`). */
  authorizedKeys: readonly string[];
  /** The host's private key (OpenSSH or PEM); a fresh ed25519 key when omitted. */
  hostKey?: string;
  /** Working directory of commands and base of relative SFTP paths; process.cwd() by default. */
  cwd?: string;
  /** Environment of commands; process.env by default (a test may put tools first on PATH). */
  env?: NodeJS.ProcessEnv;
}

export interface TestSshServer {
  port: number;
  /** The host's public key blob, as a client's hostVerifier sees it. */
  hostKey: Buffer;
  /** A known_hosts line (plain) for this server: `[127.0.0.1]:port type base64`. */
  knownHostsLine: string;
  /** Commands received by exec requests, in order (for assertions). */
  commands: string[];
  /** direct-tcpip forwards opened through this server, as `host:port`. */
  forwards: string[];
  /** SFTP OPEN requests: path, flags as fs names them, and the mode asked for (undefined: none). */
  opens: { path: string; flags: string; mode: number | undefined }[];
  /** SFTP requests that change a mode after the fact (SETSTAT/FSETSTAT with a mode). */
  chmods: number;
  /** Destroys every open connection's socket at once, without a goodbye. */
  cutConnections(): void;
  /** Stops reading from and writing to every open connection; cutConnections() ends them. */
  freezeConnections(): void;
  stop(): Promise<void>;
}

function statusOf(err: unknown): number {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return STATUS.NO_SUCH_FILE;
  if (code === "EACCES" || code === "EPERM") return STATUS.PERMISSION_DENIED;
  return STATUS.FAILURE;
}

function attrsOf(st: Stats): Attributes {
  return {
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    atime: Math.floor(st.atimeMs / 1000),
    mtime: Math.floor(st.mtimeMs / 1000),
  };
}

function parsePublicKey(line: string): ParsedKey {
  const key = utils.parseKey(line);
  if (key instanceof Error) throw new Error(`bad authorized key: ${key.message}`);
  return Array.isArray(key) ? (key[0] as ParsedKey) : key;
}

/** Kills a detached child's whole process group; it may be gone already. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

function runExec(channel: ServerChannel, command: string, cwd: string, env: NodeJS.ProcessEnv): void {
  const child = spawn("sh", ["-c", command], { cwd, env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  let finished = false;
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  channel.pipe(child.stdin);
  child.stdin.on("error", () => undefined); // the command may exit without reading its input
  child.on("error", (err) => {
    finished = true;
    channel.stderr.write(`sh: ${err.message}\n`);
    channel.exit(127);
    channel.end();
  });
  child.on("close", (code, signal) => {
    finished = true;
    if (signal) channel.exit(signal.replace(/^SIG/, ""), false, "");
    else channel.exit(code ?? 255);
    channel.end();
  });
  channel.on("close", () => {
    if (finished) return;
    child.stdin.destroy();
    killGroup(child, "SIGTERM");
  });
}

function serveSftp(sftp: SFTPWrapper, cwd: string, server: TestSshServer): void {
  type Handle = { kind: "file"; fd: fs.FileHandle } | { kind: "dir"; path: string; listed: boolean };
  const handles = new Map<string, Handle>();
  const abs = (p: string) => resolve(cwd, p);
  const newHandle = (h: Handle): Buffer => {
    const id = randomBytes(8);
    handles.set(id.toString("hex"), h);
    return id;
  };
  const fileOf = (id: Buffer) => {
    const h = handles.get(id.toString("hex"));
    return h?.kind === "file" ? h.fd : undefined;
  };
  // Each handler answers once: a result, or the status of the error it met.
  const answer = (reqid: number, work: () => Promise<void>) => {
    work().catch((err: unknown) => sftp.status(reqid, statusOf(err), (err as Error).message));
  };

  sftp.on("OPEN", (reqid, filename, flags, attrs) =>
    answer(reqid, async () => {
      server.opens.push({ path: filename, flags: utils.sftp.flagsToString(flags) ?? "?", mode: attrs.mode });
      const mode = attrs.mode === undefined ? 0o666 : attrs.mode & 0o7777;
      const fd = await fs.open(abs(filename), utils.sftp.flagsToString(flags) ?? "r", mode);
      sftp.handle(reqid, newHandle({ kind: "file", fd }));
    }),
  );
  sftp.on("WRITE", (reqid, id, offset, data) =>
    answer(reqid, async () => {
      const fd = fileOf(id);
      if (!fd) return void sftp.status(reqid, STATUS.FAILURE, "bad handle");
      await fd.write(data, 0, data.length, offset);
      sftp.status(reqid, STATUS.OK);
    }),
  );
  sftp.on("READ", (reqid, id, offset, length) =>
    answer(reqid, async () => {
      const fd = fileOf(id);
      if (!fd) return void sftp.status(reqid, STATUS.FAILURE, "bad handle");
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fd.read(buf, 0, length, offset);
      if (bytesRead === 0) sftp.status(reqid, STATUS.EOF);
      else sftp.data(reqid, buf.subarray(0, bytesRead));
    }),
  );
  sftp.on("CLOSE", (reqid, id) =>
    answer(reqid, async () => {
      const h = handles.get(id.toString("hex"));
      handles.delete(id.toString("hex"));
      if (h?.kind === "file") await h.fd.close();
      sftp.status(reqid, h ? STATUS.OK : STATUS.FAILURE);
    }),
  );
  sftp.on("FSTAT", (reqid, id) =>
    answer(reqid, async () => {
      const fd = fileOf(id);
      if (!fd) return void sftp.status(reqid, STATUS.FAILURE, "bad handle");
      sftp.attrs(reqid, attrsOf(await fd.stat()));
    }),
  );
  sftp.on("STAT", (reqid, path) => answer(reqid, async () => sftp.attrs(reqid, attrsOf(await fs.stat(abs(path))))));
  sftp.on("LSTAT", (reqid, path) => answer(reqid, async () => sftp.attrs(reqid, attrsOf(await fs.lstat(abs(path))))));
  sftp.on("FSETSTAT", (reqid, id, attrs) =>
    answer(reqid, async () => {
      const fd = fileOf(id);
      if (!fd) return void sftp.status(reqid, STATUS.FAILURE, "bad handle");
      if (attrs.mode !== undefined) {
        server.chmods++;
        await fd.chmod(attrs.mode & 0o7777);
      }
      sftp.status(reqid, STATUS.OK);
    }),
  );
  sftp.on("SETSTAT", (reqid, path, attrs) =>
    answer(reqid, async () => {
      if (attrs.mode !== undefined) server.chmods++;
      if (attrs.mode !== undefined) await fs.chmod(abs(path), attrs.mode & 0o7777);
      sftp.status(reqid, STATUS.OK);
    }),
  );
  sftp.on("RENAME", (reqid, from, to) =>
    answer(reqid, async () => {
      // SFTP v3 rename (and OpenSSH's sftp-server) refuses to replace an existing file.
      const exists = await fs.access(abs(to), fsConstants.F_OK).then(
        () => true,
        () => false,
      );
      if (exists) return void sftp.status(reqid, STATUS.FAILURE, "target exists");
      await fs.rename(abs(from), abs(to));
      sftp.status(reqid, STATUS.OK);
    }),
  );
  sftp.on("REMOVE", (reqid, path) =>
    answer(reqid, async () => {
      await fs.unlink(abs(path));
      sftp.status(reqid, STATUS.OK);
    }),
  );
  sftp.on("MKDIR", (reqid, path, attrs) =>
    answer(reqid, async () => {
      await fs.mkdir(abs(path), { mode: attrs.mode === undefined ? 0o777 : attrs.mode & 0o7777 });
      sftp.status(reqid, STATUS.OK);
    }),
  );
  sftp.on("RMDIR", (reqid, path) =>
    answer(reqid, async () => {
      await fs.rmdir(abs(path));
      sftp.status(reqid, STATUS.OK);
    }),
  );
  sftp.on("REALPATH", (reqid, path) =>
    answer(reqid, async () => {
      const p = abs(path);
      const real = await fs.realpath(p).catch(() => p);
      sftp.name(reqid, [{ filename: real, longname: real, attrs: {} as Attributes }]);
    }),
  );
  sftp.on("OPENDIR", (reqid, path) =>
    answer(reqid, async () => {
      const st = await fs.stat(abs(path));
      if (!st.isDirectory()) return void sftp.status(reqid, STATUS.FAILURE, "not a directory");
      sftp.handle(reqid, newHandle({ kind: "dir", path: abs(path), listed: false }));
    }),
  );
  sftp.on("READDIR", (reqid, id) =>
    answer(reqid, async () => {
      const h = handles.get(id.toString("hex"));
      if (h?.kind !== "dir") return void sftp.status(reqid, STATUS.FAILURE, "bad handle");
      if (h.listed) return void sftp.status(reqid, STATUS.EOF);
      h.listed = true;
      const names = await fs.readdir(h.path);
      const entries = [];
      for (const filename of names) {
        const st = await fs.lstat(resolve(h.path, filename)).catch(() => undefined);
        if (st) entries.push({ filename, longname: filename, attrs: attrsOf(st) });
      }
      if (entries.length === 0) sftp.status(reqid, STATUS.EOF);
      else sftp.name(reqid, entries);
    }),
  );
  sftp.on("close", () => {
    for (const h of handles.values()) if (h.kind === "file") void h.fd.close().catch(() => undefined);
    handles.clear();
  });
}

function serveClient(
  client: Connection,
  keys: readonly ParsedKey[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  server: TestSshServer,
): void {
  client.on("error", () => undefined); // a cut connection is expected in tests
  client.on("authentication", (ctx) => {
    if (ctx.method !== "publickey") return ctx.reject(["publickey"]);
    const allowed = keys.find((k) => k.getPublicSSH().equals(ctx.key.data));
    if (!allowed) return ctx.reject(["publickey"]);
    if (!ctx.signature || !ctx.blob) return ctx.accept(); // the "would this key do?" query
    if (allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
    ctx.reject(["publickey"]);
  });
  client.on("ready", () => {
    client.on("session", (accept) => {
      const session = accept();
      session.on("env", (acceptEnv) => acceptEnv?.());
      session.on("pty", (_accept, reject) => reject?.());
      session.on("exec", (acceptExec, _reject, info) => {
        server.commands.push(info.command);
        runExec(acceptExec(), info.command, cwd, env);
      });
      session.on("sftp", (acceptSftp) => serveSftp(acceptSftp(), cwd, server));
    });
    client.on("tcpip", (accept, reject, info) => {
      if (info.destIP !== "127.0.0.1" && info.destIP !== "localhost") return reject();
      const sock = net.connect(info.destPort, "127.0.0.1");
      sock.once("error", () => reject());
      sock.once("connect", () => {
        server.forwards.push(`${info.destIP}:${info.destPort}`);
        const channel = accept();
        sock.removeAllListeners("error");
        sock.on("error", () => channel.destroy());
        channel.on("error", () => sock.destroy());
        channel.pipe(sock).pipe(channel);
      });
    });
  });
}

/**
 * A fresh ed25519 host key that ssh2 can read back. About one in 256 keys ssh2 generates has a public
 * key starting with a zero byte, which its keygen strips, and then its own parseKey refuses the pair
 * ("Malformed OpenSSH private key"; mscdex/ssh2#1513, #1390): a test failing one run in a few hundred.
 */
export function generateHostKey(): string {
  for (;;) {
    const key = utils.generateKeyPairSync("ed25519").private;
    if (!(utils.parseKey(key) instanceof Error)) return key;
  }
}

export async function startTestSshServer(options: TestSshServerOptions): Promise<TestSshServer> {
  const hostPrivate = options.hostKey ?? generateHostKey();
  const parsedHost = utils.parseKey(hostPrivate);
  if (parsedHost instanceof Error) throw new Error(`bad host key: ${parsedHost.message}`);
  const hostParsed = Array.isArray(parsedHost) ? (parsedHost[0] as ParsedKey) : parsedHost;
  const keys = options.authorizedKeys.map(parsePublicKey);
  const cwd = options.cwd ?? process.cwd();
  const sockets = new Set<net.Socket>();
  let frozen = false;

  const sshServer = new Server({ hostKeys: [hostPrivate] });
  const tcp = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => undefined);
    if (frozen) return void sock.pause();
    sshServer.injectSocket(sock);
  });
  await new Promise<void>((ok, fail) => {
    tcp.once("error", fail);
    tcp.listen(0, "127.0.0.1", () => ok());
  });
  const address = tcp.address();
  if (address === null || typeof address === "string") throw new Error("test SSH server has no port");
  const hostKey = hostParsed.getPublicSSH();

  const server: TestSshServer = {
    port: address.port,
    hostKey,
    knownHostsLine: `[127.0.0.1]:${address.port} ${hostParsed.type} ${hostKey.toString("base64")}`,
    commands: [],
    forwards: [],
    opens: [],
    chmods: 0,
    cutConnections() {
      frozen = false;
      for (const sock of sockets) sock.destroy();
    },
    freezeConnections() {
      frozen = true;
      for (const sock of sockets) {
        sock.pause(); // nothing read: keep-alives go unanswered
        sock.write = () => true; // nothing written: command output and replies are dropped
      }
    },
    async stop() {
      server.cutConnections();
      await new Promise<void>((ok) => tcp.close(() => ok()));
    },
  };
  sshServer.on("connection", (client) => serveClient(client, keys, cwd, options.env ?? process.env, server));
  return server;
}
