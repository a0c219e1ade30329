/** From a Target to the SSH layer's connectRemote: ssh config aliases, known_hosts files and HostKeyAlias, root or deploy user. */
import { homedir, userInfo } from "node:os";
import { connectRemote } from "../ssh/remote.js";
import { resolveSshHost } from "../ssh/ssh-config.js";
import type { Remote } from "../ssh/types.js";
import { DEPLOY_USER } from "../stack/contract.js";
import type { ConnectRequest } from "./deployer.js";

export async function connectTarget(req: ConnectRequest): Promise<Remote> {
  const t = req.target;
  const home = homedir();
  // The sandbox is ours alone: neither the user's nor the system's ssh config applies to it.
  const resolved = resolveSshHost(t.host, {
    homeDir: home,
    localUser: userInfo().username,
    ...(t.sandbox ? { userConfig: null, systemDir: null } : {}),
  });
  const user = req.asRoot ? t.rootUser : (t.user ?? resolved.user ?? DEPLOY_USER);
  const identityFiles = t.identityFile ? [t.identityFile.replace(/^~(?=\/)/, home)] : resolved.identityFiles;
  const knownHostsFiles = [...(t.knownHostsFile ? [t.knownHostsFile] : []), ...resolved.userKnownHostsFiles];
  return connectRemote({
    host: resolved.host,
    port: t.port ?? resolved.port,
    user,
    identityFiles,
    knownHostsFiles,
    globalKnownHostsFiles: resolved.globalKnownHostsFiles,
    ...(resolved.hostKeyAlias !== undefined ? { hostKeyAlias: resolved.hostKeyAlias } : {}),
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
            ...(resolved.jump.hostKeyAlias !== undefined ? { hostKeyAlias: resolved.jump.hostKeyAlias } : {}),
          },
        }
      : {}),
  });
}
