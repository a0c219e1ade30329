/**
 * The other tasks as plans, pure like deployPlan: a manual backup, a restore, and provision. Each is
 * run by runner.ts with the lock, history and unlock steps where the server has a place for them.
 */
import * as backup from "../commands/backup.js";
import * as bots from "../commands/bot-containers.js";
import * as history from "../commands/history.js";
import type { Layout } from "../commands/layout.js";
import * as lockCmd from "../commands/lock.js";
import * as prov from "../commands/provision.js";
import type { BackupKeep, BackupOffsite } from "../stack/contract.js";
import { run, type Command, type Values } from "./actions.js";
import { StepError, type UnitFile } from "./context.js";
import * as judge from "./judges.js";
import { finalSteps, HISTORY_ENTRY, waitServing } from "./plan.js";
import { parseFacts, preflight, type MachineFacts, type SwapRequest } from "./server-facts.js";
import type { Step, TaskPlan } from "./steps.js";
import { unitSteps } from "./unit-steps.js";

export interface TaskRequest {
  by: string;
  /** ISO time of the run (lock). */
  at: string;
  pid: number;
  now: () => number;
}

function lockStep(l: Layout, req: TaskRequest, action: string, tag: string): Step {
  const info: lockCmd.LockInfo = { by: req.by, at: req.at, action, tag, pid: req.pid };
  return {
    id: "lock",
    title: "Take the deploy lock",
    actions: [run(lockCmd.acquire(l, info), { quiet: true, judge: judge.lockTaken(req.now) })],
  };
}

export function backupPlan(
  l: Layout,
  currentDir: string,
  minFreeMb: number,
  req: TaskRequest,
  keep?: BackupKeep,
  offsite?: BackupOffsite,
): TaskPlan {
  return {
    task: "backup",
    action: "backup",
    steps: [
      lockStep(l, req, "backup", "manual"),
      {
        id: "backup",
        title: "Back up the database",
        actions: [
          run(
            backup.create(currentDir, l, {
              label: "manual",
              minFreeMb,
              ...(keep ? { keep } : {}),
              ...(offsite ? { offsite } : {}),
            }),
            {
              timeoutMs: 15 * 60_000,
              judge: judge.backupTaken,
            },
          ),
        ],
      },
      ...finalSteps(l),
    ],
    warnings: [],
    success: "backup written",
  };
}

/** `backup drill`: a restore drill now (drill.sh), under the lock so no deploy swaps the release meanwhile. */
export function drillPlan(l: Layout, currentDir: string, req: TaskRequest): TaskPlan {
  return {
    task: "backup drill",
    action: "backup",
    steps: [
      lockStep(l, req, "drill", "drill"),
      {
        id: "drill",
        title: "Restore the newest backup into a scratch database and compare row counts",
        actions: [run(backup.drill(currentDir, l), { timeoutMs: 60 * 60_000, judge: judge.drillPassed })],
      },
      ...finalSteps(l),
    ],
    warnings: [],
    success: "restore drill passed",
  };
}

export function restorePlan(
  l: Layout,
  currentDir: string,
  name: string,
  healthTimeoutSec: number,
  req: TaskRequest,
): TaskPlan {
  return {
    task: `restore ${name}`,
    action: "restore",
    steps: [
      lockStep(l, req, "restore", name),
      {
        id: "restore",
        title: `Restore ${name} (safety backup first, bot stopped meanwhile)`,
        actions: [
          run(backup.restore(currentDir, l, name, healthTimeoutSec), { timeoutMs: 30 * 60_000, judge: judge.restored }),
        ],
      },
      {
        id: "health",
        title: "Wait for the bot to be healthy",
        actions: [
          run(bots.ids(), { quiet: true, judge: judge.onlyContainer("bot") }),
          waitServing(bots.RUNNING_BOT, healthTimeoutSec * 1000, "the bot serves again"),
        ],
      },
      ...finalSteps(l),
    ],
    warnings: [],
    success: `restored ${name}`,
  };
}

