/**
 * Watchdog benchmark (issue 16): what remote/bin/watchdog.sh costs the server. Prints figures and
 * whether they meet their targets; asserts nothing. Needs root and a Docker engine (the sandbox
 * VDS) with a deploy of this checkout on it (`npm run test:e2e` or a `deploy` leaves one); without
 * them it prints one line saying why and exits 0 (skipped).
 *
 * BENCH_WATCH_ROUNDS rounds (default 30) run back to back in one transient unit as the deploy user
 * with the watch unit's environment (the timer stopped meanwhile, so no round of its own
 * interleaves). The unit's cgroup gives the CPU time of everything a round runs (bash, docker CLI,
 * df, curl) and its peak memory; dockerd's own extra CPU (the CLI's requests) is its cgroup's usage
 * during the rounds minus the same stretch without them. A round every minute: CPU s per hour = 60 x
 * the CPU per round.
 */
import { dockerAvailable, ensureSandbox, sandboxSsh, shellQuote } from "../../../test/support/sandbox.js";
import { APP_DIR } from "../../../test/support/deployer-cli.js";

const ROUNDS = Math.max(1, Number(process.env.BENCH_WATCH_ROUNDS ?? 30));
/** Targets: a watchdog that costs less than 1% of one core and a small share of a 1 GB VDS. */
const TARGET_CPU_S_PER_HOUR = 36;
const TARGET_PEAK_MB = 64;

const avail = await dockerAvailable();
if (!avail.ok) {
  console.log(`watch bench: skipped: ${avail.reason}`);
  process.exit(0);
}
await ensureSandbox();

async function root(cmd: string): Promise<string> {
  const r = await sandboxSsh(cmd, { timeoutMs: 15 * 60_000 });
  if (r.code !== 0) throw new Error(`${cmd}: exit ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

if ((await sandboxSsh("systemctl cat remindbot-watch.service >/dev/null")).code !== 0) {
  console.log("watch bench: skipped: no remindbot-watch.service on the sandbox (deploy this checkout to it first)");
  process.exit(0);
}

// CPU (ns) of a unit's cgroup: cgroup v1 (cpuacct) or v2 (cpu.stat).
const CPU_OF = (unit: string) =>
  `{ cat /sys/fs/cgroup/cpu,cpuacct/system.slice/${unit}/cpuacct.usage 2>/dev/null || ` +
  `awk '/^usage_usec/ { print $2 * 1000 }' /sys/fs/cgroup/system.slice/${unit}/cpu.stat; }`;
/** The rounds, then the cgroup's own figures, printed by the last process in it. */
const INNER = [
  `for i in $(seq ${ROUNDS}); do ${APP_DIR}/current/remote/bin/watchdog.sh 2>/dev/null; done`,
  "cg=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ || $2 == \"\" { print $3; exit }' /proc/self/cgroup)",
  'if [ -r "/sys/fs/cgroup/memory$cg/memory.max_usage_in_bytes" ]; then ' +
    'echo "peak $(cat /sys/fs/cgroup/memory$cg/memory.max_usage_in_bytes)"; ' +
    'echo "cpu $(cat /sys/fs/cgroup/cpu,cpuacct$cg/cpuacct.usage)"; ' +
    'else echo "peak $(cat /sys/fs/cgroup$cg/memory.peak 2>/dev/null || echo 0)"; ' +
    "echo \"cpu $(awk '/^usage_usec/ { print $2 * 1000 }' /sys/fs/cgroup$cg/cpu.stat)\"; fi",
].join("; ");

const unit = `remindbot-watch-bench-${Date.now()}`;
const run = [
  "systemctl stop remindbot-watch.timer",
  `d0=$(${CPU_OF("docker.service")})`,
  "t0=$(date +%s%N)",
  `systemd-run --quiet --wait --pipe --unit=${unit} -p User=deploy -p CPUAccounting=yes -p MemoryAccounting=yes ` +
    `-p EnvironmentFile=${APP_DIR}/shared/.env -p EnvironmentFile=-${APP_DIR}/shared/watch.env ` +
    `-p Environment=APP=remindbot -p Environment=APP_DIR=${APP_DIR} bash -c ${shellQuote(INNER)}`,
  "t1=$(date +%s%N)",
  `d1=$(${CPU_OF("docker.service")})`,
  // the same stretch without rounds: dockerd's work that is not ours (healthchecks, stats)
  "sleep $(( (t1 - t0) / 1000000000 + 1 ))",
  `d2=$(${CPU_OF("docker.service")})`,
  "t2=$(date +%s%N)",
  'echo "wall $(( t1 - t0 ))"; echo "dockerd $(( d1 - d0 ))"; echo "dockerd-idle $(( d2 - d1 )) $(( t2 - t1 ))"',
  "systemctl start remindbot-watch.timer",
].join(" && ");

const out = await root(run).finally(() => root("systemctl start remindbot-watch.timer").catch(() => undefined));
const fig = new Map<string, number[]>();
for (const line of out.split("\n")) {
  const [k, ...v] = line.trim().split(/\s+/);
  if (k) fig.set(k, v.map(Number));
}
const get = (k: string, i = 0) => fig.get(k)?.[i] ?? NaN;
if (["cpu", "peak", "wall", "dockerd", "dockerd-idle"].some((k) => !Number.isFinite(get(k)))) {
  console.log(`watch bench: FAILED: the server did not print every figure:\n${out}`);
  process.exit(1);
}
const cpuPerRoundS = get("cpu") / 1e9 / ROUNDS;
const wallPerRoundS = get("wall") / 1e9 / ROUNDS;
const dockerdPerRoundS =
  Math.max(0, get("dockerd") - (get("dockerd-idle") * get("wall")) / get("dockerd-idle", 1)) / 1e9 / ROUNDS;
const perHour = (cpuPerRoundS + dockerdPerRoundS) * 60;
const peakMb = get("peak") / 1024 / 1024;
const met = (ok: boolean) => (ok ? "met" : "NOT met");

console.log(`watchdog: ${ROUNDS} rounds on the sandbox (one every minute in production)`);
console.log(`  wall time per round          ${wallPerRoundS.toFixed(2)} s`);
console.log(`  CPU per round (its cgroup)   ${cpuPerRoundS.toFixed(3)} s`);
console.log(`  dockerd's extra CPU / round  ${dockerdPerRoundS.toFixed(3)} s`);
console.log(
  `  CPU per hour, both           ${perHour.toFixed(1)} s (target < ${TARGET_CPU_S_PER_HOUR} s, 1% of a core: ${met(perHour < TARGET_CPU_S_PER_HOUR)})`,
);
console.log(
  `  peak memory of a round       ${peakMb.toFixed(1)} MB (cgroup peak, page cache included; target < ${TARGET_PEAK_MB} MB: ${met(peakMb < TARGET_PEAK_MB)})`,
);
