/**
 * Resolves a host alias the way `ssh` would through ~/.ssh/config: HostName, User, Port,
 * IdentityFile (with `~` and %d/%h/%r/%u/%% expanded) and ProxyJump (one jump host; a chain is
 * refused clearly). Pure: takes the file's text; `Match exec` is never run.
 */
import SSHConfig from "ssh-config";

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
  /** The one jump host to go through, resolved the same way. */
  jump: ResolvedHost | undefined;
}

export interface ResolveContext {
  homeDir: string;
  /** The local user name, for %u. */
  localUser: string;
}

export class SshConfigError extends Error {
  override name = "SshConfigError";
}

const DEFAULT_IDENTITIES = ["id_ed25519", "id_ecdsa", "id_rsa"];

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function all(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function parsePort(text: string, where: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new SshConfigError(`invalid port "${text}" in ${where}`);
  return port;
}

function expandPath(path: string, tokens: Record<string, string>, ctx: ResolveContext): string {
  const withTokens = path.replace(/%(.)/g, (whole, t: string) => {
    if (t === "%") return "%";
    const value = tokens[t];
    if (value === undefined) throw new SshConfigError(`unsupported token ${whole} in IdentityFile ${path}`);
    return value;
  });
  if (withTokens === "~") return ctx.homeDir;
  if (withTokens.startsWith("~/")) return `${ctx.homeDir}/${withTokens.slice(2)}`;
  return withTokens;
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

function resolveOne(alias: string, config: SSHConfig, ctx: ResolveContext, depth: number): ResolvedHost {
  const c = config.compute(alias, { ignoreCase: true, matchExec: false });
  const host = (first(c.hostname) ?? alias).replace(/%h/g, alias);
  const port = first(c.port) === undefined ? 22 : parsePort(first(c.port)!, `Host ${alias}`);
  const user = first(c.user);
  const tokens = { d: ctx.homeDir, h: host, r: user ?? ctx.localUser, u: ctx.localUser };
  const configured = all(c.identityfile).map((p) => expandPath(p, tokens, ctx));
  const identityFiles = configured.length > 0 ? configured : DEFAULT_IDENTITIES.map((n) => `${ctx.homeDir}/.ssh/${n}`);

  let jump: ResolvedHost | undefined;
  const jumpSpec = first(c.proxyjump);
  if (jumpSpec !== undefined && jumpSpec.toLowerCase() !== "none") {
    if (depth > 0) {
      throw new SshConfigError(
        `ProxyJump chains are not supported: jump host ${alias} has its own ProxyJump ${jumpSpec}`,
      );
    }
    const spec = parseJumpSpec(jumpSpec);
    const resolved = resolveOne(spec.host, config, ctx, depth + 1);
    jump = { ...resolved, user: spec.user ?? resolved.user, port: spec.port ?? resolved.port };
  }
  return { host, port, user, identityFiles, identityFilesConfigured: configured.length > 0, jump };
}

/** Resolves `alias` through the text of an ssh config file (empty text: the alias as is). */
export function resolveSshHost(alias: string, configText: string, ctx: ResolveContext): ResolvedHost {
  let config: SSHConfig;
  try {
    config = SSHConfig.parse(configText);
  } catch (err) {
    throw new SshConfigError(`cannot parse ssh config: ${(err as Error).message}`);
  }
  return resolveOne(alias, config, ctx, 0);
}
