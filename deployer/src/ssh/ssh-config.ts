/**
 * Resolves a host alias the way `ssh` does through ~/.ssh/config and then /etc/ssh/ssh_config:
 * HostName, User, Port, IdentityFile (with `~` and tokens expanded), ProxyJump (one jump host; a
 * chain is refused clearly), HostKeyAlias and the known_hosts files (UserKnownHostsFile,
 * GlobalKnownHostsFile, or OpenSSH's defaults). `Match exec` is never run (it does not match).
 *
 * The `ssh-config` package parses the files (lines, quoting, Host/Match sections). Its compute()
 * is not used: it does not follow `Include`, and an Include inside a Host/Match block applies only
 * when that block does, which a merged list of sections cannot say. So the evaluation here follows
 * OpenSSH's readconf.c: one pass over the lines in order, a Host/Match line setting whether the
 * lines after it apply, an Include read in place (globs in lexical order, relative paths against
 * ~/.ssh or /etc/ssh, a missing file ignored) with the including block's state, restored after it;
 * for every option the first value wins (IdentityFile accumulates).
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import SSHConfig from "ssh-config";
import { matchPatternList } from "./patterns.js";

export interface ResolvedHost {
  /** The name or address to connect to. */
  host: string;
  port: number;
  /** The User from the config, if any (the caller's own default applies otherwise). */
  user: string | undefined;
  /** Configured identity files, expanded; OpenSSH's defaults when none is configured. */
  identityFiles: string[];
  /** Whether IdentityFile was given explicitly (then the defaults were not added). */
  identityFilesConfigured: boolean;
  /** The name host keys are looked up and recorded under instead of host:port (HostKeyAlias). */
  hostKeyAlias: string | undefined;
  /** UserKnownHostsFile (expanded), or ~/.ssh/known_hosts{,2}; a new host key is recorded in the first. */
  userKnownHostsFiles: string[];
  /** GlobalKnownHostsFile, or /etc/ssh/ssh_known_hosts{,2}: read only. */
  globalKnownHostsFiles: string[];
  /** The one jump host to go through, resolved the same way. */
  jump: ResolvedHost | undefined;
}

export interface ResolveContext {
  homeDir: string;
  /** The local user name, for %u. */
  localUser: string;
  /** The user's config file (default ~/.ssh/config); null reads none. */
  userConfig?: string | null;
  /** Where ssh_config and ssh_known_hosts live (default /etc/ssh); null reads no system config. */
  systemDir?: string | null;
}

export class SshConfigError extends Error {
  override name = "SshConfigError";
}

const DEFAULT_IDENTITIES = ["id_ed25519", "id_ecdsa", "id_rsa"];
/** OpenSSH's READCONF_MAX_DEPTH: Include loops end here. */
const MAX_INCLUDE_DEPTH = 16;

interface Line {
  keyword: string; // lower case
  args: string[];
  where: string; // "file line N", for errors
}

/** A config file's directives in order, Host/Match headers among them (the library nests them). */
function linesOf(file: string): Line[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new SshConfigError(`cannot read ssh config ${file}: ${(err as Error).message}`);
  }
  let parsed: SSHConfig;
  try {
    parsed = SSHConfig.parse(text);
  } catch (err) {
    throw new SshConfigError(`cannot parse ssh config ${file}: ${(err as Error).message}`);
  }
  const out: Line[] = [];
  const visit = (items: SSHConfig) => {
    for (const item of items) {
      if (item.type !== SSHConfig.DIRECTIVE) continue;
      const args = typeof item.value === "string" ? [item.value] : item.value.map((v) => v.val);
      out.push({ keyword: item.param.toLowerCase(), args, where: file });
      if ("config" in item) visit(item.config);
    }
  };
  visit(parsed);
  return out;
}

/** Paths matching an Include argument, sorted as glob(3) does; hidden files only for a dot pattern. */
function expandGlob(pattern: string): string[] {
  if (!/[*?[]/.test(pattern)) return existsSync(pattern) ? [pattern] : [];
  const parts = pattern.split("/");
  let paths = [parts[0] === "" ? "/" : "."];
  for (const part of parts.slice(1)) {
    if (part === "") continue;
    if (!/[*?[]/.test(part)) {
      paths = paths.map((p) => join(p, part)).filter((p) => existsSync(p));
      continue;
    }
    const re = new RegExp(
      `^${part
        .replace(/[.+^${}()|\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")}$`,
    );
    paths = paths.flatMap((dir) => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return [];
      }
      return names
        .filter((n) => re.test(n) && (part.startsWith(".") || !n.startsWith(".")))
        .sort()
        .map((n) => join(dir, n));
    });
  }
  return paths;
}

