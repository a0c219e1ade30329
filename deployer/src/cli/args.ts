/** Command-line parsing: pure, so every usage error and its exit code is tested without a server. */
import { parseArgs } from "node:util";
import { tagProblem } from "../commands/names.js";
import { backupNameProblem } from "../stack/contract.js";
import type { ProvisionOptions } from "../engine/api.js";

export type Command =
  | { name: "help"; topic?: string }
  | {
      name: "deploy";
      target: string;
      tag: string;
      yes: boolean;
      json: boolean;
      healthTimeoutSec?: number;
      stopFirst?: boolean;
      noRollback?: boolean;
    }
  | {
      name: "rollback";
      target: string;
      tag: string;
      yes: boolean;
      json: boolean;
      healthTimeoutSec?: number;
      stopFirst?: boolean;
      noRollback?: boolean;
    }
  | {
      name: "plan";
      action: "deploy" | "rollback" | "provision";
      target: string;
      tag?: string;
      json: boolean;
      stopFirst?: boolean;
      noRollback?: boolean;
      /** plan provision: the same choices as provision. */
      provision?: ProvisionOptions;
    }
  | { name: "releases"; target: string; json: boolean }
  | { name: "status"; target: string; json: boolean }
  | { name: "logs"; target: string; service: "bot" | "postgres"; follow: boolean; tail?: number; since?: string }
  | {
      name: "backup";
      action: "create" | "list" | "pull" | "restore" | "drill";
      target: string;
      backup?: string;
      output?: string;
      /** restore: a local folder or an off-site [user@]host[:port]:/path (engine/restore-source.ts). */
      from?: string;
      /** restore: the age identity file for an encrypted copy, used on this machine for this run. */
      identity?: string;
      yes: boolean;
      json: boolean;
    }
  | { name: "provision"; target: string; yes: boolean; json: boolean; options: ProvisionOptions }
  | { name: "unlock"; target: string; yes: boolean };

export interface Parsed {
  command: Command;
  acceptHostKey?: string;
}

export class UsageError extends Error {}

