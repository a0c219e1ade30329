/**
 * OpenSSH known_hosts: parsing, lookup and recording of host keys.
 *
 * - Host fields: plain names, `[host]:port` for a port other than 22, comma lists, `*`/`?`
 *   wildcards, `!negation`, and hashed `|1|salt|hmac-sha1` entries.
 * - `@revoked` lines: that key is refused for the hosts they name. `@cert-authority` lines are
 *   skipped: host certificates are not used here, so they neither match nor make a key "changed".
 * - A host with any entry (any key type) and none matching is "changed": we never silently trust a
 *   second key for a known server. Connecting prefers the key types already recorded (see
 *   hostKeyAlgorithmsFor), as OpenSSH does, so a server with several keys presents the known one.
 * - New entries are written hashed (as Debian's ssh_config HashKnownHosts does), so the file does
 *   not list the servers; the file is replaced atomically (temp file + rename).
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import { appendFile, mkdir, readFile, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { matchPatternList } from "./patterns.js";

export interface KnownHostEntry {
  file: string;
  /** 1-based line number, as `ssh-keygen -R` and editors count. */
  line: number;
  marker: "revoked" | "cert-authority" | undefined;
  /** The host field as written (patterns or a hashed `|1|...`). */
  hosts: string;
  keyType: string;
  key: Buffer;
}

export type HostKeyCheck =
  | { status: "match"; entry: KnownHostEntry }
  | { status: "revoked"; entry: KnownHostEntry }
  | { status: "changed"; entry: KnownHostEntry; knownFingerprint: string }
  | { status: "unknown" };

/** `SHA256:<base64 without padding>` of the key blob, exactly as `ssh-keygen -l` prints it. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) throw new Error("malformed SSH public key");
  const len = keyBlob.readUInt32BE(0);
  if (len > keyBlob.length - 4) throw new Error("malformed SSH public key");
  return keyBlob.subarray(4, 4 + len).toString("latin1");
}

/** The key blob of an OpenSSH public key line ("ssh-ed25519 AAAA... comment"); throws on anything else. */
export function parsePublicKey(line: string): Buffer {
  const [type, b64] = line.trim().split(/\s+/);
  if (!type || !b64 || !/^(ssh-|ecdsa-sha2-|sk-)/.test(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    throw new Error(`not an OpenSSH public key: ${line.slice(0, 40)}`);
  }
  const key = Buffer.from(b64, "base64");
  // the blob starts with its own type name: the two must agree
  if (keyTypeOf(key) !== type) throw new Error(`public key blob is not a ${type} key`);
  return key;
}

/** How a host appears in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function hostField(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split("\n").forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const fields = trimmed.split(/\s+/);
    let marker: KnownHostEntry["marker"];
    if (fields[0]?.startsWith("@")) {
      const m = fields.shift();
      if (m === "@revoked") marker = "revoked";
      else if (m === "@cert-authority") marker = "cert-authority";
      else return; // an unknown marker: OpenSSH ignores the line too
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return;
    const key = Buffer.from(b64, "base64");
    try {
      if (keyTypeOf(key) !== keyType) return;
    } catch {
      return;
    }
    entries.push({ file, line: index + 1, marker, hosts, keyType, key });
  });
  return entries;
}

/** Whether a host field (pattern list or hashed) names `field` (from hostField()). */
export function hostsMatch(hosts: string, field: string): boolean {
  if (hosts.startsWith("|1|")) {
    const [, , salt, hash] = hosts.split("|");
    if (!salt || !hash) return false;
    const mac = createHmac("sha1", Buffer.from(salt, "base64")).update(field).digest("base64");
    return mac === hash;
  }
  return matchPatternList(hosts.split(","), field);
}

/** Checks a presented host key against the entries of every known_hosts file, in order. */
export function checkHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  key: Buffer,
): HostKeyCheck {
  const field = hostField(host, port);
  const forHost = entries.filter((e) => e.marker !== "cert-authority" && hostsMatch(e.hosts, field));
  const revoked = forHost.find((e) => e.marker === "revoked" && e.key.equals(key));
  if (revoked) return { status: "revoked", entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const match = plain.find((e) => e.key.equals(key));
  if (match) return { status: "match", entry: match };
  // Prefer reporting an entry of the same key type: that is the one to remove.
  const conflict = plain.find((e) => e.keyType === keyTypeOf(key)) ?? plain[0];
  if (conflict) return { status: "changed", entry: conflict, knownFingerprint: fingerprintSha256(conflict.key) };
  return { status: "unknown" };
}

/** Key types recorded for this host (non-revoked), in file order, for host key algorithm preference. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const field = hostField(host, port);
  const types = entries.filter((e) => e.marker === undefined && hostsMatch(e.hosts, field)).map((e) => e.keyType);
  return [...new Set(types)];
}

/** ssh2 host key algorithm names for known_hosts key types (an RSA key signs with SHA-2 first). */
export function hostKeyAlgorithmsFor(keyTypes: readonly string[]): string[] {
  return keyTypes.flatMap((t) => (t === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [t]));
}

/** Reads and parses known_hosts files; a missing file counts as empty. */
export async function loadKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw new Error(`cannot read known_hosts file ${file}: ${(err as Error).message}`);
    }
    all.push(...parseKnownHosts(text, file));
  }
  return all;
}

/** One known_hosts line for host:port and key; hashed unless asked otherwise. */
export function formatKnownHostLine(host: string, port: number, key: Buffer, hashed = true): string {
  const field = hostField(host, port);
  let hosts = field;
  if (hashed) {
    const salt = randomBytes(20);
    const mac = createHmac("sha1", salt).update(field).digest("base64");
    hosts = `|1|${salt.toString("base64")}|${mac}`;
  }
  return `${hosts} ${keyTypeOf(key)} ${key.toString("base64")}`;
}

/**
 * A known_hosts text with every entry for host:port (plain or hashed) replaced by `lines`: a new
 * server at the same address has new keys. Comments and other hosts' lines are kept.
 */
export function replaceHostKeys(existing: string, host: string, port: number, lines: readonly string[]): string {
  const field = hostField(host, port);
  const kept = existing.split("\n").filter((raw) => {
    const fields = raw.trim().split(/\s+/);
    const hosts = fields[0]?.startsWith("@") ? fields[1] : fields[0];
    return raw.trim() !== "" && !(hosts !== undefined && hostsMatch(hosts, field));
  });
  return [...kept, ...lines].join("\n") + "\n";
}

/**
 * Adds a line to a known_hosts file: the whole file is rewritten to a temp name beside it and
 * renamed over, so a reader never sees half a line. Creates the file (0600) and its directory
 * (0700) when missing; keeps an existing file's mode; writes through a symlink to its target; a
 * device (/dev/null) is appended to.
 */
export async function appendKnownHost(file: string, line: string): Promise<void> {
  let target = file;
  let before = "";
  let mode = 0o600;
  try {
    target = await realpath(file);
    const info = await stat(target);
    // UserKnownHostsFile /dev/null: written to like ssh does, never replaced by a file.
    if (!info.isFile()) return await appendFile(target, `${line}\n`);
    before = await readFile(target, "utf8");
    mode = info.mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  }
  const separator = before === "" || before.endsWith("\n") ? "" : "\n";
  const temp = join(dirname(target), `.${basename(target)}.tmp-${randomBytes(6).toString("hex")}`);
  try {
    await writeFile(temp, `${before}${separator}${line}\n`, { mode, flag: "wx" });
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
