/**
 * The built-in deploy target `sandbox`: written by `npm run sandbox -- up` to .sandbox/target.json,
 * read by the deployer without any config file. Paths in the file are relative to the repo root.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface SandboxTarget {
  name: "sandbox";
  host: string;
  port: number;
  /** The deploy user (ready flavour); the bare flavour has only root. */
  user: string;
  rootUser: string;
  identityFile: string;
  knownHostsFile: string;
  /** The env the sandbox brings (stands in for .env.production). */
  envFile: string;
  appDir: string;
  flavour: "ready" | "bare";
}

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const SANDBOX_DIR = join(REPO_ROOT, ".sandbox");

/** The sandbox target with absolute paths, or undefined when no sandbox was ever brought up. */
export function loadSandboxTarget(dir = SANDBOX_DIR, file = "target.json"): SandboxTarget | undefined {
  const path = join(dir, file);
  if (!existsSync(path)) return undefined;
  return absoluteTarget(JSON.parse(readFileSync(path, "utf8")) as SandboxTarget);
}

/** The target with absolute paths (what ssh and the deployer use); the file keeps them repo-relative. */
export function absoluteTarget(target: SandboxTarget): SandboxTarget {
  const abs = (p: string) => (isAbsolute(p) ? p : join(REPO_ROOT, p));
  return {
    ...target,
    identityFile: abs(target.identityFile),
    knownHostsFile: abs(target.knownHostsFile),
    envFile: abs(target.envFile),
  };
}
