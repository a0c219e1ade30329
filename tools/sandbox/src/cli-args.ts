/** `npm run sandbox -- ...` arguments (pure). */
import type { Flavour } from "./names.js";

type PullMode = "auto" | "always" | "never";
import { isFlavour } from "./names.js";

export type Command =
  | { cmd: "help" }
  | { cmd: "up"; flavour: Flavour; timings: boolean; rebuild: boolean; pull?: PullMode }
  | { cmd: "down" | "reset"; flavour?: Flavour }
  | { cmd: "status"; json: boolean; flavour?: Flavour }
  | { cmd: "restart"; flavour: Flavour; timings: boolean }
  | { cmd: "ssh"; flavour?: Flavour; user?: string; command: string[] }
  | { cmd: "images"; rebuild: boolean; pull?: PullMode };

export const USAGE = `usage: npm run sandbox -- <command> [options]

A throwaway Debian 12 server (systemd, OpenSSH, Docker + compose v2) in a container, for rehearsing
deploys and for the e2e tests. State lives in .sandbox/ (key pair, known_hosts, env, target.json).

commands:
  up [--flavour ready|bare] [--timings] [--rebuild] [--pull|--no-pull]
                      start it (building what is missing); idempotent; prints how to reach it
  down [--flavour F]  stop it, keeping its disk (both flavours unless --flavour)
  status [--json] [--flavour F]
                      running or not, address, SSH host key fingerprint, what is deployed
  ssh [--flavour F] [--user U] [CMD...]
                      a root shell on it, or run CMD there (output and exit code passed through)
  restart [--flavour F] [--timings]
                      reboot it (clean systemd shutdown, then boot)
  reset [--flavour F] destroy it and its disk: the next up is a fresh server
  images [--rebuild] [--pull|--no-pull]
                      build (or pull) every image the sandbox uses, cached by content

ready (ssh 127.0.0.1:2222): Docker, compose v2, user deploy.  bare (127.0.0.1:2223): like a VDS just bought.
--pull: pull official base images (auto: try once when one is missing, else build stand-ins).`;

export class UsageError extends Error {
  override name = "UsageError";
}

function flavourOf(value: string | undefined): Flavour {
  if (value === undefined || !isFlavour(value))
    throw new UsageError(`--flavour must be ready or bare, not ${value ?? "nothing"}`);
  return value;
}

export function parseCli(argv: readonly string[]): Command {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") return { cmd: "help" };
  const flags = new Set<string>();
  let flavour: Flavour | undefined;
  let user: string | undefined;
  let i = 0;
  const takesCommand = cmd === "ssh";
  for (; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-")) {
      if (takesCommand) break;
      throw new UsageError(`unexpected argument: ${a}`);
    }
    if (a === "--flavour" || a === "--flavor") flavour = flavourOf(rest[++i]);
    else if (a.startsWith("--flavour=")) flavour = flavourOf(a.slice("--flavour=".length));
    else if (a === "--user" && takesCommand) user = rest[++i];
    else if (a === "--help" || a === "-h") return { cmd: "help" };
    else flags.add(a);
  }
  const command = rest.slice(i);
  const allowed: Record<string, string[]> = {
    up: ["--timings", "--rebuild", "--pull", "--no-pull"],
    down: [],
    reset: [],
    status: ["--json"],
    restart: ["--timings"],
    ssh: [],
    images: ["--rebuild", "--pull", "--no-pull"],
  };
  const known = allowed[cmd];
  if (!known) throw new UsageError(`unknown command: ${cmd} (see --help)`);
  for (const f of flags) if (!known.includes(f)) throw new UsageError(`unknown option for ${cmd}: ${f}`);
  if (cmd === "ssh" && user === "") throw new UsageError("--user needs a name");
  if (cmd === "images" && flavour) throw new UsageError("images takes no --flavour");
  const pull: PullMode | undefined = flags.has("--pull") ? "always" : flags.has("--no-pull") ? "never" : undefined;
  const pullOpt = pull ? { pull } : {};
  switch (cmd) {
    case "up":
      return {
        cmd,
        flavour: flavour ?? "ready",
        timings: flags.has("--timings"),
        rebuild: flags.has("--rebuild"),
        ...pullOpt,
      };
    case "down":
    case "reset":
      return flavour ? { cmd, flavour } : { cmd };
    case "status":
      return { cmd, json: flags.has("--json"), ...(flavour ? { flavour } : {}) };
    case "restart":
      return { cmd, flavour: flavour ?? "ready", timings: flags.has("--timings") };
    case "ssh":
      return { cmd, command, ...(flavour ? { flavour } : {}), ...(user ? { user } : {}) };
    default:
      return { cmd: "images", rebuild: flags.has("--rebuild"), ...pullOpt };
  }
}
