/** The workstation's public key for provision: the identity's .pub, else the usual defaults. */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { StepError } from "./context.js";

export function findPublicKey(identityFile?: string): string {
  const candidates = [
    ...(identityFile ? [`${identityFile}.pub`] : []),
    ...["id_ed25519", "id_ecdsa", "id_rsa"].map((n) => join(homedir(), ".ssh", `${n}.pub`)),
  ];
  for (const c of candidates) if (existsSync(c)) return readFileSync(c, "utf8").trim();
  throw new StepError(`no public key found (tried ${candidates.join(", ")}); create one with ssh-keygen -t ed25519`);
}
