/**
 * Disaster-recovery fixtures on the sandbox, shared by the e2e (test/e2e/disaster-recovery.e2e.ts)
 * and the bench (deployer/src/engine/dr.bench.ts): the bare VDS as the off-site host (an account
 * `offsite`, a folder; not `backup`, which Debian already has as a system account), the ready VDS's key for the copies, and a file target for the ready VDS
 * with encrypted off-site copies (the built-in `sandbox` target has none).
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { docker } from "../../tools/sandbox/src/docker.js";
import { vdsNames } from "../../tools/sandbox/src/names.js";
import { APP_DIR, root } from "./deployer-cli.js";
import { sandboxSsh, writeSandboxTarget } from "./sandbox.js";

export const FAR_DIR = "/srv/offsite";
/** The off-site host as the server reaches it (the sandbox network), and as this machine does. */
export const FAR_FROM_SERVER = `offsite@${vdsNames("bare").ip}:${FAR_DIR}`;
export const FAR_FROM_HERE = `root@127.0.0.1:${vdsNames("bare").sshPort}:${FAR_DIR}`;

/** A root command on the off-site host that must succeed; its trimmed stdout. */
export async function far(cmd: string, what: string, timeoutMs = 5 * 60_000): Promise<string> {
  const r = await sandboxSsh(cmd, { flavour: "bare", timeoutMs });
  expect(r.code, `${what}: exit ${r.code}: ${r.stderr}`).to.equal(0);
  return r.stdout.trim();
}

/** The far host's account `offsite` and an empty FAR_DIR. */
export async function prepareFarHost(): Promise<void> {
  await far(
    `id offsite >/dev/null 2>&1 || useradd --create-home --shell /bin/bash offsite; ` +
      `install -d -o offsite -g offsite -m 0700 /home/offsite/.ssh ${FAR_DIR} && rm -f ${FAR_DIR}/*`,
    "the far host's account",
  );
}

/**
 * What a person does once per server (docs/DEPLOYMENT.md, "Encrypted off-site copies"): age
 * installed (here copied from this machine, standing in for `apt-get install age`), a key for the
 * copies, the far host's key pinned, the server's public key authorised for `offsite` there.
 */
export async function prepareServerForCopies(): Promise<void> {
  const cp = await docker(["cp", "/usr/bin/age", `${vdsNames("ready").container}:/usr/local/bin/age`]);
  expect(cp.code, cp.stderr).to.equal(0);
  await root(
    `sudo -u deploy ssh-keygen -q -t ed25519 -N '' -C offsite -f ${APP_DIR}/shared/offsite_id <<<y >/dev/null; ` +
      `ssh-keyscan -t ed25519 ${vdsNames("bare").ip} 2>/dev/null > ${APP_DIR}/shared/offsite_known_hosts && ` +
      `chown deploy ${APP_DIR}/shared/offsite_known_hosts && chmod 0600 ${APP_DIR}/shared/offsite_known_hosts`,
    "the server's key for off-site copies",
  );
  const pub = await root(`cat ${APP_DIR}/shared/offsite_id.pub`, "its public key");
  await far(
    `printf '%s\\n' ${JSON.stringify(`restrict ${pub}`)} > /home/offsite/.ssh/authorized_keys && ` +
      "chown offsite:offsite /home/offsite/.ssh/authorized_keys && chmod 0600 /home/offsite/.ssh/authorized_keys",
    "authorising the server's key on the far host",
  );
}

/** A new age key pair in `dir` (dr-key.txt, 0600 by age-keygen); its path and public key. */
export function ageKeyPair(dir: string): { identity: string; recipient: string } {
  const identity = join(dir, "dr-key.txt");
  execFileSync("age-keygen", ["-o", identity], { stdio: "ignore" });
  return { identity, recipient: execFileSync("age-keygen", ["-y", identity], { encoding: "utf8" }).trim() };
}

/** Writes deploy.targets.yml in `repo` with target `name`: the ready VDS, copies to FAR_FROM_SERVER. */
export function writeDrTarget(repo: string, name: string, recipient: string): void {
  writeSandboxTarget(repo, name, [
    "backup:",
    "  minFreeMb: 256",
    "  offsite:",
    `    recipient: ${recipient}`,
    `    destinations: ["${FAR_FROM_SERVER}"]`,
  ]);
}