function parsePort(text: string, where: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new SshConfigError(`invalid port "${text}" in ${where}`);
  return port;
}

function expandPath(path: string, tokens: Record<string, string>, ctx: ResolveContext, what: string): string {
  const withTokens = path.replace(/%(.)/g, (whole, t: string) => {
    if (t === "%") return "%";
    const value = tokens[t];
    if (value === undefined) throw new SshConfigError(`unsupported token ${whole} in ${what} ${path}`);
    return value;
  });
  return tilde(withTokens, ctx);
}

function tilde(path: string, ctx: ResolveContext): string {
  if (path === "~") return ctx.homeDir;
  if (path.startsWith("~/")) return `${ctx.homeDir}/${path.slice(2)}`;
  return path;
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]`; IPv6 in brackets. */
export function parseJumpSpec(spec: string): { host: string; user: string | undefined; port: number | undefined } {
  if (spec.includes(",")) {
    throw new SshConfigError(`ProxyJump chains are not supported (${spec}): use one jump host`);
  }
  const body = spec.startsWith("ssh://") ? spec.slice("ssh://".length) : spec;
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:@/]+)(?::(\d+))?\/?$/.exec(body);
  if (!m?.[2]) throw new SshConfigError(`invalid ProxyJump "${spec}"`);
  const host = m[2].replace(/^\[(.*)\]$/, "$1");
  return { host, user: m[1], port: m[3] === undefined ? undefined : parsePort(m[3], `ProxyJump ${spec}`) };
}

/** The options that apply to `alias`: first value of each keyword, every IdentityFile. */
class Evaluation {
  readonly options = new Map<string, string[]>();
  readonly identityFiles: string[] = [];
  wantsFinalPass = false;
  finalPass = false;
  /** What Host lines match: the alias, lower-cased as ssh does; the HostName in the final pass. */
  hostForHostLines: string;

  constructor(
    readonly alias: string,
    readonly ctx: ResolveContext,
  ) {
    this.hostForHostLines = alias.toLowerCase();
  }

  get hostname(): string {
    return (this.options.get("hostname")?.[0] ?? this.alias).replace(/%h/g, this.alias.toLowerCase());
  }

  readFile(file: string, baseDir: string, active: boolean, depth: number): void {
    for (const line of linesOf(file)) {
      if (line.keyword === "host") {
        active = matchPatternList(line.args, this.hostForHostLines);
      } else if (line.keyword === "match") {
        active = this.matches(line);
      } else if (!active) {
        continue;
      } else if (line.keyword === "include") {
        if (depth >= MAX_INCLUDE_DEPTH) throw new SshConfigError(`ssh config: Include nested too deep in ${file}`);
        for (const arg of line.args) {
          const path = tilde(arg, this.ctx);
          for (const included of expandGlob(isAbsolute(path) ? path : join(baseDir, path))) {
            this.readFile(included, baseDir, active, depth + 1); // its Host lines end with it
          }
        }
      } else if (line.keyword === "identityfile") {
        // as ssh, a file named twice (or again in the final pass) is tried once
        for (const f of line.args) if (!this.identityFiles.includes(f)) this.identityFiles.push(f);
      } else if (!this.options.has(line.keyword)) {
        this.options.set(line.keyword, line.args);
      }
    }
  }

  /** A Match line's criteria, all of which must hold (`!` negates one). */
  private matches(line: Line): boolean {
    const args = line.args;
    for (let i = 0; i < args.length; i++) {
      const raw = args[i]!;
      const negated = raw.startsWith("!");
      const criterion = (negated ? raw.slice(1) : raw).toLowerCase();
      let result: boolean;
      if (criterion === "all") result = true;
      else if (criterion === "canonical")
        result = false; // no canonicalisation here
      else if (criterion === "final") {
        this.wantsFinalPass = true;
        result = this.finalPass;
      } else {
        const value = args[++i];
        if (value === undefined)
          throw new SshConfigError(`ssh config: Match ${criterion} without a value in ${line.where}`);
        const list = value.split(",");
        if (criterion === "host") result = matchPatternList(list, this.hostname);
        else if (criterion === "originalhost") result = matchPatternList(list, this.alias);
        else if (criterion === "user")
          result = matchPatternList(list, this.options.get("user")?.[0] ?? this.ctx.localUser);
        else if (criterion === "localuser") result = matchPatternList(list, this.ctx.localUser);
        else result = false; // exec is never run; criteria we do not know never match
      }
      if (result === negated) return false;
    }
    return true;
  }
}

function evaluate(alias: string, ctx: ResolveContext): Evaluation {
  const e = new Evaluation(alias, ctx);
  const userConfig = ctx.userConfig === undefined ? join(ctx.homeDir, ".ssh", "config") : ctx.userConfig;
  const systemDir = ctx.systemDir === undefined ? "/etc/ssh" : ctx.systemDir;
  const pass = () => {
    if (userConfig !== null) e.readFile(userConfig, join(ctx.homeDir, ".ssh"), true, 0);
    if (systemDir !== null) e.readFile(join(systemDir, "ssh_config"), systemDir, true, 0);
  };
  pass();
  // `Match final`: ssh reads the configs again once the host name is known, the values set so far kept.
  if (e.wantsFinalPass) {
    e.finalPass = true;
    e.hostForHostLines = e.hostname.toLowerCase();
    pass();
  }
  return e;
}

function resolveOne(alias: string, ctx: ResolveContext, depth: number): ResolvedHost {
  const e = evaluate(alias, ctx);
  const one = (keyword: string) => e.options.get(keyword)?.[0];
  const host = e.hostname;
  const portText = one("port");
  const port = portText === undefined ? 22 : parsePort(portText, `Host ${alias}`);
  const user = one("user");
  const tokens: Record<string, string> = {
    d: ctx.homeDir,
    h: host,
    n: alias,
    p: String(port),
    r: user ?? ctx.localUser,
    u: ctx.localUser,
  };
  const configured = e.identityFiles.map((p) => expandPath(p, tokens, ctx, "IdentityFile"));
  const identityFiles = configured.length > 0 ? configured : DEFAULT_IDENTITIES.map((n) => `${ctx.homeDir}/.ssh/${n}`);
  const files = (keyword: string, defaults: string[]) => {
    const given = e.options.get(keyword);
    if (given === undefined) return defaults;
    if (given.length === 1 && given[0]!.toLowerCase() === "none") return [];
    return given.map((p) =>
      expandPath(p, tokens, ctx, keyword === "userknownhostsfile" ? "UserKnownHostsFile" : "GlobalKnownHostsFile"),
    );
  };
  const systemDir = ctx.systemDir === undefined ? "/etc/ssh" : ctx.systemDir;

  let jump: ResolvedHost | undefined;
  const jumpSpec = one("proxyjump");
  if (jumpSpec !== undefined && jumpSpec.toLowerCase() !== "none") {
    if (depth > 0) {
      throw new SshConfigError(
        `ProxyJump chains are not supported: jump host ${alias} has its own ProxyJump ${jumpSpec}`,
      );
    }
    const spec = parseJumpSpec(jumpSpec);
    const resolved = resolveOne(spec.host, ctx, depth + 1);
    jump = { ...resolved, user: spec.user ?? resolved.user, port: spec.port ?? resolved.port };
  }
  return {
    host,
    port,
    user,
    identityFiles,
    identityFilesConfigured: configured.length > 0,
    hostKeyAlias: one("hostkeyalias"),
    userKnownHostsFiles: files(
      "userknownhostsfile",
      ["known_hosts", "known_hosts2"].map((n) => join(ctx.homeDir, ".ssh", n)),
    ),
    globalKnownHostsFiles: files(
      "globalknownhostsfile",
      systemDir === null ? [] : ["ssh_known_hosts", "ssh_known_hosts2"].map((n) => join(systemDir, n)),
    ),
    jump,
  };
}

/** Resolves `alias` through the user's and the system's ssh config (missing files: the alias as is). */
export function resolveSshHost(alias: string, ctx: ResolveContext): ResolvedHost {
  return resolveOne(alias, ctx, 0);
}