export const USAGE: Record<string, string> = {
  main: `Usage: npm run deployer -- <command> [options]

Commands:
  deploy    --target T --tag TAG [--yes] [--health-timeout S] [--stop-first] [--no-rollback]   deploy a git tag
  rollback  --target T --to TAG [--yes] [--health-timeout S] [--stop-first] [--no-rollback]    go back to a release (or deploy an older tag)
  plan      deploy|rollback|provision --target T [--tag TAG | --to TAG] [--stop-first] [--no-rollback] [provision's options] [--json]
                                                    print the steps and exact remote commands; changes nothing
  releases  --target T [--json]                     releases on the server, newest first
  status    --target T [--json]                     containers, current release, disk, backups
  logs      --target T [--service bot|postgres] [--follow] [--tail N] [--since D]
  backup    create|list|pull NAME|restore NAME|drill --target T [--yes] [--json] [--output PATH]
  provision --target T [--yes] [--swap auto|SIZE] [--harden-ssh] [--security-upgrades]
                                                    prepare a server (as root or a sudoer)
  unlock    --target T [--yes]                      remove a deploy lock left behind

Common options: --accept-host-key SHA256:...  trust this unknown host key (checked, then recorded)
                --help                        help for a command
With no command on a terminal, the terminal UI opens.
Exit codes: 0 done; 1 failed; 2 usage or configuration error; 3 lock held; 4 health gate failed: nothing changed for
users, or the previous release restored.
Targets: deploy.targets.yml at the repo root (see deploy.targets.example.yml), or the built-in "sandbox".`,
  deploy: `Usage: npm run deployer -- deploy --target T --tag TAG [--yes] [--json] [--health-timeout S]

Deploys the git tag TAG: local checks, upload, build on the server (backup meanwhile),
migrations, then the new bot starts as a standby beside the running one and is gated while the
old one still serves; the old one steps down and the new one takes over polling (the handover).
A standby that fails its gate is removed: nothing changed for users (exit 4). Then units,
history, prune. A running release from before the polling lease is replaced stop-first, once
(\`plan\` says which way it goes). --stop-first replaces the bot the old way (stop, then start),
e.g. for a migration the old release cannot live with. --no-rollback leaves a release that failed
its gate as it is, to look at (a standby keeps restarting beside the serving bot; stop-first, the
bot stays down): for debugging only; \`rollback\` or a new deploy ends it. --yes is required when
stdin is not a terminal. --health-timeout overrides the target's healthTimeout (seconds, 5 to 3600)
for this run.`,
  rollback: `Usage: npm run deployer -- rollback --target T --to TAG [--yes] [--json] [--health-timeout S]

Goes back to TAG: a release on the server starts from its kept image (no rebuild); a tag that is
not on the server is deployed. Migrations the database has and TAG does not know are reverted
first, with the current image, after a backup (\`plan rollback\` lists them).`,
  plan: `Usage: npm run deployer -- plan deploy --target T --tag TAG [--stop-first] [--json]
       npm run deployer -- plan rollback --target T --to TAG [--stop-first] [--json]
       npm run deployer -- plan provision --target T [--swap auto|SIZE] [--harden-ssh] [--security-upgrades] [--json]

Prints the steps and exactly what they run: each remote command as it is sent, uploads and waits as
# lines, a value only the server can tell as ‹what it is› (e.g. ‹the new bot container, found at
run time›). Reads the server, changes nothing.`,
  releases: `Usage: npm run deployer -- releases --target T [--json]

Releases on the server, newest first: tag, commit, deployed at, by, result, current, image kept.`,
  status: `Usage: npm run deployer -- status --target T [--json]

Containers (state, health, uptime, restarts, memory), current release, disk free, last backup,
next backup, the lock when held.`,
  logs: `Usage: npm run deployer -- logs --target T [--service bot|postgres] [--follow] [--tail N] [--since D]

docker compose logs --timestamps of the service (default bot). With --follow it streams until
Ctrl+C, which ends the remote process too. --since takes what docker does: 10m, 2h, an RFC 3339 time.`,
  backup: `Usage: npm run deployer -- backup create --target T
       npm run deployer -- backup list --target T [--json]
       npm run deployer -- backup pull NAME --target T [--output PATH]
       npm run deployer -- backup restore NAME --target T [--yes]
       npm run deployer -- backup drill --target T
       npm run deployer -- backup restore NAME --from DIR|[user@]host[:port]:/path [--identity KEY] --target T [--yes]

Backups live in <appDir>/backups on the server (pg_dump -Fc, 0600). restore takes a safety
backup first, stops the bot, restores in one transaction and waits for the bot to be healthy.
--from takes NAME (or NAME.age) from a folder here or from an off-site copy over SSH (as this
machine reaches it); an encrypted copy is decrypted here with the age identity --identity KEY,
used for this run only and never sent. The sha256 beside the file is checked first.
drill restores the newest backup into a scratch database on the server, compares the row count of
every table with the dump's snapshot and drops it (the weekly <app>-drill.timer does the same);
\`status\` shows the last result.`,
  provision: `Usage: npm run deployer -- provision --target T [--yes] [--swap auto|SIZE] [--harden-ssh]
                                      [--security-upgrades]

As root (or a password-less sudoer; the target's rootUser), on Debian 11, 12, 13 or Ubuntu 22.04,
24.04 (amd64, arm64; anything else is refused before anything changes): a preflight (system,
architecture, RAM, disk, systemd, cgroups), time synchronisation on (chrony or systemd-timesyncd),
Docker and compose v2 (from Docker's apt repository when missing; an installed one is left alone),
the deploy user in the docker group with your public key, the app layout (shared/ and backups/
0700) and the systemd units and backup timer. Idempotent: a second run changes nothing and says so.

  --swap auto|SIZE     a swap file /swapfile: auto sizes it so that RAM + swap covers the stack's
                       limits (none when RAM is enough); SIZE like 1G or 1536M (256M to 16G)
  --harden-ssh         password logins off, only after a key login as the deploy user worked
  --security-upgrades  unattended-upgrades on (the distribution's security updates, daily)`,
  unlock: `Usage: npm run deployer -- unlock --target T [--yes]

Removes the deploy lock (after a lost connection). Make sure no deploy is running.`,
};

