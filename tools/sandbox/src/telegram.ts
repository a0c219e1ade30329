/**
 * The fake Telegram Bot API (tools/fake-telegram, its directory mounted) as a container on the sandbox network,
 * at a fixed address the bot inside the VDS reaches (TELEGRAM_API_ROOT), published on the host's
 * loopback for the tests' control plane.
 */
import { existsSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { sha256Tree } from "./cache-key.js";
import { docker, dockerOk, inspect } from "./docker.js";
import { telegramCreateArgs } from "./docker-args.js";
import { SandboxError, lastLines } from "./errors.js";
import { OWNER_LABEL, TELEGRAM, telegramControlUrl } from "./names.js";
import { REPO_ROOT } from "../../../deployer/src/local/repo-root.js";

export const FAKE_TELEGRAM_DIR = join(REPO_ROOT, "tools", "fake-telegram");
/** What the container runs: the package manifest (its module type) and the sources, tests aside. */
const runsFrom = (path: string) => path === "package.json" || (path.startsWith("src/") && !path.endsWith(".test.ts"));
const IMAGE = "node:22-bookworm-slim";

/** One GET with node:http: its socket keeps the process alive (undici's fetch unrefs its own). */
function httpGet(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

async function answers(timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await httpGet(`${telegramControlUrl()}/calls`, 2_000)) === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/**
 * Runs the fake Bot API (recreated when its files or the image changed). Returns false, with a
 * warning, when the fake is not in this checkout: the VDS works without it.
 */
export async function ensureTelegram(log: (line: string) => void): Promise<boolean> {
  if (!existsSync(join(FAKE_TELEGRAM_DIR, "src", "cli.ts"))) {
    log(`warning: ${FAKE_TELEGRAM_DIR} not found: the fake Bot API is not running`);
    return false;
  }
  const hash = await sha256Tree(FAKE_TELEGRAM_DIR, runsFrom);
  const current = await inspect(
    "container",
    TELEGRAM.container,
    `{{index .Config.Labels "${OWNER_LABEL}.file-hash"}} {{.Image}} {{.State.Running}} {{range .Mounts}}{{.Source}}{{end}}`,
  );
  const imageId = await inspect("image", IMAGE, "{{.Id}}");
  // the mount's source last: a checkout's path may hold spaces
  const [recorded, image, running, ...mounted] = current?.split(" ") ?? [];
  const source = current === undefined ? undefined : mounted.join(" ");
  // a container made from another checkout of the repo (same files, same image) mounts that
  // checkout's directory: it would not start once that checkout is gone, and would not follow edits here
  const stale = recorded !== hash || image !== imageId || source !== FAKE_TELEGRAM_DIR;
  if (current !== undefined && stale) {
    await docker(["rm", "-f", TELEGRAM.container]);
    // a node stand-in replaced since: drop it unless something else still uses it (docker refuses then)
    if (image && image !== imageId) await docker(["rmi", image]);
  }
  if (current === undefined || stale) {
    const args = telegramCreateArgs({ image: IMAGE, dir: FAKE_TELEGRAM_DIR, hash });
    await dockerOk(["create", ...args], "creating the fake Bot API container");
  }
  if (running !== "true" || stale) {
    const r = await docker(["start", TELEGRAM.container]);
    if (r.code !== 0) {
      const why = lastLines(r.stderr, 1);
      throw new SandboxError(
        /already allocated|in use/i.test(why)
          ? `port ${TELEGRAM.hostBind}:${TELEGRAM.port} (fake Bot API) is in use by another program: stop it first`
          : `starting the fake Bot API failed: ${why}`,
      );
    }
  }
  if (!(await answers(20_000))) {
    const logs = await docker(["logs", "--tail", "5", TELEGRAM.container]);
    throw new SandboxError(`the fake Bot API does not answer: ${lastLines(logs.stderr + logs.stdout, 1)}`);
  }
  return true;
}

export async function stopTelegram(): Promise<boolean> {
  if ((await inspect("container", TELEGRAM.container, "{{.State.Running}}")) !== "true") return false;
  await dockerOk(["stop", "-t", "10", TELEGRAM.container], "stopping the fake Bot API");
  return true;
}

export async function removeTelegram(): Promise<boolean> {
  if ((await inspect("container", TELEGRAM.container, "{{.Id}}")) === undefined) return false;
  await dockerOk(["rm", "-f", TELEGRAM.container], "removing the fake Bot API");
  return true;
}
