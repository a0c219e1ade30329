/**
 * Pure judges of what the server answered: each turns a command's result (and the values known so
 * far) into a verdict. No I/O here; the runner calls them, the tests call them with canned output.
 */
import * as checks from "../commands/checks.js";
import * as lockCmd from "../commands/lock.js";
import * as migrate from "../commands/migrate.js";
import * as backup from "../commands/backup.js";
import * as systemd from "../commands/systemd.js";
import { BACKUP_EXIT, DRILL_EXIT, LOCK_HELD, RELEASE_INSTALL_EXIT, RESTORE_EXIT } from "../stack/contract.js";
import { formatBytes } from "../format.js";
import { sanitizeLine } from "../ssh/sanitize.js";
import type { RunResult } from "../ssh/types.js";
import type { Values, Verdict, WaitVerdict } from "./actions.js";

/** ": <the last line a command printed>" for an error line, sanitised (it may come from raw stdout). */
export function lastLine(text: string): string {
  const l = text.trim().split("\n").filter(Boolean).at(-1);
  return l ? `: ${sanitizeLine(l, { colours: false }).slice(0, 300)}` : "";
}

/** Exit 0 or the step fails with `what` and the last line the command printed. */
export const exitZero =
  (what: string, exitCode: 1 | 4 = 1) =>
  (r: RunResult): Verdict =>
    r.code === 0
      ? { ok: true }
      : { ok: false, error: `${what} failed (exit ${r.code})${lastLine(r.stderr || r.stdout)}`, exitCode };

export const check =
  (c: checks.Check, minFreeMb: number) =>
  (r: RunResult): Verdict => {
    if (c.id === "clock") {
      const clock = r.code === 0 ? checks.parseClock(r.stdout) : undefined;
      const warn = checks.clockWarning(clock);
      return { ok: true, note: clock ? `clock ${checks.describeClock(clock)}` : c.failure, ...(warn ? { warn } : {}) };
    }
    if (r.code !== 0) return { ok: false, error: c.failure };
    if (c.id === "compose" && !checks.composeIsV2(r.stdout))
      return { ok: false, error: `compose ${r.stdout.trim()} is not v2` };
    if (c.id === "disk") {
      const low = checks.lowDisk(r.stdout, minFreeMb);
      if (low) return { ok: false, error: low };
      return {
        ok: true,
        note: `${c.what} ok`,
        figures: { "disk free": formatBytes((checks.parseDfKb(r.stdout) ?? 0) * 1024) },
      };
    }
    return { ok: true, note: `${c.what} ok` };
  };

export const lockTaken =
  (now: () => number) =>
  (r: RunResult): Verdict => {
    if (r.code === LOCK_HELD)
      return { ok: false, error: lockCmd.describeLock(lockCmd.parseLockInfo(r.stdout), now()), exitCode: 3 };
    if (r.code !== 0) return { ok: false, error: `cannot take the lock${lastLine(r.stderr)}` };
    return { ok: true };
  };

export const installed = (r: RunResult): Verdict =>
  r.code === 0
    ? { ok: true, note: r.stdout.trim().split("\n").at(-1) ?? "installed" }
    : {
        ok: false,
        error: `${RELEASE_INSTALL_EXIT[r.code] ?? `installing the release failed (exit ${r.code})`}${lastLine(r.stderr)}`,
      };

export const built =
  (image: string) =>
  (r: RunResult): Verdict =>
    r.code === 0
      ? { ok: true }
      : {
          ok: false,
          error: `the build of ${image} failed (exit ${r.code})${lastLine(r.stderr || r.stdout)}; nothing changed on the server, the old release keeps running`,
        };

export const imageSize = (r: RunResult): Verdict => {
  const n = Number(r.stdout.trim());
  return r.code === 0 && Number.isFinite(n)
    ? { ok: true, note: formatBytes(n), figures: { "image size": formatBytes(n) } }
    : { ok: true };
};

export const backupTaken = (r: RunResult): Verdict => {
  if (r.code !== 0)
    return { ok: false, error: `${BACKUP_EXIT[r.code] ?? `backup.sh exit ${r.code}`}${lastLine(r.stderr)}` };
  const name = backup.parseCreated(r.stdout);
  // The backup stands when its off-site copy fails (offsite.sh retries next run): said, not fatal.
  const offsite = r.stderr
    .split("\n")
    .find((l) => /^offsite\.sh: (error|warning): /.test(l))
    ?.replace(/^offsite\.sh: (error|warning): /, "");
  const warn = offsite ? { warn: `off-site copy: ${offsite}` } : {};
  return name
    ? { ok: true, note: name, figures: { backup: name }, set: { backup: name }, ...warn }
    : { ok: true, ...warn };
};

/** drill.sh: its last log line says what matched or what failed. */
export const drillPassed = (r: RunResult): Verdict =>
  r.code === 0
    ? { ok: true, note: lastLine(r.stderr).replace(/^: /, "") }
    : { ok: false, error: `${DRILL_EXIT[r.code] ?? `drill.sh exit ${r.code}`}${lastLine(r.stderr)}` };

