/** DeployerApi over the engine: targets from config, tags from git, sessions over SSH. */
import type { DeployerApi, TagInfo, TargetSession, TargetSummary, UnknownHostKey } from "./api.js";
import { listTargets, resolveTarget, type Target, type TargetSources } from "../config/targets.js";
import { listTags } from "../local/git.js";
import type { Remote } from "../ssh/types.js";
import type { RenderUnits } from "./context.js";
import { EngineSession, summarize } from "./session.js";
import { secretValues, parseEnv } from "../config/env-file.js";
import { existsSync, readFileSync } from "node:fs";

export interface ConnectRequest {
  target: Target;
  /** root (or a sudoer) for provision; the deploy user otherwise. */
  asRoot: boolean;
  /** Values the SSH layer redacts from every line it streams back. */
  secrets: string[];
  confirmHostKey?: (key: UnknownHostKey) => Promise<boolean>;
  acceptHostKey?: string;
}

export type ConnectFn = (req: ConnectRequest) => Promise<Remote>;

export interface EngineDeps {
  sources: TargetSources;
  repoDir: string;
  connect: ConnectFn;
  by: string;
  renderUnits?: RenderUnits;
  acceptHostKey?: string;
}

/** The env's values, for redaction, without validating (validation is the deploy's local check). */
export function envSecrets(t: Target): string[] {
  if (!existsSync(t.envFile)) return [];
  return secretValues(parseEnv(readFileSync(t.envFile, "utf8")));
}

export function openSession(
  deps: EngineDeps,
  target: Target,
  confirm?: (k: UnknownHostKey) => Promise<boolean>,
): EngineSession {
  const secrets = envSecrets(target);
  const base = {
    target,
    secrets,
    ...(confirm ? { confirmHostKey: confirm } : {}),
    ...(deps.acceptHostKey ? { acceptHostKey: deps.acceptHostKey } : {}),
  };
  return new EngineSession({
    target,
    repoDir: deps.repoDir,
    by: deps.by,
    connect: () => deps.connect({ ...base, asRoot: false }),
    connectRoot: () => deps.connect({ ...base, asRoot: true }),
    // Another host as the workstation reaches it (an off-site copy), with this target's keys and known_hosts.
    connectHost: (h) => {
      const { port: _targetsPort, ...rest } = target; // the far host's port is its own (or ssh config's)
      return deps.connect({
        ...base,
        target: {
          ...rest,
          host: h.host,
          ...(h.port !== undefined ? { port: h.port } : {}),
          ...(h.user !== undefined ? { user: h.user } : {}),
        },
        asRoot: false,
      });
    },
    ...(deps.renderUnits ? { renderUnits: deps.renderUnits } : {}),
  });
}

export function createDeployerApi(deps: EngineDeps): DeployerApi {
  return {
    async targets(): Promise<TargetSummary[]> {
      return listTargets(deps.sources).map(summarize);
    },
    async localTags(): Promise<TagInfo[]> {
      return listTags(deps.repoDir);
    },
    async connect(name: string, confirmHostKey: (key: UnknownHostKey) => Promise<boolean>): Promise<TargetSession> {
      const session = openSession(deps, resolveTarget(name, deps.sources), confirmHostKey);
      await session.open();
      return session;
    },
  };
}