export function parseCli(argv: string[]): Parsed {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help")
    return { command: { name: "help", ...(rest[0] ? { topic: rest[0] } : {}) } };
  if (!(name in USAGE) || name === "main") throw new UsageError(`unknown command ${JSON.stringify(name)} (see --help)`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        target: { type: "string" },
        tag: { type: "string" },
        to: { type: "string" },
        yes: { type: "boolean", short: "y" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        service: { type: "string" },
        follow: { type: "boolean", short: "f" },
        tail: { type: "string" },
        since: { type: "string" },
        output: { type: "string", short: "o" },
        "accept-host-key": { type: "string" },
        "health-timeout": { type: "string" },
        "stop-first": { type: "boolean" },
        "no-rollback": { type: "boolean" },
        swap: { type: "string" },
        "harden-ssh": { type: "boolean" },
        "security-upgrades": { type: "boolean" },
        from: { type: "string" },
        identity: { type: "string" },
      },
    });
  } catch (e) {
    throw new UsageError(`${name}: ${(e as Error).message.split("\n")[0]}`);
  }
  const v = parsed.values;
  const pos = parsed.positionals;
  if (v.help) return { command: { name: "help", topic: name } };
  const extra = { ...(v["accept-host-key"] ? { acceptHostKey: v["accept-host-key"] } : {}) };
  if (extra.acceptHostKey && !/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(extra.acceptHostKey))
    throw new UsageError("--accept-host-key wants a fingerprint like SHA256:abc... (43 base64 characters)");
  const target = v.target;
  if (!target) throw new UsageError(`${name}: --target is required (see \`${name} --help\`)`);
  const json = v.json ?? false;
  const yes = v.yes ?? false;
  const need = (value: string | undefined, flag: string): string => {
    if (!value) throw new UsageError(`${name}: ${flag} is required (see \`${name} --help\`)`);
    const problem = tagProblem(value);
    if (problem) throw new UsageError(`${name}: ${flag}: ${problem}`);
    return value;
  };
  const noPositionals = (n = 0) => {
    if (pos.length > n) throw new UsageError(`${name}: unexpected argument ${JSON.stringify(pos[n])}`);
  };
  const ht = v["health-timeout"];
  if (ht !== undefined && name !== "deploy" && name !== "rollback")
    throw new UsageError(`${name}: --health-timeout is for deploy and rollback`);
  if (ht !== undefined && (!/^\d{1,4}$/.test(ht) || Number(ht) < 5 || Number(ht) > 3600))
    throw new UsageError(`${name}: --health-timeout wants seconds, 5 to 3600`);
  const health = ht !== undefined ? { healthTimeoutSec: Number(ht) } : {};
  for (const flag of ["stop-first", "no-rollback"] as const)
    if (v[flag] && name !== "deploy" && name !== "rollback" && !(name === "plan" && pos[0] !== "provision"))
      throw new UsageError(`${name}: --${flag} is for deploy and rollback`);
  const choices = {
    ...(v["stop-first"] ? { stopFirst: true } : {}),
    ...(v["no-rollback"] ? { noRollback: true } : {}),
  };
  const forProvision = name === "provision" || (name === "plan" && pos[0] === "provision");
  for (const flag of ["swap", "harden-ssh", "security-upgrades"] as const)
    if (v[flag] !== undefined && !forProvision) throw new UsageError(`${name}: --${flag} is for provision`);
  const provision: ProvisionOptions = {
    ...(v.swap !== undefined ? { swap: parseSwap(v.swap) } : {}),
    ...(v["harden-ssh"] ? { hardenSsh: true } : {}),
    ...(v["security-upgrades"] ? { securityUpgrades: true } : {}),
  };
  let command: Command;
  switch (name) {
    case "deploy":
      noPositionals();
      command = { name, target, tag: need(v.tag, "--tag"), yes, json, ...health, ...choices };
      break;
    case "rollback":
      noPositionals();
      command = { name, target, tag: need(v.to ?? v.tag, "--to"), yes, json, ...health, ...choices };
      break;
    case "plan": {
      const action = pos[0];
      if (action !== "deploy" && action !== "rollback" && action !== "provision")
        throw new UsageError("plan: say what to plan: plan deploy|rollback|provision (see `plan --help`)");
      noPositionals(1);
      command =
        action === "provision"
          ? { name, action, target, json, provision }
          : {
              name,
              action,
              target,
              tag: need(action === "deploy" ? v.tag : (v.to ?? v.tag), action === "deploy" ? "--tag" : "--to"),
              json,
              ...choices,
            };
      break;
    }
    case "releases":
    case "status":
      noPositionals();
      command = { name, target, json };
      break;
    case "logs": {
      noPositionals();
      const service = v.service ?? "bot";
      if (service !== "bot" && service !== "postgres") throw new UsageError("logs: --service is bot or postgres");
      let tail: number | undefined;
      if (v.tail !== undefined) {
        if (!/^\d{1,7}$/.test(v.tail)) throw new UsageError("logs: --tail wants a number of lines");
        tail = Number(v.tail);
      }
      if (v.since !== undefined && !/^[0-9A-Za-z:.+-]{1,40}$/.test(v.since))
        throw new UsageError("logs: --since wants 10m, 2h or an RFC 3339 time");
      command = {
        name,
        target,
        service,
        follow: v.follow ?? false,
        ...(tail !== undefined ? { tail } : {}),
        ...(v.since ? { since: v.since } : {}),
      };
      break;
    }
    case "backup": {
      const action = pos[0];
      if (action !== "create" && action !== "list" && action !== "pull" && action !== "restore" && action !== "drill")
        throw new UsageError("backup: say create, list, pull NAME, restore NAME or drill (see `backup --help`)");
      const needsName = action === "pull" || action === "restore";
      if (needsName && !pos[1]) throw new UsageError(`backup ${action}: which backup? (names from \`backup list\`)`);
      // Before connecting, and before a prompt would show it: a name is one safe path segment.
      const nameProblem = needsName && pos[1] ? backupNameProblem(pos[1]) : undefined;
      if (nameProblem) throw new UsageError(`backup ${action}: ${nameProblem}`);
      noPositionals(needsName ? 2 : 1);
      command = {
        name,
        action,
        target,
        yes,
        json,
        ...(pos[1] ? { backup: pos[1] } : {}),
        ...(v.output ? { output: v.output } : {}),
        ...(action === "restore" && v.from ? { from: v.from } : {}),
        ...(action === "restore" && v.identity ? { identity: v.identity } : {}),
      };
      if ((v.from || v.identity) && action !== "restore")
        throw new UsageError(`backup ${action}: --from and --identity are for restore only`);
      break;
    }
    case "provision":
      noPositionals();
      command = { name, target, yes, json, options: provision };
      break;
    case "unlock":
      noPositionals();
      command = { name, target, yes };
      break;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  }
  return { command, ...extra };
}

/** --swap: "auto", or a size (256M to 16G) in MiB. */
function parseSwap(value: string): "auto" | number {
  if (value === "auto") return "auto";
  const m = /^(\d{1,5})([MG])$/i.exec(value);
  const mib = m ? Number(m[1]) * (m[2]!.toUpperCase() === "G" ? 1024 : 1) : NaN;
  if (!(mib >= 256 && mib <= 16 * 1024))
    throw new UsageError(
      `provision: --swap wants auto or a size from 256M to 16G, like 1G or 1536M, not ${JSON.stringify(value)}`,
    );
  return mib;
}

/** Commands that change the server and need --yes when nobody can be asked. */
export function isDestructive(c: Command): boolean {
  return (
    c.name === "deploy" ||
    c.name === "rollback" ||
    c.name === "provision" ||
    c.name === "unlock" ||
    (c.name === "backup" && c.action === "restore")
  );
}
