/** `npm run sandbox -- <command>`: the sandbox VDS from the command line. */
import type { Command } from "./cli-args.js";
import { USAGE, UsageError, parseCli } from "./cli-args.js";
import { requireEngine } from "./docker.js";
import { SandboxError } from "./errors.js";
import { ALL_IMAGES, ensureImages } from "./images.js";
import type { Flavour } from "./names.js";
import { FLAVOURS, TELEGRAM, telegramControlUrl } from "./names.js";
import { withLock } from "./lock.js";
import { ssh } from "./ssh.js";
import { PATHS } from "./state.js";
import { absoluteTarget, readSandboxTarget } from "../../../deployer/src/config/sandbox-target.js";
import { Timings } from "./timings.js";
import { down, reset, restart, status, up } from "./vds.js";
import { vdsNames } from "./names.js";
import { targetFor } from "./state.js";

const log = (line: string) => process.stderr.write(`sandbox: ${line}\n`);

async function cmdUp(c: Extract<Command, { cmd: "up" }>): Promise<number> {
  const timings = new Timings();
  const r = await up({ flavour: c.flavour, rebuild: c.rebuild, log, timings, ...(c.pull ? { pull: c.pull } : {}) });
  const t = absoluteTarget(r.target);
  console.log(`sandbox (${c.flavour}) is up${r.created ? " (a new server)" : ""}
  ssh:          npm run sandbox -- ssh${c.flavour === "bare" ? " --flavour bare" : ""}
                ssh -p ${t.port} -i ${t.identityFile} -o UserKnownHostsFile=${t.knownHostsFile} ${t.user}@${t.host}
  host key:     ${r.fingerprint}
  deploy as:    ${t.user} (target "sandbox", ${PATHS.target})
  env:          ${t.envFile} (0600)
  fake Bot API: ${r.telegram ? `${telegramControlUrl()} (control), reached from the VDS as http://${TELEGRAM.ip}:${TELEGRAM.port}` : "not running"}`);
  if (c.timings) console.log(`timings:\n${timings.format()}`);
  return 0;
}

async function cmdStatus(c: Extract<Command, { cmd: "status" }>): Promise<number> {
  await requireEngine();
  const all = await Promise.all((c.flavour ? [c.flavour] : FLAVOURS).map(status));
  const target = readSandboxTarget();
  if (c.json) {
    console.log(JSON.stringify({ sandboxes: all, target: target ?? null }, null, 2));
  } else {
    for (const s of all) {
      console.log(`${s.flavour}: ${s.state === "running" ? `running (${s.systemState})` : s.state}`);
      if (s.state === "absent") continue;
      console.log(`  address:  ssh ${s.address}   (${s.ssh})`);
      console.log(`  host key: ${s.hostKeyFingerprint ?? "not recorded"}`);
      if (s.deployed) console.log(`  deployed: ${s.deployed}`);
      if (s.currentImage === false)
        console.log("  image:    older than the current sandbox image (reset for a fresh server)");
    }
  }
  return all.some((s) => s.state === "running") ? 0 : 3;
}

async function cmdSsh(c: Extract<Command, { cmd: "ssh" }>): Promise<number> {
  const flavour: Flavour = c.flavour ?? readSandboxTarget()?.flavour ?? "ready";
  const target = absoluteTarget(targetFor(vdsNames(flavour), "root", flavour));
  const interactive = c.command.length === 0;
  const r = await ssh(target, c.command, {
    user: c.user ?? "root",
    tty: interactive && process.stdin.isTTY,
    inherit: true,
    timeoutMs: 0,
  });
  if (r.code === 255)
    log(`ssh failed (is the sandbox up? \`npm run sandbox -- up${flavour === "bare" ? " --flavour bare" : ""}\`)`);
  return r.code;
}

export async function main(argv: readonly string[]): Promise<number> {
  const c = parseCli(argv);
  switch (c.cmd) {
    case "help":
      console.log(USAGE);
      return 0;
    case "up":
      return cmdUp(c);
    case "down": {
      const stopped = await down(c.flavour);
      console.log(stopped.length ? `stopped: ${stopped.join(", ")} (disks kept)` : "nothing was running");
      return 0;
    }
    case "reset": {
      const removed = await reset(c.flavour);
      console.log(removed.length ? `removed: ${removed.join(", ")}` : "nothing to remove");
      return 0;
    }
    case "status":
      return cmdStatus(c);
    case "restart": {
      const timings = new Timings();
      const state = await timings.phase("restart to running", () => restart(c.flavour, log));
      console.log(`sandbox (${c.flavour}) restarted: ${state}`);
      if (c.timings) console.log(`timings:\n${timings.format()}`);
      return 0;
    }
    case "ssh":
      return cmdSsh(c);
    case "images": {
      await requireEngine();
      const timings = new Timings();
      await timings.phase("images", () =>
        withLock(
          "images",
          () => ensureImages(ALL_IMAGES, { rebuild: c.rebuild, log, ...(c.pull ? { pull: c.pull } : {}) }),
          log,
        ),
      );
      console.log(`images ready: ${ALL_IMAGES.join(", ")}\n${timings.format()}`);
      return 0;
    }
  }
}

// a promise that can never settle (a bug) must not end the program silently with exit code 0
let settled = false;
process.on("beforeExit", () => {
  if (!settled) {
    process.stderr.write("sandbox: internal error: stopped with work pending\n");
    process.exit(70);
  }
});

main(process.argv.slice(2))
  .finally(() => (settled = true))
  .then(
    (code) => process.exit(code),
    (e: unknown) => {
      if (e instanceof SandboxError || e instanceof UsageError) {
        process.stderr.write(`sandbox: ${e.message}\n`);
        process.exit(e instanceof UsageError ? 2 : 1);
      }
      process.stderr.write(`sandbox: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
