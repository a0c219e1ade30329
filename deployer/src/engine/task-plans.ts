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
import { run, type Action, type Command, type Values } from "./actions.js";
import type { UnitFile } from "./context.js";
import * as judge from "./judges.js";
import { finalSteps, HISTORY_ENTRY, waitServing } from "./plan.js";
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

/** What provision learns before planning (read-only): who we are and what is installed. */
export interface ProvisionState {
  /** [] for root, ["sudo", "-n"] for a password-less sudoer. */
  sudo: readonly string[];
  missing: string[];
}

const changes = (id: string) => (r: { code: number; stdout: string; stderr: string }) =>
  r.code !== 0
    ? { ok: false as const, error: `${id} failed (exit ${r.code})${judge.lastLine(r.stderr || r.stdout)}` }
    : {
        ok: true as const,
        note: r.stdout.trim().split("\n").filter(Boolean).join("; "),
        set: { [`changes:${id}`]: String(prov.countChanges([r.stdout])) },
      };

export function countProvisionChanges(v: Values): number {
  let n = 0;
  for (const [k, val] of v) if (k.startsWith("changes:")) n += Number(val) || 0;
  if ((v.get("units-changed") ?? "").trim()) n++;
  return n;
}

export function provisionPlan(
  l: Layout,
  state: ProvisionState,
  o: { user: string; publicKey: string; units?: UnitFile[] },
): TaskPlan {
  const sudo = state.sudo;
  const installs: Action[] = [run(prov.installDocker(sudo), { timeoutMs: 15 * 60_000 })];
  const steps: Step[] = [
    {
      id: "docker",
      title: state.missing.length
        ? `Install ${state.missing.join(" and ")} from Docker's apt repository`
        : "Docker and compose v2",
      ...(state.missing.length ? {} : { skip: "present" }),
      actions: [
        ...installs,
        run(prov.hasDocker(), { judge: judge.exitZero("Docker was installed but is still not usable") }),
        run(prov.hasCompose(), { judge: judge.exitZero("compose v2 was installed but is still not usable") }),
      ],
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
    warnings: state.missing.length
      ? [`${state.missing.join(" and ")} missing: provision installs them from download.docker.com`]
      : [],
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
