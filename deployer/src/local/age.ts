/**
 * age on the workstation: decrypts an off-site copy with an identity (private key) file given for
 * that run only. The key is read by age from its file; it never goes to the server or a log.
 */
import { spawn } from "node:child_process";
import { open, rm } from "node:fs/promises";

/** The first `age: error:` line, or the last line said, or a fallback. */
function why(stderr: string): string {
  const lines = stderr.split("\n").filter(Boolean);
  return (lines.find((l) => l.startsWith("age: error:")) ?? lines.at(-1) ?? "no message").replace(/^age: error: /, "");
}

/**
 * Decrypts `input` into `output`, created 0600 before age writes a byte (age writes to our file
 * descriptor). Throws a one-line Error naming what failed; a partial output is removed.
 */
export async function decryptFile(identityFile: string, input: string, output: string): Promise<void> {
  const fh = await open(output, "wx", 0o600);
  let stderr = "";
  let code: number;
  try {
    code = await new Promise<number>((resolve, reject) => {
      const child = spawn("age", ["--decrypt", "--identity", identityFile, input], {
        stdio: ["ignore", fh.fd, "pipe"],
      });
      child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
      child.on("error", (e: NodeJS.ErrnoException) =>
        reject(new Error(e.code === "ENOENT" ? "age is not installed here (apt-get install age)" : e.message)),
      );
      child.on("close", (c) => resolve(c ?? 128));
    });
  } finally {
    await fh.close();
  }
  if (code !== 0) {
    await rm(output, { force: true });
    throw new Error(`age could not decrypt ${input.split("/").pop()}: ${why(stderr)}`);
  }
}
