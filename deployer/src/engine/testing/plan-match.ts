/**
 * Does a run do what `plan` printed? Pure: the printed plan (PlanView, the lines `plan` shows) is
 * read as a pattern over command lines, and the command lines an SSH server received are matched
 * against it, in order. The printed notation is read as follows:
 * - a command line must arrive as printed, a late value printed as ‹...› standing for any one quoted
 *   argument; ` < remote/bin/x.sh` is the script sent on stdin: the exec request says how many bytes
 *   of input follow, which must be the script's size (and 0 for a command without a script);
 * - `# upload WHAT to PATH (...)` is the upload's final rename, `mv -f -T -- PATH.tmp-<hex> PATH`
 *   (ssh/transfer.ts), the one command an SFTP upload runs;
 * - after `# every ...:` the command (a wait) arrives one or more times;
 * - after `# only when ...:` the next action may be absent;
 * - `# asked at once, judged in order`: the step's commands arrive in any order among themselves;
 * - `# started in the background when "X" starts`: the step's commands may arrive anywhere among
 *   those of step X and the steps after it, up to the step itself.
 * Any other `#` line is refused, so a change of notation fails here rather than matching loosely.
 */
import type { PlanView } from "../api.js";

/** One expected command, or a sequence, or items in any interleaving. */
export type Pattern =
  | { k: "cmd"; id: number; re: RegExp; stdin: number; text: string; optional: boolean; repeat: boolean }
  | { k: "seq"; items: Pattern[] }
  | { k: "shuffle"; items: Pattern[] };

const EMPTY: Pattern = { k: "seq", items: [] };

/** One argument as quoteArg writes it: '...' pieces joined by \' (for a quote inside). */
const QUOTED_ARG = String.raw`'[^']*'(?:\\''[^']*')*`;

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** A printed command line as a regular expression over the command line the server received. */
export function commandRegex(printed: string): RegExp {
  const line = printed.replace(/ < remote\/bin\/[a-z0-9-]+\.sh$/, "");
  const parts = line.split(/‹[^›]*›/);
  return new RegExp(`^${parts.map(escapeRe).join(QUOTED_ARG)}$`);
}

const UPLOAD = /^# upload .* to ((?:‹[^›]*›|\S)+) \(mode [0-7]{4} from creation\)$/;

/** An upload line as the rename that ends the upload (a late part of the path: any text in the quotes). */
export function uploadRegex(printed: string): RegExp | undefined {
  const m = UPLOAD.exec(printed);
  if (!m) return undefined;
  const path = m[1]!
    .split(/‹[^›]*›/)
    .map(escapeRe)
    .join("[^']*");
  return new RegExp(`^'mv' '-f' '-T' '--' '${path}\\.tmp-[0-9a-f]{16}' '${path}'$`);
}

const BACKGROUND = /^# started in the background when "([^"]+)" starts$/;
const PARALLEL = "# asked at once, judged in order";

/** What an exec request carried: the command line, and how many bytes of input it announced. */
export interface Received {
  line: string;
  stdinBytes: number;
}

/** The size of a remote/bin script as the runner sends it ("remote/bin/lock.sh" -> bytes). */
export type ScriptBytes = (script: string) => number;

const SCRIPT = / < (remote\/bin\/[a-z0-9-]+\.sh)$/;

