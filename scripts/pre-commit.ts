// Git pre-commit hook (installed by simple-git-hooks on npm install): refuses secrets, says why.
import { execFileSync } from "node:child_process";
import { findSecretProblems, type StagedFile } from "./secret-guard.js";

function git(args: string[]): Buffer {
  return execFileSync("git", args, { maxBuffer: 256 * 1024 * 1024 });
}

const paths = git(["diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z"])
  .toString("utf8")
  .split("\0")
  .filter(Boolean);

const files: StagedFile[] = paths.map((path) => {
  const blob = git(["show", `:${path}`]);
  // Binary files (a NUL in the first 8 KiB, as git decides) are not scanned for tokens.
  return blob.subarray(0, 8192).includes(0) ? { path } : { path, content: blob.toString("utf8") };
});

const problems = findSecretProblems(files);
if (problems.length > 0) {
  console.error("pre-commit: commit refused:");
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
