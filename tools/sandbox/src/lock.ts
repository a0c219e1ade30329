/**
 * One sandbox operation at a time across processes (a developer's `up` while e2e runs, two e2e
 * runs): an atomic mkdir in .sandbox/, with the holder's pid; a lock whose holder died is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SandboxError } from "./errors.js";
import { PATHS, ensureDirs } from "./state.js";

const LOCK_DIR = join(PATHS.dir, "lock");
/** A cold `up` builds every image first; nothing waits longer than that. */
const WAIT_MS = 30 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function holder(dir: string): { pid: number; what: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "holder.json"), "utf8")) as { pid: number; what: string };
  } catch {
    return undefined;
  }
}

export async function withLock<T>(
  what: string,
  work: () => Promise<T>,
  log: (l: string) => void,
  dir = LOCK_DIR,
): Promise<T> {
  if (dir === LOCK_DIR) ensureDirs();
  const deadline = Date.now() + WAIT_MS;
  let said = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, "holder.json"), JSON.stringify({ pid: process.pid, what }));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const h = holder(dir);
      if (h && !alive(h.pid)) {
        rmSync(dir, { recursive: true, force: true }); // its holder died
        continue;
      }
      if (Date.now() > deadline)
        throw new SandboxError(`the sandbox is busy (${h?.what ?? "?"}, pid ${h?.pid ?? "?"})`);
      if (!said) log(`waiting for another sandbox operation (${h?.what ?? "starting"}, pid ${h?.pid ?? "?"})`);
      said = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await work();
  } finally {
    if (holder(dir)?.pid === process.pid) rmSync(dir, { recursive: true, force: true });
  }
}
