/** From a Target to the SSH layer's connectRemote: ~/.ssh/config aliases, known_hosts files, root or deploy user. */
import { existsSync, readFileSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { connectRemote } from "../ssh/remote.js";
import { resolveSshHost } from "../ssh/ssh-config.js";
import type { Remote } from "../ssh/types.js";
import type { ConnectRequest } from "./deployer.js";

export async function connectTarget(req: ConnectRequest): Promise<Remote> {
  const t = req.target;
  const home = homedir();
  const cfgPath = join(home, ".ssh", "config");
  const cfg = t.sandbox || !existsSync(cfgPath) ? "" : readFileSync(cfgPath, "utf8");
  const resolved = resolveSshHost(t.host, cfg, { homeDir: home, localUser: userInfo().username });
  const user = req.asRoot ? t.rootUser : (t.user ?? resolved.user ?? "deploy");
  const identityFiles = t.identityFile ? [t.identityFile.replace(/^~(?=\/)/, home)] : resolved.identityFiles;
  const knownHostsFiles = [...(t.knownHostsFile ? [t.knownHostsFile] : []), join(home, ".ssh", "known_hosts")];
  return connectRemote({
    host: resolved.host,
    port: t.port ?? resolved.port,
    user,
    identityFiles,
    knownHostsFiles,
    secrets: req.secrets,
    ...(req.acceptHostKey ? { acceptHostKey: req.acceptHostKey } : {}),
    ...(req.confirmHostKey
      ? { onUnknownHostKey: (k) => req.confirmHostKey!({ host: k.host, port: k.port, fingerprint: k.fingerprint }) }
      : {}),
    ...(resolved.jump
      ? {
          jump: {
            host: resolved.jump.host,
            port: resolved.jump.port,
            user: resolved.jump.user ?? user,
            identityFiles: resolved.jump.identityFiles,
          },
        }
      : {}),
  });
}
