/** Plain docker commands: images, health, clean-up. */
import { formatBytes } from "../format.js";
import type { Argv } from "../ssh/types.js";
import { BOT_IMAGE_REPO } from "../stack/contract.js";
import { imageName } from "./names.js";
import { prefixed, scriptCall, type ScriptCall } from "./script.js";

/** Exit 0 and the size in bytes when the image exists. */
export const imageSize = (tag: string): Argv => ["docker", "image", "inspect", "--format", "{{.Size}}", imageName(tag)];

export const listBotImages = (): Argv => ["docker", "image", "ls", "--format", "{{.Tag}}", BOT_IMAGE_REPO];

export const removeImage = (tag: string): Argv => ["docker", "image", "rm", imageName(tag)];

/** Health of one container as JSON: {"Status": ..., "Log": [{Start, End, ExitCode, Output}]}. */
export const inspectHealth = (containerId: string): Argv => {
  if (!/^[0-9a-f]{12,64}$/.test(containerId)) throw new Error(`not a container id: ${JSON.stringify(containerId)}`);
  return ["docker", "inspect", "--format", "{{json .State}}", containerId];
};

/** A container's environment and addresses: {"Env": ["K=V", ...], "Ips": ["172.19.0.3", ...]}-ish text. */
export const inspectAddress = (containerId: string): Argv => {
  if (!/^[0-9a-f]{12,64}$/.test(containerId)) throw new Error(`not a container id: ${JSON.stringify(containerId)}`);
  return [
    "docker",
    "inspect",
    "--format",
    "{{json .Config.Env}}\t{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
    containerId,
  ];
};

/**
 * One GET of the bot's health endpoint (docs/CONTRACTS.md: /health on HEALTH_PORT) from the server
 * itself, over the bridge network (remote/bin/health-get.sh): prints the status line, then the
 * body. Bounded to 2 s: a starting bot may accept and not answer.
 */
export const getHealth = (ip: string, port: number): ScriptCall => {
  if (!/^[0-9a-f.:]{2,45}$/i.test(ip)) throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`not a port: ${port}`);
  return prefixed(["timeout", "2"], scriptCall("remote/bin/health-get.sh", ip, String(port)));
};

/** Per-container memory and CPU, once. */
export const stats = (): Argv => ["docker", "stats", "--no-stream", "--format", "{{json .}}"];

/** Dangling layers and build cache: safe, never touches tagged images. */
export const pruneDangling = (): Argv[] => [
  ["docker", "image", "prune", "-f"],
  ["docker", "builder", "prune", "-f", "--filter", "until=168h"],
];

/** The one formatBytes (../format.ts), also here for callers that reach it as docker.formatBytes. */
export { formatBytes };
