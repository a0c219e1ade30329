/** Plain docker commands: images, stats, clean-up. */
import type { Argv } from "../ssh/types.js";
import { BOT_IMAGE_REPO } from "../stack/contract.js";
import { imageName } from "./names.js";

/** Exit 0 and the size in bytes when the image exists. */
export const imageSize = (tag: string): Argv => ["docker", "image", "inspect", "--format", "{{.Size}}", imageName(tag)];

export const listBotImages = (): Argv => ["docker", "image", "ls", "--format", "{{.Tag}}", BOT_IMAGE_REPO];

export const removeImage = (tag: string): Argv => ["docker", "image", "rm", imageName(tag)];

/** Per-container memory and CPU, once. */
export const stats = (): Argv => ["docker", "stats", "--no-stream", "--format", "{{json .}}"];

/** Dangling layers and build cache: safe, never touches tagged images. */
export const pruneDangling = (): Argv[] => [
  ["docker", "image", "prune", "-f"],
  ["docker", "builder", "prune", "-f", "--filter", "until=168h"],
];
