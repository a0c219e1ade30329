/** known_hosts lines and SSH key fingerprints (pure). */
import { createHash } from "node:crypto";

export interface PublicKey {
  type: string;
  base64: string;
}

/** Parses an OpenSSH public key line ("ssh-ed25519 AAAA... comment"); throws on anything else. */
export function parsePublicKey(line: string): PublicKey {
  const [type, base64] = line.trim().split(/\s+/);
  if (!type || !base64 || !/^(ssh-|ecdsa-sha2-|sk-)/.test(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new Error(`not an OpenSSH public key: ${line.slice(0, 40)}`);
  }
  // the blob starts with its own type name: a cheap check that the two agree
  const blob = Buffer.from(base64, "base64");
  const nameLength = blob.readUInt32BE(0);
  if (blob.subarray(4, 4 + nameLength).toString() !== type) throw new Error(`public key blob is not a ${type} key`);
  return { type, base64 };
}

/** How OpenSSH writes a host in known_hosts: bare for port 22, else "[host]:port". */
export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function knownHostsLine(host: string, port: number, key: PublicKey): string {
  return `${hostPattern(host, port)} ${key.type} ${key.base64}`;
}

/** Replaces every line for host:port in an existing known_hosts text with `lines` (a new server has new keys). */
export function replaceKnownHosts(existing: string, host: string, port: number, lines: readonly string[]): string {
  const pattern = hostPattern(host, port);
  const kept = existing.split("\n").filter((line) => line.trim() !== "" && line.split(/\s+/)[0] !== pattern);
  return [...kept, ...lines].join("\n") + "\n";
}

/** "SHA256:<base64 without padding>", as `ssh-keygen -lf` prints it. */
export function fingerprintSha256(key: PublicKey): string {
  const digest = createHash("sha256").update(Buffer.from(key.base64, "base64")).digest("base64");
  return `SHA256:${digest.replace(/=+$/, "")}`;
}
