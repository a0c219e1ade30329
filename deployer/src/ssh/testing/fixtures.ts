/** Test fixtures for the SSH layer: real key files made by ssh-keygen in a temp directory. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface KeyFile {
  path: string;
  publicLine: string;
}

export function makeKey(dir: string, name: string, passphrase = "", type = "ed25519"): KeyFile {
  const path = join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", type, "-N", passphrase, "-C", name, "-f", path]);
  return { path, publicLine: readFileSync(`${path}.pub`, "utf8").trim() };
}

export function makeTempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls `check` (bounded) until it is true; returns its last value. */
export async function eventually(check: () => boolean, tries = 200, everyMs = 50): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return check();
}
