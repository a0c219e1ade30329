/**
 * File transfer over SFTP: the session is node-ssh's (requestSFTP, opened once by remote.ts);
 * downloads go through its getFile (ssh2 fastGet, reads pipelined, progress from its step).
 *
 * Uploads do not use its putFile (shortfall 8): ssh2's fastPut opens the file with the server's
 * default mode and chmods it afterwards (a secret would be readable by others in between), it
 * truncates an existing file in place, and it only reads a local path. Ours opens exclusively with
 * the mode in the OPEN request and writes pipelined chunks of a Buffer or a local file.
 *
 * Upload: the bytes go to `<target>.tmp-<16 hex>` beside the target, created by the SFTP OPEN
 * itself with the requested mode (exclusive create: never an existing file, never a chmod after
 * the fact; the server's umask can only remove bits), then it is renamed over the target (rename(2):
 * readers see the old file or the new one, never half): by OpenSSH's posix-rename in the SFTP
 * session, or `mv -f -T` where the server lacks that extension. With `verify`, sha256sum on the
 * server must equal the local sha256 before the rename. On any error the temp file is removed; when
 * the connection itself is lost it cannot be, and the next upload to the same target removes temp
 * files of that target older than STALE_TEMP_MS (younger ones may belong to an upload under way).
 * The file belongs to the connecting user (the deploy user).
 *
 * Download: into `<localPath>.tmp-<hex>` (0600), renamed over localPath once complete.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { open as openLocal, rename as renameLocal, rm, stat as statLocal } from "node:fs/promises";
import { posix } from "node:path";
import type { NodeSSH } from "node-ssh";
import type { SFTPWrapper } from "ssh2";
import { ConnectionLostError, SshError, UploadVerifyError, messageOf } from "./errors.js";

export const STALE_TEMP_MS = 10 * 60 * 1000;
const CHUNK = 32 * 1024;
const IN_FLIGHT = 16;
const TEMP_SUFFIX = /^\.tmp-[0-9a-f]{16}$/;

export interface TransferContext {
  host: string;
  ssh: NodeSSH;
  /** The connection's one SFTP session (node-ssh's requestSFTP, kept open). */
  sftp(): Promise<SFTPWrapper>;
  /** Runs argv on the server; resolves with code and output. */
  run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  isConnected(): boolean;
  /** Calls listener once the connection is gone; returns an unsubscribe function. */
  onLost(listener: () => void): () => void;
}

export type UploadSource = { data: string | Buffer } | { localPath: string };

export interface UploadOptions {
  mode: number;
  onProgress?: (done: number, total: number) => void;
  /** Compare sha256 on the server with the local one before renaming. */
  verify?: boolean;
}

function call<T>(fn: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise<T>((ok, fail) => fn((err, value) => (err ? fail(err) : ok(value))));
}

/** Rejects with ConnectionLostError as soon as the connection drops (SFTP callbacks may never come). */
function guard(ctx: TransferContext, what: string): { race<T>(p: Promise<T>): Promise<T>; done(): void } {
  let fail: (err: Error) => void = () => undefined;
  const lost = new Promise<never>((_, rej) => (fail = rej));
  lost.catch(() => undefined);
  const off = ctx.onLost(() => fail(new ConnectionLostError(ctx.host, what)));
  return { race: (p) => Promise.race([p, lost]), done: off };
}

async function* chunksOf(source: UploadSource): AsyncGenerator<Buffer> {
  if ("data" in source) {
    const data = Buffer.from(source.data);
    for (let at = 0; at < data.length; at += CHUNK) yield data.subarray(at, at + CHUNK);
    return;
  }
  for await (const chunk of createReadStream(source.localPath, { highWaterMark: CHUNK })) yield chunk as Buffer;
}

async function sizeOf(source: UploadSource): Promise<number> {
  return "data" in source ? Buffer.byteLength(source.data) : (await statLocal(source.localPath)).size;
}

/** Removes temp files of this target left by uploads cut off earlier; best effort. */
async function removeStaleTemps(sftp: SFTPWrapper, remotePath: string): Promise<void> {
  const dir = posix.dirname(remotePath);
  const base = posix.basename(remotePath);
  const list = await call<{ filename: string; attrs: { mtime: number } }[]>((cb) => sftp.readdir(dir, cb)).catch(
    () => [],
  );
  const now = Date.now();
  for (const entry of list) {
    if (!entry.filename.startsWith(base) || !TEMP_SUFFIX.test(entry.filename.slice(base.length))) continue;
    if (now - entry.attrs.mtime * 1000 < STALE_TEMP_MS) continue;
    await call<void>((cb) => sftp.unlink(posix.join(dir, entry.filename), (err) => cb(err, undefined))).catch(
      () => undefined,
    );
  }
}

/**
 * rename(2) of `from` over `to` inside the SFTP session (OpenSSH's posix-rename extension: atomic,
 * replaces the target, no command to start); undefined when the server does not offer it (ssh2
 * throws at once), and the caller runs `mv -f -T` instead.
 */
