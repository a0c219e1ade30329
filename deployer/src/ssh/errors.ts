/**
 * One error class per SSH failure the operator can act on; each message is one line, names the
 * server and says what to do. No message carries a secret (keys are named by path, never content).
 */

export class SshError extends Error {
  override name = "SshError";
}

export class ConnectionRefusedError extends SshError {
  override name = "ConnectionRefusedError";
  constructor(host: string, port: number) {
    super(`ssh: ${host}:${port} refused the connection (is sshd running, and is the port right?)`);
  }
}

export class ConnectTimeoutError extends SshError {
  override name = "ConnectTimeoutError";
  constructor(host: string, port: number, timeoutMs: number) {
    super(
      `ssh: no SSH answer from ${host}:${port} within ${timeoutMs / 1000}s (connect timeout; check host, port and firewall)`,
    );
  }
}

export class HostNotFoundError extends SshError {
  override name = "HostNotFoundError";
  constructor(host: string) {
    super(`ssh: cannot resolve host name "${host}" (check the target's host or your ~/.ssh/config)`);
  }
}

export class AuthFailedError extends SshError {
  override name = "AuthFailedError";
  constructor(
    user: string,
    host: string,
    readonly tried: readonly string[],
  ) {
    super(
      `ssh: ${user}@${host} refused every key (tried: ${tried.length > 0 ? tried.join(", ") : "none: no ssh-agent and no identity file"})`,
    );
  }
}

export interface HostKeyInfo {
  host: string;
  port: number;
  keyType: string;
  /** `SHA256:...` as ssh-keygen -l prints it. */
  fingerprint: string;
}

export class HostKeyUnknownError extends SshError {
  override name = "HostKeyUnknownError";
  constructor(
    readonly info: HostKeyInfo,
    reason?: string,
  ) {
    super(
      `ssh: host key of ${info.host}:${info.port} is not known (${info.keyType} ${info.fingerprint})` +
        (reason
          ? `: ${reason}`
          : `; if that is the server's key, accept it with --accept-host-key ${info.fingerprint}`),
    );
  }
}

export class HostKeyChangedError extends SshError {
  override name = "HostKeyChangedError";
  constructor(
    readonly info: HostKeyInfo,
    readonly knownFingerprint: string,
    readonly file: string,
    readonly line: number,
  ) {
    const field = info.port === 22 ? info.host : `[${info.host}]:${info.port}`;
    super(
      `ssh: HOST KEY CHANGED for ${info.host}:${info.port}: it presents ${info.keyType} ${info.fingerprint}, ` +
        `${file}:${line} has ${knownFingerprint}; refusing (possible man-in-the-middle). If the server was ` +
        `reinstalled, remove line ${line} (ssh-keygen -R '${field}' -f ${file}) and connect again`,
    );
  }
}

export class HostKeyRevokedError extends SshError {
  override name = "HostKeyRevokedError";
  constructor(
    readonly info: HostKeyInfo,
    file: string,
    line: number,
  ) {
    super(
      `ssh: host key of ${info.host}:${info.port} (${info.fingerprint}) is marked @revoked at ${file}:${line}; refusing`,
    );
  }
}

export class ConnectionLostError extends SshError {
  override name = "ConnectionLostError";
  constructor(host: string, during: string) {
    super(`ssh: connection to ${host} lost during ${during}`);
  }
}

export class UploadVerifyError extends SshError {
  override name = "UploadVerifyError";
  constructor(host: string, remotePath: string, local: string, remote: string) {
    super(
      `ssh: upload to ${host}:${remotePath} corrupted (sha256 local ${local}, server ${remote}); nothing was replaced`,
    );
  }
}

/** Short text of an unknown thrown value, for wrapping into one line. */
export function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
}