export const restored = (r: RunResult): Verdict =>
  r.code === 0 || r.code === 6
    ? { ok: true, ...(r.code === 6 ? { warn: "restored, but the bot was not healthy within the script's wait" } : {}) }
    : { ok: false, error: `${RESTORE_EXIT[r.code] ?? `restore.sh exit ${r.code}`}${lastLine(r.stderr)}` };

function statusOf(r: RunResult): migrate.MigrationStatus | string {
  if (r.code !== 0) return `migrate status failed (exit ${r.code})${lastLine(r.stderr || r.stdout)}`;
  try {
    return migrate.parseStatus(r.stdout);
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * The target's `migrate status`, asked once: how many applied migrations it does not know (reverted
 * with the current image first) and how many of its own are pending. A pending migration that
 * declares the running release cannot live with it stops a handover before anything changed (the
 * old bot would run beside it). Reverting never changes what is pending: a reverted migration is
 * one the target does not know.
 */
export const migrationStatus =
  (handover: boolean) =>
  (r: RunResult): Verdict => {
    const st = statusOf(r);
    if (typeof st === "string") return { ok: false, error: st };
    let down: string[];
    try {
      down = migrate.unknownToTarget(st.applied, st.known);
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
    const applied = new Set(st.applied);
    const pending = st.known.filter((m) => !applied.has(m));
    const breaking = pending.filter((m) => st.breaking?.includes(m));
    if (handover && breaking.length > 0)
      return {
        ok: false,
        error: `${breaking.join(", ")} declares that the running release cannot live with it: nothing was migrated; deploy again with --stop-first (the old bot is stopped before the migration)`,
      };
    const notes = [
      ...(down.length ? [`to revert: ${down.join(", ")}`] : []),
      pending.length ? `pending: ${pending.join(", ")}` : "nothing pending",
    ];
    return {
      ok: true,
      note: notes.join("; "),
      set: { "revert-count": String(down.length), "pending-count": String(pending.length) },
    };
  };

export const reverted = (r: RunResult, v: Values): Verdict =>
  r.code === 0
    ? { ok: true, note: `reverted ${v.get("revert-count") ?? "?"}`, set: { reverted: v.get("revert-count") ?? "0" } }
    : { ok: false, error: `reverting migrations failed (exit ${r.code})${lastLine(r.stderr || r.stdout)}` };

export const migratedUp = (r: RunResult): Verdict => {
  if (r.code !== 0) return { ok: false, error: `migrations failed (exit ${r.code})${lastLine(r.stderr || r.stdout)}` };
  let ran: string[] = [];
  for (const line of r.stdout.split("\n").reverse()) {
    try {
      const v = JSON.parse(line.trim()) as { ran?: unknown };
      if (Array.isArray(v.ran)) {
        ran = v.ran.filter((x): x is string => typeof x === "string");
        break;
      }
    } catch {
      continue;
    }
  }
  return { ok: true, note: `${ran.length} applied`, set: { migrated: String(ran.length) } };
};

const ID_RE = /^[0-9a-f]{12,64}$/;

export function containerIds(stdout: string): string[] {
  return stdout
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => ID_RE.test(s));
}

/** Containers listed now that were not there before (ids compared by their short form). */
function freshIds(before: string[], stdout: string): string[] {
  const known = before.map((b) => b.slice(0, 12));
  return containerIds(stdout).filter((id) => !known.includes(id.slice(0, 12)));
}

/** After `up --scale`: the one bot container that was not there before is the standby. */
export const newContainer =
  (before: string[], name: string) =>
  (r: RunResult): Verdict => {
    const fresh = freshIds(before, r.stdout);
    if (r.code !== 0 || fresh.length !== 1)
      return {
        ok: false,
        error: `expected one new bot container, found ${fresh.length}${lastLine(r.stderr)}`,
      };
    return { ok: true, note: `container ${fresh[0]!.slice(0, 12)}`, set: { [name]: fresh[0]! } };
  };

/** The one running bot container (stop-first and first deploys gate on it). */
export const onlyContainer =
  (name: string) =>
  (r: RunResult): Verdict => {
    const ids = containerIds(r.stdout);
    if (r.code !== 0 || ids.length !== 1)
      return { ok: false, error: `expected one bot container, found ${ids.length}${lastLine(r.stderr)}` };
    return { ok: true, set: { [name]: ids[0]! } };
  };

/** What remote/bin/bot-state.sh printed: Docker's view and the bot's own /health answer. */
export interface BotState {
  status?: string;
  running: boolean;
  exitCode?: number;
  oomKilled?: boolean;
  dockerHealth?: string;
  restarts: number;
  /** HTTP status of GET /health, when it answered. */
  http?: number;
  body?: { ok?: boolean; role?: string; reason?: string; handover?: { gapMs?: number }; release?: string };
}

export function parseBotState(stdout: string): BotState | undefined {
  const [first = "", second = "", third = ""] = stdout.split("\n");
  const [stateJson = "", restarts = "0"] = first.split("\t");
  let st: {
    Status?: string;
    Running?: boolean;
    ExitCode?: number;
    OOMKilled?: boolean;
    Health?: { Status?: string };
  };
  try {
    st = JSON.parse(stateJson) as typeof st;
  } catch {
    return undefined;
  }
  const out: BotState = {
    running: st.Running === true,
    restarts: Number(restarts) || 0,
    ...(st.Status ? { status: st.Status } : {}),
    ...(typeof st.ExitCode === "number" ? { exitCode: st.ExitCode } : {}),
    ...(st.OOMKilled ? { oomKilled: true } : {}),
    ...(st.Health?.Status ? { dockerHealth: st.Health.Status } : {}),
  };
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(second.trim());
  if (m) out.http = Number(m[1]);
  try {
    if (third.trim()) out.body = JSON.parse(third.trim()) as BotState["body"];
  } catch {
    // a body that is not JSON says nothing about the role
  }
  return out;
}

function describe(s: BotState): string {
  return [
    `container ${s.status ?? "unknown"}`,
    s.dockerHealth ? `health ${s.dockerHealth}` : "",
    s.http ? `/health ${s.http}${s.body?.role ? ` (${s.body.role})` : ""}` : "",
    s.body?.reason ? s.body.reason : "",
  ]
    .filter(Boolean)
    .join(", ");
}

/**
 * The gate: the new bot is ready (database, schema, token) as a standby, or healthy by Docker's
 * check. It fails at once when it exits, restarts or is unhealthy: a standby that needs a second
 * start is not proven.
 */
export const gate = (r: RunResult): WaitVerdict => {
  const s = parseBotState(r.stdout);
  if (r.code !== 0 || !s) return { wait: `no state yet${lastLine(r.stderr)}` };
  if (s.oomKilled)
    return { ok: false, error: `the new bot was killed for using too much memory (${describe(s)})`, exitCode: 4 };
  if (!s.running && s.status !== "created")
    return { ok: false, error: `the new bot stopped (exit ${s.exitCode ?? "?"}; ${describe(s)})`, exitCode: 4 };
  if (s.restarts > 0)
    return {
      ok: false,
      error: `the new bot restarted ${s.restarts} time(s) during the gate (${describe(s)})`,
      exitCode: 4,
    };
  if (s.dockerHealth === "unhealthy")
    return { ok: false, error: `the new bot is unhealthy (${describe(s)})`, exitCode: 4 };
  if (s.http === 200 && s.body?.ok !== false)
    return { ok: true, note: `ready as ${s.body?.role ?? "bot"} (/health 200)` };
  if (s.dockerHealth === "healthy") return { ok: true, note: "healthy (Docker's check)" };
  return { wait: describe(s) };
};

/** After the old bot stepped down: the new one holds the lease and polls. */
export const active = (r: RunResult): WaitVerdict => {
  const s = parseBotState(r.stdout);
  if (r.code !== 0 || !s) return { wait: `no state yet${lastLine(r.stderr)}` };
  if (!s.running) return { ok: false, error: `the new bot stopped during the handover (${describe(s)})`, exitCode: 4 };
  if (s.http === 200 && s.body?.role === "active") {
    const gap = s.body.handover?.gapMs;
    const gapText = typeof gap === "number" ? `${(gap / 1000).toFixed(2)} s` : undefined;
    return {
      ok: true,
      note: gapText ? `polling; longest gap ${gapText}` : "polling",
      ...(gapText ? { figures: { "polling gap": `${gapText} (bot answered throughout)` } } : {}),
    };
  }
  return { wait: describe(s) };
};

/** Recovery: the old bot is polling again (or healthy, for a release without the lease). */
export const serving = (r: RunResult): WaitVerdict => {
  const s = parseBotState(r.stdout);
  if (r.code !== 0 || !s) return { wait: `no state yet${lastLine(r.stderr)}` };
  if ((s.http === 200 && s.body?.role !== "standby") || s.dockerHealth === "healthy")
    return { ok: true, note: "serving" };
  if (s.dockerHealth === "unhealthy") return { ok: false, error: `it is unhealthy (${describe(s)})` };
  return { wait: describe(s) };
};

/** Changed units: "<hex>  <path>" lines compared with what this release installs. */
export const unitsChanged =
  (wanted: Map<string, string>) =>
  (r: RunResult): Verdict => {
    if (r.code !== 0) return { ok: false, error: `cannot read the installed units${lastLine(r.stderr)}` };
    const installed = systemd.parseChecksums(r.stdout);
    const changed = [...wanted].filter(([name, sum]) => installed.get(name) !== sum).map(([name]) => name);
    return {
      ok: true,
      note: changed.length ? `differ: ${changed.join(", ")}` : "units unchanged",
      set: Object.fromEntries([["units-changed", changed.join(" ")]]),
    };
  };

/** Recovery: the standby, if the failed run got as far as starting one. */
export const newContainerIfAny =
  (before: string[], name: string) =>
  (r: RunResult): Verdict => {
    const fresh = freshIds(before, r.stdout);
    return fresh.length === 1 ? { ok: true, set: { [name]: fresh[0]! } } : { ok: true, note: "no standby found" };
  };