/** What provision learns before planning (read-only): who we are, the system, what is installed. */
export interface ProvisionState {
  /** [] for root, ["sudo", "-n"] for a password-less sudoer. */
  sudo: readonly string[];
  missing: string[];
  /** /etc/os-release, parsed. */
  os: Record<string, string>;
  facts: MachineFacts;
  /** The Docker engine's version when it answers. */
  dockerVersion?: string;
}

/** What provision was asked, besides the target (the CLI's flags, the UI's questions). */
export interface ProvisionChoices {
  /** A swap file: "auto" sized by need (none when RAM is enough), or MiB. */
  swap?: SwapRequest;
  /** Password logins off, after a key login as the deploy user worked. */
  hardenSsh?: boolean;
  /** unattended-upgrades on. */
  securityUpgrades?: boolean;
}

const changes = (id: string) => (r: { code: number; stdout: string; stderr: string }) =>
  r.code !== 0
    ? { ok: false as const, error: `${id} failed (exit ${r.code})${judge.lastLine(r.stderr || r.stdout)}` }
    : {
        ok: true as const,
        note: r.stdout
          .trim()
          .split("\n")
          .filter((l) => /^(changed|ok): /.test(l))
          .join("; "),
        set: { [`changes:${id}`]: String(prov.countChanges([r.stdout])) },
      };

export function countProvisionChanges(v: Values): number {
  let n = 0;
  for (const [k, val] of v) if (k.startsWith("changes:")) n += Number(val) || 0;
  if ((v.get("units-changed") ?? "").trim()) n++;
  return n;
}

/**
 * Preparing a server, pure from what probeProvision found: refused in one line before anything
 * changes when the system is not one we support; otherwise every step idempotent, printing
 * changed/ok, so a second run changes nothing.
 */
