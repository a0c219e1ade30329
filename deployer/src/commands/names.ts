/**
 * Validated names that end up in remote commands: release tags and the app directory (backup file
 * names are the stack contract's, stack/contract.ts). Every builder checks its inputs here, so a
 * hostile tag throws before any command exists (defence in depth: the CLI already refused it
 * before connecting).
 */
import { botImage } from "../stack/contract.js";

const TAG_RE = /^[A-Za-z0-9._-]{1,128}$/;

/** One-line reason why `tag` is not a usable release tag, or undefined when it is fine. */
export function tagProblem(tag: string): string | undefined {
  if (tag.length === 0) return "the tag is empty";
  if (tag.length > 128) return `the tag is ${tag.length} characters long (at most 128)`;
  if (!TAG_RE.test(tag)) return `the tag ${JSON.stringify(tag)} may hold only letters, digits, '.', '_' and '-'`;
  // "." and ".." would name the releases directory itself or its parent; "-x" reads as an option.
  if (/^\.+$/.test(tag)) return `the tag ${JSON.stringify(tag)} is not a release name`;
  if (tag.startsWith("-")) return `the tag ${JSON.stringify(tag)} may not start with '-'`;
  if (tag.endsWith(".tmp") || tag.endsWith(".lock")) return `the tag ${JSON.stringify(tag)} ends in a reserved suffix`;
  return undefined;
}

export function assertTag(tag: string): string {
  const problem = tagProblem(tag);
  if (problem) throw new Error(problem);
  return tag;
}

/** An absolute, plain path (no "..", no odd characters): the app directory from the config. */
export function assertAppDir(dir: string): string {
  if (!/^\/[A-Za-z0-9._/-]*$/.test(dir) || dir.split("/").some((p) => p === ".." || p === "."))
    throw new Error(
      `the app directory ${JSON.stringify(dir)} must be an absolute path of letters, digits, '.', '_', '-', '/'`,
    );
  if (dir === "/") throw new Error("the app directory may not be /");
  return dir.replace(/\/+$/, "");
}

/** The bot image of a checked tag (the name itself is the stack contract's). */
export function imageName(tag: string): string {
  return botImage(assertTag(tag));
}
