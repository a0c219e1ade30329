/**
 * Remote programs longer than one command live in remote/bin/*.sh (strict mode, shellcheck, tests)
 * and reach the server on stdin: several run before any release is there (checks, lock, upload,
 * provision on a bare server), so they cannot be called from a release dir like backup.sh.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Argv } from "../ssh/types.js";

/** A remote/bin script run as `bash -s -- ARGS` with the script's text on stdin. */
export interface ScriptCall {
  argv: Argv;
  /** Repo-relative, e.g. "remote/bin/lock.sh". */
  script: string;
}

export function scriptCall(script: string, ...args: string[]): ScriptCall {
  if (!/^remote\/bin\/[a-z0-9-]+\.sh$/.test(script))
    throw new Error(`not a remote/bin script: ${JSON.stringify(script)}`);
  return { argv: ["bash", "-s", "--", ...args], script };
}

/** The same call with a prefix in front of bash (`sudo -n`, `timeout 2`); stdin passes through both. */
export function prefixed(prefix: readonly string[], call: ScriptCall): ScriptCall {
  return { ...call, argv: [...prefix, ...call.argv] };
}

// deployer/src/commands and deployer/dist/commands are both three levels below the repository,
// and the scripts stay in its remote/bin/ (the build does not copy them).
const REPO_ROOT = new URL("../../../", import.meta.url);
const texts = new Map<string, string>();

/** The script's text, read once from the repository; one clear line when it is missing. */
export function scriptText(call: ScriptCall): string {
  let text = texts.get(call.script);
  if (text === undefined) {
    const file = new URL(call.script, REPO_ROOT);
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new Error(
        `cannot read ${call.script} (${fileURLToPath(file)}): ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      );
    }
    texts.set(call.script, text);
  }
  return text;
}
