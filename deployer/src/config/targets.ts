/**
 * Deploy targets: `deploy.targets.yml` at the repo root (see deploy.targets.example.yml),
 * validated with zod, plus the built-in `sandbox` target read from its data file when a sandbox is
 * up (sandbox-target.ts). No secrets here: the env file is named, never read, by this module.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { assertAppDir } from "../commands/names.js";
import {
  BACKUP_EVERY_HOURS,
  BACKUP_EVERY_HOURS_DEFAULT,
  BACKUP_KEEP_DEFAULTS,
  DEFAULT_APP_DIR,
  AGE_RECIPIENT_RE,
  OFFSITE_DEST_RE,
  type BackupKeep,
  type BackupOffsite,
  type PublishHealth,
} from "../stack/contract.js";
import { ConfigError } from "./errors.js";
import { readSandboxTarget, type SandboxTarget } from "./sandbox-target.js";

export { ConfigError };

export const TARGETS_FILE = "deploy.targets.yml";

const NAME_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const HOST_RE = /^[A-Za-z0-9._:-]{1,253}$/;
const USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;

const TargetSchema = z
  .object({
    host: z.string().regex(HOST_RE, "must be a host name, an IP address or an alias from ~/.ssh/config"),
    port: z.number().int().min(1).max(65535).optional(),
    user: z.string().regex(USER_RE, "must be a Unix user name").optional(),
    rootUser: z.string().regex(USER_RE, "must be a Unix user name").default("root"),
    identityFile: z.string().min(1).optional(),
    knownHostsFile: z.string().min(1).optional(),
    appDir: z
      .string()
      .default(DEFAULT_APP_DIR)
      // "//" or "/opt//x" are paths too; "//" is / itself, which would be emptied to "" below.
      .transform((d) => d.replace(/\/{2,}/g, "/"))
      .refine((d) => {
        try {
          return assertAppDir(d) !== "";
        } catch {
          return false;
        }
      }, "must be an absolute path other than / of letters, digits, '.', '_', '-', '/'"),
    envFile: z.string().min(1).default(".env.production"),
    keepReleases: z.number().int().min(2).max(50).default(5),
    healthTimeout: z.number().int().min(5).max(3600).default(90),
    /** Off unless set: /health on this host port for an external monitor (docs/DEPLOYMENT.md). */
    publishHealth: z
      .object({
        port: z.number().int().min(1).max(65535),
        /** The server's address to bind: every IPv4 interface unless one is named. */
        address: z.ipv4({ error: "must be an IPv4 address (0.0.0.0: every interface)" }).default("0.0.0.0"),
      })
      .strict()
      .optional(),
    backup: z
      .object({
        beforeDeploy: z.boolean().default(true),
        /** The timer's period. */
        everyHours: z
          .number()
          .int()
          .refine((h) => (BACKUP_EVERY_HOURS as readonly number[]).includes(h), {
            message: `must be one of ${BACKUP_EVERY_HOURS.join(", ")} (hours that divide a day)`,
          })
          .default(BACKUP_EVERY_HOURS_DEFAULT),
        /** Before the day/week/month scheme: the days of backups kept; now the daily window. */
        keepDays: z.number().int().min(1).max(365).optional(),
        keep: z
          .object({
            allDays: z.number().int().min(0).max(365).default(BACKUP_KEEP_DEFAULTS.allDays),
            daily: z.number().int().min(0).max(3650).default(BACKUP_KEEP_DEFAULTS.daily),
            weekly: z.number().int().min(0).max(520).default(BACKUP_KEEP_DEFAULTS.weekly),
            monthly: z.number().int().min(0).max(1200).default(BACKUP_KEEP_DEFAULTS.monthly),
          })
          .strict()
          .optional(),
        /** Encrypted copies: no recipient, no copy (nothing leaves the server in plaintext). */
        offsite: z
          .object({
            recipient: z
              .string({
                error: "required (an age public key): off-site copies are encrypted, nothing leaves in plaintext",
              })
              .regex(AGE_RECIPIENT_RE, "must be an age public key (age1..., from age-keygen)"),
            destinations: z
              .array(
                z
                  .string()
                  .regex(OFFSITE_DEST_RE, "must be [user@]host[:port]:/absolute/path")
                  .refine((d) => !d.split("/").includes(".."), "must not contain '..'"),
              )
              .min(1),
          })
          .strict()
          .optional(),
        minFreeMb: z.number().int().min(0).default(1024),
      })
      .strict()
      .default({ beforeDeploy: true, everyHours: BACKUP_EVERY_HOURS_DEFAULT, minFreeMb: 1024 }),
  })
  .strict();

const FileSchema = z
  .object({
    targets: z.record(z.string().regex(NAME_RE, "target names are lower-case letters, digits, '-', '_'"), TargetSchema),
  })
  .strict();

export interface Target {
  name: string;
  /** What the user wrote: a host or an ~/.ssh/config alias (resolved by the SSH layer). */
  host: string;
  port?: number;
  /** undefined: from ~/.ssh/config, else "deploy". */
  user?: string;
  rootUser: string;
  identityFile?: string;
  knownHostsFile?: string;
  appDir: string;
  /** Absolute path of the env file uploaded as shared/.env. */
  envFile: string;
  /** Absolute path of the example it is checked against. */
  envExample: string;
  keepReleases: number;
  healthTimeoutSec: number;
  /** Where the opt-in /health for an external monitor is published; absent: not published. */
  publishHealth?: PublishHealth;
  backup: TargetBackup;
  /** "sandbox" or the file it came from. */
  source: string;
  sandbox?: SandboxTarget;
}

