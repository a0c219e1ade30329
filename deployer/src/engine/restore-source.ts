/**
 * Where `backup restore` takes a backup from (pure): the server's backups/ (the default), a folder
 * on the workstation (a `pull` earlier, or copies fetched by hand), or an off-site destination
 * reached over SSH from the workstation (`[user@]host[:port]:/path`, as the workstation sees it).
 */
import { ConfigError } from "../config/errors.js";
import { OFFSITE_DEST_RE } from "../stack/contract.js";

export type RestoreSource =
  | { kind: "server" }
  | { kind: "local"; dir: string }
  | { kind: "offsite"; user?: string; host: string; port?: number; path: string };

/** Reads `--from`; a host-shaped value is off-site, anything else a local folder. */
export function parseRestoreSource(from: string | undefined): RestoreSource {
  if (from === undefined || from === "") return { kind: "server" };
  if (OFFSITE_DEST_RE.test(from)) {
    if (from.split("/").includes(".."))
      throw new ConfigError(`--from ${from}: '..' is not allowed in an off-site path`);
    const m = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?:(\/.*)$/.exec(from)!;
    const port = m[3] ? Number(m[3]) : undefined;
    if (port !== undefined && (port < 1 || port > 65535)) throw new ConfigError(`--from ${from}: bad port`);
    return {
      kind: "offsite",
      ...(m[1] ? { user: m[1] } : {}),
      host: m[2]!,
      ...(port !== undefined ? { port } : {}),
      path: m[4]!.replace(/\/+$/, "") || "/",
    };
  }
  return { kind: "local", dir: from };
}

/** The two names a backup can have in a folder: the dump, or its age-encrypted copy. */
export const encryptedName = (name: string): string => `${name}.age`;
