/**
 * One SSH connection carries every command of a session as channels, and OpenSSH refuses more
 * than MaxSessions (default 10) open at once with "Channel open failure". The engine asks in
 * parallel (status: six questions, one of them the five of probe(); the UI polls meanwhile), so
 * the Remote it uses queues calls beyond a limit instead of failing them.
 */
import type { Remote } from "../ssh/types.js";

/** Below sshd's default MaxSessions (10), with room for the SFTP channel and a `logs --follow`. */
export const MAX_CHANNELS = 6;

export function limitChannels(remote: Remote, max = MAX_CHANNELS): Remote {
  let active = 0;
  const waiting: Array<() => void> = [];
  const slot = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
  return {
    host: remote.host,
    user: remote.user,
    run: (argv, options) => slot(() => remote.run(argv, options)),
    script: (text, options) => slot(() => remote.script(text, options)),
    upload: (source, path, options) => slot(() => remote.upload(source, path, options)),
    download: (path, local, onProgress) => slot(() => remote.download(path, local, onProgress)),
    close: () => remote.close(),
  };
}
