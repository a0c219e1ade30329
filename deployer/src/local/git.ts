/** The local git repository: tags, their commits, and the release archive of a tag. */
import { tagProblem } from "../commands/names.js";
import { runBinary } from "./process.js";

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Never rejects: git missing is exit code 127 with the reason on stderr. */
export function git(cwd: string, args: string[]): Promise<GitResult> {
  return runBinary("git", args, { cwd }).catch((e: unknown) => ({
    code: 127,
    stdout: Buffer.alloc(0),
    stderr: `git: ${e instanceof Error ? e.message : String(e)}`,
  }));
}

export async function repoRoot(cwd: string): Promise<string> {
  const r = await git(cwd, ["rev-parse", "--show-toplevel"]);
  if (r.code !== 0) throw new Error(`${cwd} is not inside a git repository`);
  return r.stdout.toString("utf8").trim();
}

/** The commit a tag points at; throws one line when the tag is malformed or unknown. */
export async function tagCommit(cwd: string, tag: string): Promise<string> {
  const problem = tagProblem(tag);
  if (problem) throw new Error(problem);
  const r = await git(cwd, ["rev-parse", "--verify", "--quiet", `refs/tags/${tag}^{commit}`]);
  if (r.code !== 0)
    throw new Error(
      `the tag ${tag} does not exist in git (create it with \`git tag ${tag}\`, or list them with \`git tag\`)`,
    );
  return r.stdout.toString("utf8").trim();
}

export interface LocalTag {
  tag: string;
  commit: string;
  date: string;
  subject: string;
}

/** Usable tags, newest first. */
export async function listTags(cwd: string): Promise<LocalTag[]> {
  const r = await git(cwd, [
    "for-each-ref",
    "--sort=-creatordate",
    "--format=%(refname:short)%09%(*objectname)%(objectname)%09%(creatordate:iso-strict)%09%(subject)",
    "refs/tags",
  ]);
  if (r.code !== 0) return [];
  const out: LocalTag[] = [];
  for (const line of r.stdout.toString("utf8").split("\n")) {
    const [tag, ids, date, subject] = line.split("\t");
    if (!tag || tagProblem(tag)) continue;
    // For annotated tags %(*objectname) is the commit; plain tags have only %(objectname).
    out.push({ tag, commit: (ids ?? "").slice(0, 40), date: date ?? "", subject: subject ?? "" });
  }
  return out;
}

export async function isTracked(cwd: string, path: string): Promise<boolean> {
  const r = await git(cwd, ["ls-files", "--error-unmatch", "--", path]);
  return r.code === 0;
}

/** What the server needs of a release (docs/CONTRACTS.md). */
export const RELEASE_PATHS = [
  "package.json",
  "package-lock.json",
  // bot/tsconfig.json extends it; bot/Dockerfile copies it into the build stage
  "tsconfig.json",
  "bot",
  "docker-compose.prod.yml",
  "remote",
  ".dockerignore",
];

export interface ReleaseArchive {
  data: Buffer;
  paths: string[];
}

/** `git archive` of the tag limited to RELEASE_PATHS that exist in it, gzip-compressed. */
export async function releaseArchive(cwd: string, tag: string): Promise<ReleaseArchive> {
  const commit = await tagCommit(cwd, tag);
  const tree = await git(cwd, ["ls-tree", "--name-only", commit]);
  if (tree.code !== 0) throw new Error(`cannot list the files of ${tag}: ${tree.stderr.trim()}`);
  const present = new Set(tree.stdout.toString("utf8").split("\n"));
  const paths = RELEASE_PATHS.filter((p) => present.has(p));
  for (const required of ["bot", "docker-compose.prod.yml", "package.json"])
    if (!present.has(required)) throw new Error(`the tag ${tag} has no ${required}: not a release of this project`);
  const r = await git(cwd, ["archive", "--format=tar.gz", commit, "--", ...paths]);
  if (r.code !== 0) throw new Error(`git archive ${tag} failed: ${r.stderr.trim().split("\n")[0]}`);
  return { data: r.stdout, paths };
}
