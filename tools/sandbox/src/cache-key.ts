/**
 * Content keys for images: a hash over the recipe, the inputs' contents, build arguments and the base
 * image's id. Stored as an image label; an image is rebuilt only when its key changes.
 */
import { createHash } from "node:crypto";
import { createReadStream, readdirSync } from "node:fs";
import { join, relative } from "node:path";

export interface CacheInputs {
  /** What builds it, e.g. "rootfs" or "dockerfile"; bump a version here to invalidate old images. */
  recipe: string;
  /** Context file name -> sha256 of its content. */
  files: Record<string, string>;
  args: Record<string, string>;
  /** Image ids the build starts from (empty for a rootfs). */
  baseIds: readonly string[];
}

/** Canonical: the order in which files and args were listed does not matter. */
export function cacheKey(inputs: CacheInputs): string {
  const sorted = (o: Record<string, string>) =>
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]);
  const canonical = JSON.stringify([inputs.recipe, sorted(inputs.files), sorted(inputs.args), [...inputs.baseIds]]);
  return createHash("sha256").update(canonical).digest("hex");
}

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

/** One hash over the files under `dir` that `include` accepts (relative path -> content), in name order. */
export async function sha256Tree(dir: string, include: (relativePath: string) => boolean): Promise<string> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter(include)
    .sort();
  const hashes = await Promise.all(files.map((f) => sha256File(join(dir, f))));
  return sha256(JSON.stringify(files.map((f, i) => [f, hashes[i]])));
}
