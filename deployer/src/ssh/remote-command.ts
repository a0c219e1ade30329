/**
 * Builds the exact command line sent in an SSH exec request. Pure.
 *
 * The command runs under a small POSIX sh wrapper that makes aborting reliable whatever sshd does
 * with "signal" requests (OpenSSH may ignore them, and only signals the direct child anyway):
 * - the command runs in its own session/process group (setsid), so its whole tree can be killed;
 * - a watcher (also setsid, so it survives the wrapper being killed) reads the channel's stdin and
 *   kills the command's process group when that stdin reaches EOF: the client closed the channel
 *   (abort), or the connection is gone and sshd closed the pipes;
 * - so the client keeps stdin open until the command has exited. Input for the command (at most
 *   `stdinBytes` bytes, sent first) is passed on through a FIFO by `head -c`, after which the same
 *   stdin only signals EOF.
 */
import { quoteArg, quoteArgv } from "./quote.js";
import type { Argv } from "./types.js";

export const STRICT_MODE = "set -Eeuo pipefail";

const WRAPPER = `n=$1; cmd=$2
if command -v setsid >/dev/null 2>&1; then S=setsid; else S=; fi
exec 3<&0
# Killed before the watcher runs (a server that signals the session): take the command along.
trap 'kill -TERM -"\${pid:-$!}" 2>/dev/null; exit 143' HUP INT TERM
if [ "$n" -gt 0 ]; then
  d=$(mktemp -d) && mkfifo "$d/in" || exit 125
  $S sh -c "$cmd" <"$d/in" &
  pid=$!
  head -c "$n" <&3 >"$d/in"
  rm -rf "$d"
else
  $S sh -c "$cmd" </dev/null &
  pid=$!
fi
$S sh -c 'cat >/dev/null; kill -TERM -"$1" 2>/dev/null || kill -TERM "$1"; sleep 5; kill -KILL -"$1" 2>/dev/null' sh "$pid" <&3 >/dev/null 2>&1 &
watch=$!
wait "$pid"; code=$?
kill -TERM -"$watch" 2>/dev/null || kill -TERM "$watch" 2>/dev/null
exit "$code"`;

/** The shell text for argv, run in `cwd` when given. */
export function commandLine(argv: Argv, cwd?: string): string {
  const line = quoteArgv(argv);
  return cwd === undefined ? line : `cd ${quoteArg(cwd)} && ${line}`;
}

/** The exec request's text: `command` under the abort wrapper, expecting `stdinBytes` of input. */
export function wrapCommand(command: string, stdinBytes: number): string {
  if (!Number.isSafeInteger(stdinBytes) || stdinBytes < 0) throw new Error(`bad stdin size ${stdinBytes}`);
  return quoteArgv(["sh", "-c", WRAPPER, "sh", String(stdinBytes), command]);
}

/** The text a script is run with: bash reads it on stdin, strict mode first. */
export function scriptInput(text: string): string {
  return `${STRICT_MODE}\n${text}${text.endsWith("\n") ? "" : "\n"}`;
}

export const SCRIPT_COMMAND = "bash -s";
