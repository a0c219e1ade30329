/** systemd units: installed or refreshed only when their content differs from what is there. */
import { createHash } from "node:crypto";
import * as systemd from "../commands/systemd.js";
import { APP } from "../commands/names.js";
import type { EngineContext, UnitFile } from "./context.js";
import { StepError, TIMEOUTS, exec, lastLine } from "./context.js";

export function unitsToChange(units: UnitFile[], installed: Map<string, string>): UnitFile[] {
  return units.filter((u) => installed.get(u.name) !== createHash("sha256").update(u.content).digest("hex"));
}

/**
 * asRoot: provision (root or sudoer, failures fail). Otherwise a deploy user: tries `sudo -n`;
 * without it, says the units are out of date and how to fix it, without failing the deploy.
 */
export async function installUnits(
  ctx: EngineContext,
  stepId: string,
  units: UnitFile[],
  asRoot: boolean,
  sudo: readonly string[] = [],
): Promise<string> {
  const sums = await exec(ctx, stepId, systemd.checksums(units.map((u) => u.name)), {
    quiet: true,
    timeoutMs: TIMEOUTS.short,
  });
  const changed = unitsToChange(units, systemd.parseChecksums(sums.stdout));
  if (changed.length === 0) return "units unchanged";
  const prefix: readonly string[] = asRoot ? sudo : ctx.remote.user === "root" ? [] : ["sudo", "-n"];
  if (!asRoot && prefix.length > 0) {
    const can = await exec(ctx, stepId, ["sudo", "-n", "true"], { quiet: true, timeoutMs: TIMEOUTS.short });
    if (can.code !== 0) {
      const msg = `systemd units differ from this release's (${changed.map((u) => u.name).join(", ")}); run \`provision\` to refresh them`;
      ctx.sink({ type: "warning", at: Date.now(), message: msg });
      return "units differ (provision refreshes them)";
    }
  }
  for (const u of changed) {
    const tmp = `/tmp/${APP}-unit-${process.pid}-${u.name}`;
    await ctx.remote.upload({ data: u.content }, tmp, { mode: 0o644 });
    const r = await exec(ctx, stepId, systemd.installFrom(tmp, u.name, prefix), { timeoutMs: TIMEOUTS.short });
    await exec(ctx, stepId, ["rm", "-f", "--", tmp], { quiet: true, timeoutMs: TIMEOUTS.short });
    if (r.code !== 0) throw new StepError(`installing ${u.name} failed${lastLine(r.stderr)}`);
  }
  const reload = await exec(ctx, stepId, systemd.daemonReload(prefix), { timeoutMs: TIMEOUTS.short });
  if (reload.code !== 0) throw new StepError(`systemctl daemon-reload failed${lastLine(reload.stderr)}`);
  const names = units.map((u) => u.name);
  const service = names.filter((n) => n.endsWith(".service") && !names.includes(n.replace(/\.service$/, ".timer")));
  const timers = names.filter((n) => n.endsWith(".timer"));
  if (service.length) await mustOk(ctx, stepId, systemd.enable(service, prefix), "systemctl enable");
  if (timers.length) await mustOk(ctx, stepId, systemd.enableNow(timers, prefix), "systemctl enable --now");
  return `${changed.length} unit(s) installed: ${changed.map((u) => u.name).join(", ")}`;
}

async function mustOk(ctx: EngineContext, stepId: string, argv: readonly string[], what: string): Promise<void> {
  const r = await exec(ctx, stepId, argv, { timeoutMs: TIMEOUTS.short });
  if (r.code !== 0) throw new StepError(`${what} failed${lastLine(r.stderr)}`);
}