/** The printed plan as one pattern (see the file comment for the notation). */
export function planPattern(view: Pick<PlanView, "steps">, scriptBytes: ScriptBytes): Pattern {
  let ids = 0;
  const steps = view.steps.map((s) => {
    const cmds: Pattern[] = [];
    let optional = false;
    let repeat = false;
    let parallel = false;
    let after: string | undefined;
    for (const line of s.commands) {
      const bg = BACKGROUND.exec(line);
      if (bg) after = bg[1];
      else if (line === PARALLEL) parallel = true;
      else if (/^# only when .*:$/.test(line)) optional = true;
      else if (/^# every [\d.]+ s, up to \d+ s, until .*:$/.test(line)) repeat = true;
      else {
        const upload = line.startsWith("# ") ? uploadRegex(line) : undefined;
        if (line.startsWith("# ") && !upload)
          throw new Error(`step ${s.id}: a plan line this matcher does not know: ${line}`);
        const script = SCRIPT.exec(line)?.[1];
        const stdin = script ? scriptBytes(script) : 0;
        cmds.push({ k: "cmd", id: ids++, re: upload ?? commandRegex(line), stdin, text: line, optional, repeat });
        optional = false;
        repeat = false;
      }
    }
    if (optional || repeat) throw new Error(`step ${s.id}: a "# only when" or "# every" line with no action after it`);
    return {
      id: s.id,
      after,
      pattern: (parallel ? { k: "shuffle", items: cmds } : { k: "seq", items: cmds }) as Pattern,
    };
  });
  // Each entry covers the steps from `first` on (a background step merges the entries it overlaps).
  const out: { first: number; pattern: Pattern }[] = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    const start = s.after === undefined ? -1 : steps.findIndex((t) => t.id === s.after);
    if (s.after !== undefined && (start < 0 || start > i))
      throw new Error(`step ${s.id}: no earlier step "${s.after}"`);
    if (start < 0) {
      out.push({ first: i, pattern: s.pattern });
      continue;
    }
    // Steps start..i-1 are already in `out`, in order: the background step interleaves with them.
    const from = out.findLastIndex((e) => e.first <= start);
    const first = out[from]!.first;
    const fg = out.splice(from).map((e) => e.pattern);
    out.push({ first, pattern: { k: "shuffle", items: [{ k: "seq", items: fg }, s.pattern] } });
  }
  return { k: "seq", items: out.map((e) => e.pattern) };
}

function nullable(p: Pattern): boolean {
  return p.k === "cmd" ? p.optional : p.items.every(nullable);
}

const isEmpty = (p: Pattern): boolean => p.k !== "cmd" && p.items.length === 0;

function seq(items: Pattern[]): Pattern {
  const kept = items.filter((p) => !isEmpty(p));
  return kept.length === 1 ? kept[0]! : { k: "seq", items: kept };
}

function shuffle(items: Pattern[]): Pattern {
  const kept = items.filter((p) => !isEmpty(p));
  return kept.length === 1 ? kept[0]! : { k: "shuffle", items: kept };
}

/** What is left of `p` once `line` was matched (every way it can match); [] when it cannot. */
function derive(p: Pattern, r: Received): Pattern[] {
  if (p.k === "cmd") {
    if (!p.re.test(r.line) || p.stdin !== r.stdinBytes) return [];
    return [p.repeat ? { ...p, optional: true } : EMPTY];
  }
  if (p.k === "seq") {
    const [first, ...rest] = p.items;
    if (!first) return [];
    const out = derive(first, r).map((d) => seq([d, ...rest]));
    if (nullable(first)) out.push(...derive(seq(rest), r));
    return out;
  }
  return p.items.flatMap((item, i) => derive(item, r).map((d) => shuffle(p.items.map((x, j) => (j === i ? d : x)))));
}

/** The printed lines that could come next. */
function firsts(p: Pattern): string[] {
  if (p.k === "cmd") return [p.text];
  if (p.k === "shuffle") return p.items.flatMap(firsts);
  const out: string[] = [];
  for (const item of p.items) {
    out.push(...firsts(item));
    if (!nullable(item)) break;
  }
  return out;
}

function key(p: Pattern): string {
  if (p.k === "cmd") return `${p.id}${p.optional ? "?" : ""}`;
  const inner = p.items.map(key).join(" ");
  return p.k === "seq" ? `(${inner})` : `{${inner}}`;
}

export type MatchResult = { ok: true } | { ok: false; error: string };

const show = (r: Received): string => (r.stdinBytes ? `${r.line} < ${r.stdinBytes} bytes of input` : r.line);

/** Matches received command lines (already unwrapped) against the printed plan. */
export function matchRun(
  view: Pick<PlanView, "steps">,
  received: readonly Received[],
  scriptBytes: ScriptBytes,
): MatchResult {
  let states: Pattern[] = [planPattern(view, scriptBytes)];
  for (const [i, r] of received.entries()) {
    const next = new Map<string, Pattern>();
    for (const s of states) for (const d of derive(s, r)) next.set(key(d), d);
    if (next.size === 0) {
      const expected = [...new Set(states.flatMap(firsts))];
      return {
        ok: false,
        error: `command ${i + 1} of the run is not what the plan says comes next:\n  received: ${show(r)}\n  expected one of:\n${
          expected.map((e) => `    ${e}`).join("\n") || "    (nothing: the plan is done)"
        }`,
      };
    }
    states = [...next.values()];
  }
  if (states.some(nullable)) return { ok: true };
  const missing = [...new Set(states.flatMap(firsts))];
  return {
    ok: false,
    error: `the run ended (${received.length} commands) where the plan still has:\n${missing.map((e) => `    ${e}`).join("\n")}`,
  };
}

/**
 * The command line inside an exec request: the abort wrapper (ssh/remote-command.ts wrapCommand)
 * is `'sh' '-c' WRAPPER 'sh' N COMMAND`, each quoted by quoteArg: COMMAND is its last argument, N
 * the bytes of input that follow.
 */
export function unwrapExec(text: string): Received {
  const args: string[] = [];
  const re = /'([^']*)'|\\'| |([^' \\]+)/g;
  let cur: string | undefined;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(text)) !== null) {
    if (m.index !== at) throw new Error(`not a quoted command line at ${at}: ${text.slice(at, at + 40)}`);
    at = re.lastIndex;
    if (m[0] === " ") {
      if (cur !== undefined) args.push(cur);
      cur = undefined;
    } else cur = (cur ?? "") + (m[1] ?? (m[0] === "\\'" ? "'" : m[2]!));
  }
  if (at !== text.length) throw new Error(`not a quoted command line at ${at}: ${text.slice(at, at + 40)}`);
  if (cur !== undefined) args.push(cur);
  if (args.length !== 6 || args[0] !== "sh" || args[1] !== "-c" || args[3] !== "sh" || !/^\d+$/.test(args[4]!))
    throw new Error(`not the abort wrapper: ${text.slice(0, 60)}`);
  return { line: args[5]!, stdinBytes: Number(args[4]) };
}
