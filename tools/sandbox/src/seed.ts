/**
 * Seeds for a new ready VDS's Docker disk (see seedVolumeName): made once from a server whose engine
 * has just loaded the base images, then copied into each new server's volume before it boots.
 */
import { docker, dockerOk, exists, inspect } from "./docker.js";
import { SandboxError, lastLines } from "./errors.js";
import type { VdsNames } from "./names.js";
import { BASE_IMAGES_FOR_VDS, OWNER_LABEL, SEED_MARKER, seedVolumeName } from "./names.js";

const HELPER_IMAGE = "debian:bookworm-slim";

/** The seed volume for the current images, or undefined when an image is missing. */
export async function currentSeed(names: VdsNames): Promise<string | undefined> {
  const ids = await Promise.all([names.image, ...BASE_IMAGES_FOR_VDS].map((i) => inspect("image", i, "{{.Id}}")));
  return ids.every(Boolean) ? seedVolumeName(ids as string[]) : undefined;
}

function copyVolume(from: string, to: string, script: string): Promise<string> {
  return dockerOk(
    ["run", "--rm", "--network", "none", "-v", `${from}:/from:ro`, "-v", `${to}:/to`, HELPER_IMAGE, "sh", "-c", script],
    `copying ${from} to ${to}`,
    { timeoutMs: 10 * 60_000 },
  );
}

/** Fills a new server's docker volume from the seed; false when there is no complete seed. */
export async function seedVolume(seed: string, volume: string): Promise<boolean> {
  if (!(await exists("volume", seed))) return false;
  const out = await copyVolume(
    seed,
    volume,
    `[ -f /from/${SEED_MARKER} ] || { echo incomplete; exit 0; }; cp -a /from/. /to/ && rm -f /to/${SEED_MARKER} && echo seeded`,
  );
  if (out.trim() === "seeded") return true;
  await docker(["volume", "rm", "-f", seed]); // an interrupted copy: make a new one later
  return false;
}

/**
 * Copies a running ready VDS's /var/lib/docker into the seed, with its engine stopped for a
 * consistent copy (a few seconds, once per image change); older seeds are removed.
 */
export async function makeSeed(names: VdsNames, seed: string): Promise<void> {
  const stop = await docker(["exec", names.container, "systemctl", "stop", "docker.socket", "docker.service"]);
  if (stop.code !== 0) throw new SandboxError(`stopping the sandbox's engine failed: ${lastLines(stop.stderr, 1)}`);
  try {
    await docker(["volume", "rm", "-f", seed]);
    await dockerOk(["volume", "create", "--label", `${OWNER_LABEL}=seed`, seed], `creating ${seed}`);
    await copyVolume(names.volume, seed, `cp -a /from/. /to/ && touch /to/${SEED_MARKER}`);
  } finally {
    await docker(["exec", names.container, "systemctl", "start", "docker.socket", "docker.service"]);
  }
  const all = await docker(["volume", "ls", "-q", "--filter", `label=${OWNER_LABEL}=seed`]);
  for (const old of all.stdout.split("\n").filter((v) => v && v !== seed)) await docker(["volume", "rm", old]);
}
