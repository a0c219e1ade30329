/**
 * What a plan step does, as data: run a command, upload bytes, or wait for a condition. The runner
 * executes exactly these, and `plan` prints exactly these (describeAction). Judges are pure
 * functions of a command's result; values only the server can tell (a container id found at run
 * time, a count the server reports) are named references filled in while the task runs.
 */
import type { RunResult } from "../ssh/types.js";
import { quoteArgv } from "../ssh/quote.js";

import type { Arg } from "../commands/late.js";
export { late, type Arg, type Late } from "../commands/late.js";

/** A remote command whose arguments may hold late values. */
export type Command = { argv: readonly Arg[]; script?: string };

export type Values = ReadonlyMap<string, string>;

/** A judge's answer: go on (with a note, figures, captured values), or stop the step. */
export type Verdict =
  | { ok: true; note?: string; figures?: Record<string, string>; set?: Record<string, string>; warn?: string }
  | { ok: false; error: string; exitCode?: 1 | 3 | 4 };

export type WaitVerdict = Verdict | { wait: string };

/** A condition on late values, printed as its text. */
export interface When {
  text: string;
  holds: (v: Values) => boolean;
}

interface Common {
  /** Runs only when this holds (printed as "only when ..."). */
  when?: When;
  /** Not echoed into the step's output (still in `plan`). */
  quiet?: boolean;
}

export type Action =
  | (Common & {
      kind: "run";
      cmd: Command;
      timeoutMs?: number;
      /** Exit 0 is success when there is no judge. */
      judge?: (r: RunResult, v: Values) => Verdict;
      /** What a failure (without a judge) is called in the error line. */
      what?: string;
      /**
       * Runs over a new SSH connection as this user with the workstation's key, not the task's
       * connection: provision's proof that a key login works before password logins go.
       */
      login?: string;
    })
  | (Common & {
      kind: "upload";
      /** What is uploaded, for `plan` and the log ("the release archive of v2"). */
      what: string;
      /** The remote path (parts joined; a part may be late). */
      to: string | readonly Arg[];
      mode: number;
      /** The bytes: read when the action runs (a release archive is made only then). */
      data: () => Promise<string | Buffer>;
      /** Late values this upload provides (the archive's sha256). */
      set?: (data: string | Buffer) => Record<string, string>;
      progress?: boolean;
    })
  | (Common & {
      kind: "wait";
      cmd: Command;
      everyMs: number;
      timeoutMs: number;
      /** What is awaited, for `plan` and the timeout message. */
      until: string;
      judge: (r: RunResult, v: Values) => WaitVerdict;
    });

/** A command from a builder: argv (plain or with late values), or a remote/bin script call. */
export function cmd(c: readonly Arg[] | Command): Command {
  return isArgv(c) ? { argv: c } : c;
}

function isArgv(c: readonly Arg[] | Command): c is readonly Arg[] {
  return Array.isArray(c);
}

export const run = (
  c: readonly Arg[] | Command,
  o: Omit<Extract<Action, { kind: "run" }>, "kind" | "cmd"> = {},
): Action => ({
  kind: "run",
  cmd: cmd(c),
  ...o,
});

/** The argv with late values filled in; throws when one is not known yet (a plan bug). */
export function resolveArgv(c: Command, v: Values): string[] {
  return c.argv.map((a) => {
    if (typeof a === "string") return a;
    const value = v.get(a.late);
    if (value === undefined) throw new Error(`${a.what} is not known at this point`);
    return value;
  });
}

/** How an argument is printed: quoted like the runner quotes it; a late value as ‹what it is›. */
function printArgv(c: Command): string {
  const parts = c.argv.map((a) => (typeof a === "string" ? quoteArgv([a]) : `‹${a.what}›`));
  return parts.join(" ") + (c.script ? ` < ${c.script}` : "");
}

function printPath(to: string | readonly Arg[]): string {
  return typeof to === "string" ? to : to.map((p) => (typeof p === "string" ? p : `‹${p.what}›`)).join("");
}

/** The remote path of an upload with late parts filled in. */
export function resolvePath(to: string | readonly Arg[], v: Values): string {
  return typeof to === "string" ? to : resolveArgv({ argv: to }, v).join("");
}

/** One action as `plan` prints it: commands as they run, everything else as a `#` line. */
export function describeAction(a: Action): string[] {
  const when = a.when ? `# only when ${a.when.text}:` : undefined;
  const lines: string[] = when ? [when] : [];
  if (a.kind === "run") {
    if (a.login) lines.push(`# over a new SSH connection as ${a.login}, with the workstation's key:`);
    lines.push(printArgv(a.cmd));
  } else if (a.kind === "upload")
    lines.push(`# upload ${a.what} to ${printPath(a.to)} (mode ${a.mode.toString(8).padStart(4, "0")} from creation)`);
  else {
    lines.push(`# every ${a.everyMs / 1000} s, up to ${Math.round(a.timeoutMs / 1000)} s, until ${a.until}:`);
    lines.push(printArgv(a.cmd));
  }
  return lines;
}

/** The command exactly as the server receives it (for logs and the plan-equals-run test). */
export function commandLine(c: Command, v: Values): string {
  return quoteArgv(resolveArgv(c, v));
}
