/** Plain docker commands: images, health, clean-up. */
import type { Argv } from "../ssh/types.js";
import { APP, imageName } from "./names.js";

/** Exit 0 and the size in bytes when the image exists. */
export const imageSize = (tag: string): Argv => ["docker", "image", "inspect", "--format", "{{.Size}}", imageName(tag)];

export const listBotImages = (): Argv => ["docker", "image", "ls", "--format", "{{.Tag}}", `${APP}-bot`];

export const removeImage = (tag: string): Argv => ["docker", "image", "rm", imageName(tag)];

/** Health of one container as JSON: {"Status": ..., "Log": [{Start, End, ExitCode, Output}]}. */
export const inspectHealth = (containerId: string): Argv => {
  if (!/^[0-9a-f]{12,64}$/.test(containerId)) throw new Error(`not a container id: ${JSON.stringify(containerId)}`);
  return ["docker", "inspect", "--format", "{{json .State}}", containerId];
};

/** Per-container memory and CPU, once. */
export const stats = (): Argv => ["docker", "stats", "--no-stream", "--format", "{{json .}}"];

/** Dangling layers and build cache: safe, never touches tagged images. */
export const pruneDangling = (): Argv[] => [
  ["docker", "image", "prune", "-f"],
  ["docker", "builder", "prune", "-f", "--filter", "until=168h"],
];

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "?";
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i] ?? "B"}`;
}
