/** Provision: prepare a server as root (or a sudoer). Idempotent: a second run says nothing changed. */
import * as prov from "../commands/provision.js";
import { layout } from "../commands/layout.js";
import { APP } from "../commands/names.js";
import { quoteArgv } from "../ssh/quote.js";
import type { Remote } from "../ssh/types.js";
import type { PlanView } from "./api.js";
import { StepError, TIMEOUTS, exec, lastLine, type EngineContext, type RenderUnits } from "./context.js";
import type { TaskResult } from "./events.js";
import { installUnits } from "./units.js";
import { findPublicKey, type SessionDeps } from "./session.js";

interface ProvisionDeps {
  target: SessionDeps["target"];
  renderUnits?: RenderUnits;
}

async function sudoPrefix(remote: Remote): Promise<readonly string[]> {
  const id = await remote.run(prov.isRoot());
  if (id.code === 0 && id.stdout.trim() === "0") return [];
  const s = await remote.run(prov.canSudo());
  if (s.code === 0) return ["sudo", "-n"];
  throw new StepError(
    `${remote.user}@${remote.host} is neither root nor a password-less sudoer: provision needs one of them`,
  );
}

async function dockerMissing(remote: Remote): Promise<string[]> {
  const missing: string[] = [];
  if ((await remote.run(prov.hasDocker())).code !== 0) missing.push("docker");
  if ((await remote.run(prov.hasCompose())).code !== 0) missing.push("compose v2");
  return missing;
}

function deployUser(deps: ProvisionDeps): string {
  return deps.target.user ?? "deploy";
}

export async function provisionPlan(remote: Remote, deps: ProvisionDeps): Promise<PlanView> {
  const sudo = await sudoPrefix(remote);
  const missing = await dockerMissing(remote);
  const user = deployUser(deps);
  const l = layout(deps.target.appDir);
  const key = findPublicKey(deps.target.identityFile);
  return {
    action: "provision",
    steps: [
      {
        id: "docker",
        title: missing.length
          ? `Install ${missing.join(" and ")} from Docker's apt repository`
          : "Docker and compose v2 present (skipped)",
        commands: missing.length
          ? prov.installDocker(sudo).map(quoteArgv)
          : [quoteArgv(prov.hasDocker()), quoteArgv(prov.hasCompose())],
      },
      {
        id: "user",
        title: `Deploy user ${user} in the docker group`,
        commands: [quoteArgv(prov.ensureUser(user, sudo))],
      },
      {
        id: "key",
        title: "Authorise the workstation's public key",
        commands: [quoteArgv(prov.authorizeKey(user, key, sudo))],
      },
      {
        id: "layout",
        title: `App layout under ${l.appDir}`,
        commands: prov.layoutDirs(l).map((d) => quoteArgv(prov.ensureDir(d, user, sudo))),
      },
      {
        id: "units",
        title: "systemd units and the backup timer (only when they differ)",
        commands: ["# compare sha256, install changed units, systemctl daemon-reload, enable; the timer with --now"],
      },
    ],
    migrationsUp: [],
    migrationsDown: [],
    warnings: missing.length
      ? [`${missing.join(" and ")} missing: provision installs them from download.docker.com`]
      : [],
  };
}

export async function runProvision(ctx: EngineContext, deps: ProvisionDeps, signal?: AbortSignal): Promise<TaskResult> {
  const now = ctx.now ?? Date.now;
  const started = now();
  const emit = ctx.sink;
  const user = deployUser(deps);
  const l = layout(deps.target.appDir);
  const steps = [
    { id: "access", title: "Check root or sudo access" },
    { id: "docker", title: "Docker and compose v2" },
    { id: "user", title: `Deploy user ${user}` },
    { id: "key", title: "Authorise the public key" },
    { id: "layout", title: `App layout under ${l.appDir}` },
    { id: "units", title: "systemd units and backup timer" },
  ];
  emit({ type: "plan", at: started, task: "provision", steps });
  let changes = 0;
  let current = "access";
  const run = async (argv: readonly string[]) => {
    const r = await exec(ctx, current, argv, { timeoutMs: TIMEOUTS.long, ...(signal ? { signal } : {}) });
    if (r.code !== 0)
      throw new StepError(`${current}: ${argv.slice(0, 4).join(" ")} failed (exit ${r.code})${lastLine(r.stderr)}`);
    changes += prov.countChanges([r.stdout]);
    return r;
  };
  let result: TaskResult;
  try {
    const step = async (id: string, fn: () => Promise<string | void>) => {
      current = id;
      if (signal?.aborted) throw new StepError("interrupted");
      emit({ type: "step-start", at: now(), stepId: id });
      const note = await fn();
      emit({ type: "step-done", at: now(), stepId: id, status: "done", ...(note ? { note } : {}) });
    };
    let sudo: readonly string[] = [];
    await step("access", async () => {
      sudo = await sudoPrefix(ctx.remote);
      return sudo.length ? "via sudo" : "root";
    });
    await step("docker", async () => {
      const missing = await dockerMissing(ctx.remote);
      if (missing.length === 0) return "present";
      for (const argv of prov.installDocker(sudo)) await run(argv);
      changes++;
      if ((await dockerMissing(ctx.remote)).length) throw new StepError("Docker was installed but is still not usable");
      return `installed ${missing.join(" and ")}`;
    });
    await step("user", async () => (await run(prov.ensureUser(user, sudo))).stdout.trim());
    const key = findPublicKey(deps.target.identityFile);
    await step("key", async () => (await run(prov.authorizeKey(user, key, sudo))).stdout.trim());
    await step("layout", async () => {
      const outs: string[] = [];
      for (const d of prov.layoutDirs(l)) outs.push((await run(prov.ensureDir(d, user, sudo))).stdout.trim());
      return `${outs.filter((o) => o.startsWith("changed")).length} changed`;
    });
    await step("units", async () => {
      if (!deps.renderUnits) return "no unit renderer in this build";
      const note = await installUnits(
        ctx,
        "units",
        deps.renderUnits({ app: APP, appDir: l.appDir, deployUser: user }),
        true,
        sudo,
      );
      if (note !== "units unchanged") changes++;
      return note;
    });
    const message =
      changes === 0
        ? "provision: nothing changed (the server was already prepared)"
        : `provision: ${changes} change(s) made`;
    result = { ok: true, exitCode: 0, message, durationMs: now() - started, figures: { changes: String(changes) } };
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0] ?? "failed";
    emit({ type: "step-failed", at: now(), stepId: current, error: msg });
    result = { ok: false, exitCode: 1, message: msg, durationMs: now() - started };
  }
  emit({ type: "summary", at: now(), result });
  return result;
}
