/** Names of everything the sandbox creates on the host, in one place (pure). */
import { createHash } from "node:crypto";

export type Flavour = "ready" | "bare";
export const FLAVOURS: readonly Flavour[] = ["ready", "bare"];

export function isFlavour(value: string): value is Flavour {
  return (FLAVOURS as readonly string[]).includes(value);
}

/** Label on every image the sandbox builds: the content hash of its recipe and inputs. */
export const CACHE_LABEL = "org.remindbot.sandbox.cache-key";
/** Label on every container and volume the sandbox creates, so nothing else is ever touched. */
export const OWNER_LABEL = "org.remindbot.sandbox";

/**
 * One user-defined network holds the VDS containers and the fake Bot API, at fixed addresses, so the
 * sandbox's env can name the fake Bot API by IP. 10.213.7.0/24 stays clear of Docker's default pools
 * (172.17.0.0/16 and up), which the engine inside the VDS uses for its own networks.
 */
export const NETWORK = { name: "remindbot-sandbox", subnet: "10.213.7.0/24", gateway: "10.213.7.1" } as const;

export const TELEGRAM = {
  container: "remindbot-sandbox-telegram",
  ip: "10.213.7.5",
  port: 8081,
  /** Published on the host's loopback, for the tests' control plane. */
  hostBind: "127.0.0.1",
  /** Where tools/fake-telegram is mounted inside the container, and its entry there. */
  mountPath: "/srv/fake-telegram",
  entry: "/srv/fake-telegram/src/cli.ts",
} as const;

export function telegramApiRoot(): string {
  return `http://${TELEGRAM.ip}:${TELEGRAM.port}`;
}

export function telegramControlUrl(): string {
  return `http://${TELEGRAM.hostBind}:${TELEGRAM.port}/__control`;
}

export interface VdsNames {
  flavour: Flavour;
  container: string;
  /** Named volume for the VDS's /var/lib/docker (overlay2 does not nest on overlayfs). */
  volume: string;
  hostname: string;
  image: string;
  sshHost: string;
  sshPort: number;
  ip: string;
}

export function vdsNames(flavour: Flavour): VdsNames {
  const ready = flavour === "ready";
  return {
    flavour,
    container: `remindbot-sandbox-${flavour}`,
    volume: `remindbot-sandbox-${flavour}-docker`,
    hostname: ready ? "sandbox" : "sandbox-bare",
    image: `remindbot-sandbox-vds:${flavour}`,
    sshHost: "127.0.0.1",
    sshPort: ready ? 2222 : 2223,
    ip: ready ? "10.213.7.10" : "10.213.7.11",
  };
}

/** The images the production files name; the ready VDS gets them loaded into its engine. */
export const BASE_IMAGES_FOR_VDS = ["debian:bookworm-slim", "node:22-bookworm-slim", "postgres:17-bookworm"] as const;

/** A file name for an image's build log: `node:22-bookworm-slim` -> `build-node_22-bookworm-slim.log`. */
export function buildLogName(tag: string): string {
  return `build-${tag.replace(/[^A-Za-z0-9.-]+/g, "_")}.log`;
}

/**
 * A ready VDS's /var/lib/docker right after the base images were loaded, kept as a volume: a new
 * server starts from a copy (seconds) instead of `docker save | docker load` (half a minute). Named
 * by the ids of the VDS image and the base images, so any change makes a new one.
 */
export function seedVolumeName(imageIds: readonly string[]): string {
  return `remindbot-sandbox-seed-${createHash("sha256").update(imageIds.join("\n")).digest("hex").slice(0, 16)}`;
}

/** Written last into a seed; a seed without it (an interrupted copy) is never used. */
export const SEED_MARKER = ".remindbot-sandbox-seed-complete";