export interface TargetBackup {
  beforeDeploy: boolean;
  everyHours: number;
  keep: BackupKeep;
  offsite?: BackupOffsite;
  minFreeMb: number;
}

export const DEFAULT_TARGET_BACKUP: TargetBackup = {
  beforeDeploy: true,
  everyHours: BACKUP_EVERY_HOURS_DEFAULT,
  keep: BACKUP_KEEP_DEFAULTS,
  minFreeMb: 1024,
};

function issueLine(file: string, error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return `${file}: invalid`;
  const path = first.path.map(String).join(".") || "(top level)";
  let msg = first.message;
  if (first.code === "unrecognized_keys") msg = `unknown field(s) ${first.keys.join(", ")}`;
  return `${file}: ${path}: ${msg}`;
}

/** The parsed targets file, or an empty map when there is none. Throws ConfigError (one line). */
export function loadTargetsFile(repoRoot: string, file = TARGETS_FILE): Map<string, Target> {
  const path = isAbsolute(file) ? file : join(repoRoot, file);
  const out = new Map<string, Target>();
  if (!existsSync(path)) return out;
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ConfigError(`${file}: not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const parsed = FileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(issueLine(file, parsed.error));
  for (const [name, t] of Object.entries(parsed.data.targets)) {
    if (name === "sandbox")
      throw new ConfigError(`${file}: targets.sandbox: the name "sandbox" is the built-in target`);
    const abs = (p: string) => (isAbsolute(p) ? p : join(repoRoot, p));
    // Read later by every command (for redaction), so a directory here would fail there with a stack trace.
    if (existsSync(abs(t.envFile)) && !statSync(abs(t.envFile)).isFile())
      throw new ConfigError(`${file}: targets.${name}.envFile: ${t.envFile} is not a file`);
    out.set(name, {
      name,
      host: t.host,
      ...(t.port !== undefined ? { port: t.port } : {}),
      ...(t.user !== undefined ? { user: t.user } : {}),
      rootUser: t.rootUser,
      ...(t.identityFile !== undefined ? { identityFile: t.identityFile } : {}),
      ...(t.knownHostsFile !== undefined ? { knownHostsFile: abs(t.knownHostsFile) } : {}),
      appDir: assertAppDir(t.appDir),
      envFile: abs(t.envFile),
      envExample: join(repoRoot, ".env.production.example"),
      keepReleases: t.keepReleases,
      healthTimeoutSec: t.healthTimeout,
      ...(t.publishHealth ? { publishHealth: t.publishHealth } : {}),
      backup: {
        beforeDeploy: t.backup.beforeDeploy,
        everyHours: t.backup.everyHours,
        // keepDays (the older setting) sets the daily window unless keep.daily says otherwise.
        keep: {
          ...BACKUP_KEEP_DEFAULTS,
          ...(t.backup.keepDays !== undefined ? { daily: t.backup.keepDays } : {}),
          ...t.backup.keep,
        },
        ...(t.backup.offsite ? { offsite: t.backup.offsite } : {}),
        minFreeMb: t.backup.minFreeMb,
      },
      source: file,
    });
  }
  return out;
}

export function sandboxAsTarget(s: SandboxTarget, repoRoot: string): Target {
  return {
    name: "sandbox",
    host: s.host,
    port: s.port,
    user: s.user,
    rootUser: s.rootUser,
    identityFile: s.identityFile,
    knownHostsFile: s.knownHostsFile,
    appDir: assertAppDir(s.appDir),
    envFile: s.envFile,
    envExample: join(repoRoot, ".env.production.example"),
    keepReleases: 5,
    healthTimeoutSec: 90,
    backup: { ...DEFAULT_TARGET_BACKUP, minFreeMb: 256 },
    source: "sandbox",
    sandbox: s,
  };
}

export interface TargetSources {
  repoRoot: string;
  file?: string;
  /** The built-in sandbox target (default: its data file in the deployer's checkout). */
  sandbox?: () => SandboxTarget | undefined;
}

export function listTargets(src: TargetSources): Target[] {
  const file = loadTargetsFile(src.repoRoot, src.file);
  const sb = (src.sandbox ?? readSandboxTarget)();
  const all = [...file.values()];
  if (sb) all.push(sandboxAsTarget(sb, src.repoRoot));
  return all;
}

export function resolveTarget(name: string | undefined, src: TargetSources): Target {
  if (!name) throw new ConfigError("--target is required (a name from deploy.targets.yml, or sandbox)");
  if (!NAME_RE.test(name)) throw new ConfigError(`--target: ${JSON.stringify(name)} is not a target name`);
  if (name === "sandbox") {
    const sb = (src.sandbox ?? readSandboxTarget)();
    if (!sb) throw new ConfigError("target sandbox: no sandbox is up (run `npm run sandbox -- up`)");
    return sandboxAsTarget(sb, src.repoRoot);
  }
  const file = loadTargetsFile(src.repoRoot, src.file);
  const t = file.get(name);
  if (!t) {
    const names = [...file.keys(), "sandbox"].join(", ");
    throw new ConfigError(
      `unknown target ${JSON.stringify(name)} (known: ${names}; targets live in ${src.file ?? TARGETS_FILE})`,
    );
  }
  return t;
}