function posixRename(sftp: SFTPWrapper, from: string, to: string): Promise<void> | undefined {
  let settle: (err: Error | null | undefined) => void = () => undefined;
  const done = new Promise<void>((ok, fail) => (settle = (err) => (err ? fail(err) : ok())));
  try {
    sftp.ext_openssh_rename(from, to, (err) => settle(err));
  } catch {
    return undefined;
  }
  return done;
}

export async function upload(
  ctx: TransferContext,
  source: UploadSource,
  remotePath: string,
  options: UploadOptions,
): Promise<void> {
  if (!Number.isInteger(options.mode) || options.mode < 0 || options.mode > 0o7777) {
    throw new SshError(`ssh: bad file mode ${options.mode} for ${remotePath}`);
  }
  const total = await sizeOf(source);
  const temp = `${remotePath}.tmp-${randomBytes(8).toString("hex")}`;
  const lost = (err: unknown) =>
    ctx.isConnected() ? err : new ConnectionLostError(ctx.host, `upload of ${remotePath} (target unchanged)`);
  let created = false;
  const g = guard(ctx, `upload of ${remotePath} (target unchanged)`);
  try {
    const sftp = await g.race(ctx.sftp());
    await g.race(removeStaleTemps(sftp, remotePath));
    const handle = await g.race(call<Buffer>((cb) => sftp.open(temp, "wx", { mode: options.mode }, cb)));
    created = true;
    const hash = createHash("sha256");
    let offset = 0;
    let done = 0;
    // Up to IN_FLIGHT writes outstanding: one round trip per chunk would crawl on a distant server.
    const inFlight = new Set<Promise<void>>();
    try {
      for await (const chunk of chunksOf(source)) {
        hash.update(chunk);
        const at = offset;
        offset += chunk.length;
        const write = call<void>((cb) =>
          sftp.write(handle, chunk, 0, chunk.length, at, (err) => cb(err, undefined)),
        ).then(() => {
          inFlight.delete(write);
          done += chunk.length;
          options.onProgress?.(done, total);
        });
        inFlight.add(write);
        if (inFlight.size >= IN_FLIGHT) await g.race(Promise.race(inFlight));
      }
      await g.race(Promise.all(inFlight));
    } finally {
      await g.race(call<void>((cb) => sftp.close(handle, (err) => cb(err, undefined)))).catch(() => undefined);
    }
    if (options.verify) {
      const local = hash.digest("hex");
      const sum = await ctx.run(["sha256sum", "--", temp]);
      const remote = /^([0-9a-f]{64})\s/.exec(sum.stdout)?.[1];
      if (sum.code !== 0 || !remote) {
        throw new SshError(`ssh: cannot checksum ${temp} on ${ctx.host}: ${sum.stderr.trim().split("\n")[0] ?? ""}`);
      }
      if (remote !== local) throw new UploadVerifyError(ctx.host, remotePath, local, remote);
    }
    const renamed = posixRename(sftp, temp, remotePath);
    if (renamed) {
      await g.race(renamed).catch((e: unknown) => {
        throw new SshError(`ssh: cannot move the upload into ${remotePath} on ${ctx.host}: ${messageOf(e)}`);
      });
    } else {
      const mv = await ctx.run(["mv", "-f", "-T", "--", temp, remotePath]);
      if (mv.code !== 0) {
        throw new SshError(
          `ssh: cannot move the upload into ${remotePath} on ${ctx.host}: ${mv.stderr.trim().split("\n")[0] ?? ""}`,
        );
      }
    }
    created = false;
  } catch (err) {
    const final = lost(err);
    if (created && ctx.isConnected()) {
      const sftp = await ctx.sftp().catch(() => undefined);
      if (sftp) await call<void>((cb) => sftp.unlink(temp, (e) => cb(e, undefined))).catch(() => undefined);
    }
    if (final instanceof SshError) throw final;
    throw new SshError(`ssh: upload to ${ctx.host}:${remotePath} failed: ${messageOf(final)}`);
  } finally {
    g.done();
  }
}

export async function download(
  ctx: TransferContext,
  remotePath: string,
  localPath: string,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const temp = `${localPath}.tmp-${randomBytes(8).toString("hex")}`;
  // Our 0600 temp file first: fastGet opens it with "w" (its mode kept); renamed once whole.
  await (await openLocal(temp, "wx", 0o600)).close();
  const g = guard(ctx, `download of ${remotePath}`);
  try {
    const sftp = await g.race(ctx.sftp());
    await g.race(
      ctx.ssh.getFile(temp, remotePath, sftp, {
        step: (done, _chunk, total) => onProgress?.(done, total),
      }),
    );
    await renameLocal(temp, localPath);
  } catch (err) {
    await rm(temp, { force: true });
    if (!ctx.isConnected()) throw new ConnectionLostError(ctx.host, `download of ${remotePath}`);
    if (err instanceof SshError) throw err;
    throw new SshError(`ssh: download of ${ctx.host}:${remotePath} failed: ${messageOf(err)}`);
  } finally {
    g.done();
  }
}