export function provisionPlan(
  l: Layout,
  state: ProvisionState,
  o: { user: string; publicKey: string; units?: UnitFile[] } & ProvisionChoices,
): TaskPlan {
  const sudo = state.sudo;
  const pf = preflight(state.os, state.facts, o.swap);
  if (pf.refusal || !pf.distro)
    throw new StepError(`provision refused, nothing changed: ${pf.refusal ?? "unknown system"}`);
  const distro = pf.distro;
  // Docker there (any source) without compose v2: only the plugin, so that Docker is left alone.
  const composeOnly = state.missing.length === 1 && state.missing[0] === "compose v2";
  const steps: Step[] = [
    {
      id: "preflight",
      title: "Preflight: system, architecture, memory, disk, systemd, cgroups",
      actions: [
        // The refusals were judged from the probe's answers, before anything changed; asked again
        // here so that the run's log shows the machine as found.
        run(prov.facts(), {
          quiet: true,
          judge: (r) =>
            r.code === 0
              ? { ok: true, note: preflight(state.os, parseFacts(r.stdout), o.swap).summary }
              : { ok: false, error: `cannot read the server's facts${judge.lastLine(r.stderr)}` },
        }),
      ],
    },
    {
      id: "swap",
      title: "mb" in pf.swap ? `Swap file ${prov.SWAP_FILE} of ${pf.swap.mb} MiB` : "Swap file",
      ...("skip" in pf.swap ? { skip: pf.swap.skip } : {}),
      actions: "mb" in pf.swap ? [run(prov.ensureSwap(pf.swap.mb, sudo), { judge: changes("swap") })] : [],
    },
    {
      id: "clock",
      title: "Time synchronisation (chrony or systemd-timesyncd)",
      actions: [run(prov.ensureClock(sudo), { timeoutMs: 5 * 60_000, judge: changes("clock") })],
    },
    {
      id: "docker",
      title: composeOnly
        ? `Install compose v2 (the plugin alone, beside the Docker there) from Docker's apt repository (${distro.dist} ${distro.codename})`
        : state.missing.length
          ? `Install ${state.missing.join(" and ")} from Docker's apt repository (${distro.dist} ${distro.codename})`
          : "Docker and compose v2",
      ...(state.missing.length
        ? {}
        : {
            skip: `Docker${state.dockerVersion ? ` ${state.dockerVersion}` : ""} and compose v2 present (whatever their source): left alone`,
          }),
      actions: [
        run(prov.installDocker(distro.dist, distro.codename, sudo, { composeOnly }), { timeoutMs: 15 * 60_000 }),
        run(prov.hasDocker(), { judge: judge.exitZero("Docker was installed but is still not usable") }),
        run(prov.hasCompose(), { judge: judge.exitZero("compose v2 was installed but is still not usable") }),
      ],
    },
    {
      id: "upgrades",
      title: "Unattended security upgrades",
      ...(o.securityUpgrades ? {} : { skip: "not asked (--security-upgrades)" }),
      actions: o.securityUpgrades
        ? [run(prov.ensureUpgrades(sudo), { timeoutMs: 10 * 60_000, judge: changes("upgrades") })]
        : [],
    },
    {
      id: "age",
      title: "age, which encrypts the backups' off-site copies",
      actions: [run(prov.ensureAge(sudo), { timeoutMs: 5 * 60_000, judge: changes("age") })],
    },
    {
      id: "user",
      title: `Deploy user ${o.user} in the docker group`,
      actions: [run(prov.ensureUser(o.user, sudo), { judge: changes("user") })],
    },
    {
      id: "key",
      title: "Authorise the workstation's public key",
      actions: [run(prov.authorizeKey(o.user, o.publicKey, sudo), { judge: changes("key") })],
    },
    {
      id: "layout",
      title: `App layout under ${l.appDir}`,
      actions: prov
        .layoutDirs(l)
        .map((d) => run(prov.ensureDir(d, o.user, sudo), { judge: changes(`layout ${d.path}`) })),
    },
    ...unitSteps(l, o.units, { asRoot: true, sudo, deployUser: o.user }),
    {
      id: "ssh",
      title: `Password logins off, after a key login as ${o.user} works`,
      ...(o.hardenSsh ? {} : { skip: "not asked (--harden-ssh)" }),
      actions: o.hardenSsh
        ? [
            run(prov.whoami(), {
              login: o.user,
              judge: (r) =>
                r.code === 0 && r.stdout.trim() === o.user
                  ? { ok: true, note: `key login as ${o.user} works` }
                  : {
                      ok: false,
                      error: `the key login as ${o.user} did not answer as ${o.user}${judge.lastLine(r.stderr || r.stdout)}; password logins left on`,
                    },
            }),
            run(prov.hardenSsh(sudo), { judge: changes("ssh") }),
          ]
        : [],
    },
    // Provision holds no lock (the app dir may not exist before it): history is written as the
    // deploy user, so the file stays theirs.
    {
      id: "history",
      title: "Record history",
      final: true,
      actions: [
        run(asUser(sudo, o.user, history.appendLine(l, HISTORY_ENTRY)), {
          quiet: true,
          what: "appending to history.jsonl",
        }),
      ],
    },
  ];
  return {
    task: "provision",
    action: "provision",
    steps,
    warnings: [
      ...pf.warnings,
      ...(state.missing.length
        ? [
            `${state.missing.join(" and ")} missing: provision installs them from download.docker.com/linux/${distro.dist}`,
          ]
        : []),
    ],
    figures: (v) => ({ changes: String(countProvisionChanges(v)) }),
    success: (v) => {
      const n = countProvisionChanges(v);
      return n === 0
        ? "provision: nothing changed (the server was already prepared)"
        : `provision: ${n} change(s) made`;
    },
  };
}

/** Runs a command as the deploy user: runuser as root (always there), sudo -u for a sudoer. */
function asUser(sudo: readonly string[], user: string, c: Command): Command {
  const prefix = sudo.length === 0 ? ["runuser", "-u", user, "--"] : [...sudo, "-u", user, "--"];
  return { argv: [...prefix, ...c.argv], script: c.script };
}
