/**
 * The built-in deploy target `sandbox`, described as data: `.sandbox/target.json` in the deployer's
 * checkout (git-ignored). Whatever brings up a rehearsal server (`npm run sandbox -- up`) writes it
 * while the server is up and removes it with the server; the deployer knows this path and this
 * format, nothing of the tool. Paths in the file are relative to the checkout (or absolute).
 * See docs/CONTRACTS.md, "Sandbox target".
 */
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { z } from "zod";
import { ConfigError } from "./errors.js";
import { REPO_ROOT } from "../local/repo-root.js";

/** Relative to the checkout. */
export const SANDBOX_TARGET_FILE = ".sandbox/target.json";

const SandboxTargetSchema = z
  .object({
    name: z.literal("sandbox"),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    /** The deploy user (root until a bare server is provisioned). */
    user: z.string().min(1),
    rootUser: z.string().min(1),
    identityFile: z.string().min(1),
    knownHostsFile: z.string().min(1),
    /** The env the server gets as shared/.env (stands in for .env.production). */
    envFile: z.string().min(1),
    appDir: z.string().min(1),
    /** Which kind of server: "ready" (Docker installed, user deploy) or "bare" (a VDS just bought). */
    flavour: z.enum(["ready", "bare"]),
  })
  .strict();

export type SandboxTarget = z.infer<typeof SandboxTargetSchema>;

/** The target with its paths made absolute against the checkout (what ssh and the engine use). */
export function absoluteTarget(target: SandboxTarget, checkout = REPO_ROOT): SandboxTarget {
  const abs = (p: string) => (isAbsolute(p) ? p : join(checkout, p));
  return {
    ...target,
    identityFile: abs(target.identityFile),
    knownHostsFile: abs(target.knownHostsFile),
    envFile: abs(target.envFile),
  };
}

/** The sandbox target with absolute paths, or undefined when no sandbox is up. Throws ConfigError on a broken file. */
export function readSandboxTarget(checkout = REPO_ROOT, file = SANDBOX_TARGET_FILE): SandboxTarget | undefined {
  const path = isAbsolute(file) ? file : join(checkout, file);
  if (!existsSync(path)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON (${(e as Error).message}): \`npm run sandbox -- up\` rewrites it`);
  }
  const parsed = SandboxTargetSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.map(String).join(".") || "(top level)";
    throw new ConfigError(`${file}: ${where}: ${issue?.message ?? "invalid"}: \`npm run sandbox -- up\` rewrites it`);
  }
  return absoluteTarget(parsed.data, checkout);
}
