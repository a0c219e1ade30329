/**
 * A backup on the workstation: its sha256, and the `<file>.sha256` beside it in sha256sum's format
 * (`<hex>  <name>`), as backup.sh writes one on the server. `pull` checks and keeps it; a
 * workstation restore checks it before the file leaves for the server.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseChecksum } from "../commands/release.js";

/** The hex sha256 of a file, streamed (backups can be large). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** sha256sum's line for `path` with digest `hex`. */
export const checksumLine = (hex: string, path: string): string => `${hex}  ${basename(path)}\n`;

/** Writes `<path>.sha256` (0600 from creation) for the digest `hex`. */
export async function writeChecksumFile(path: string, hex: string): Promise<void> {
  await writeFile(`${path}.sha256`, checksumLine(hex, path), { mode: 0o600 });
}

export type ChecksumVerdict = { ok: true; digest: string } | { ok: false; problem: string };

/** Compares a file's content with an expected digest; the problem is one line. */
export async function checkDigest(path: string, want: string): Promise<ChecksumVerdict> {
  const got = await sha256File(path);
  return got === want
    ? { ok: true, digest: got }
    : {
        ok: false,
        problem: `checksum mismatch: ${basename(path)} is sha256 ${got.slice(0, 12)}…, its record says ${want.slice(0, 12)}…`,
      };
}

/** Checks `path` against `<path>.sha256`; undefined when no such file is there. */
export async function checkChecksumFile(path: string): Promise<ChecksumVerdict | undefined> {
  let text: string;
  try {
    text = await readFile(`${path}.sha256`, "utf8");
  } catch {
    return undefined;
  }
  const want = parseChecksum(text);
  if (!want) return { ok: false, problem: `${basename(path)}.sha256 is not a sha256sum line` };
  return checkDigest(path, want);
}
