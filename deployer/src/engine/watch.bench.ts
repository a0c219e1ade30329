/**
 * Watchdog benchmark (issue 16): what remote/bin/watchdog.sh costs the server. Prints figures and
 * whether they meet their targets; asserts nothing. Needs root and a Docker engine (the sandbox
 * VDS) with a deploy of this checkout on it (`npm run test:e2e` or a `deploy` leaves one); without
 * them it prints one line saying why and exits 0 (skipped).
 *
 * BENCH_WATCH_ROUNDS rounds (default 30) run back to back in one transient unit as the deploy user
 * with the watch unit's environment (the timer stopped meanwhile, so no round of its own
 * interleaves). bash's `times` gives the CPU of everything a round runs (bash, docker CLI, df, curl);
 * the peak memory is what the kernel charged to the unit's memory cgroup at most (memory.peak on
 * cgroup v2, memory.max_usage_in_bytes on v1: shared pages counted once, as a memory limit counts
 * them), beside the RSS of its processes summed every 20 ms (which counts shared pages in each
 * process, so it errs high); dockerd's own extra
 * CPU (the CLI's requests) is its /proc CPU during the rounds minus the same stretch without them
 * (cgroups are no help in the sandbox: its cpuacct is not per unit). A round every minute: CPU s per
 * hour = 60 x the CPU per round.
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

/** CPU seconds (user + system) of a process from /proc/PID/stat, at the kernel's clock tick. */
const PROC_CPU = (pid: string) => `awk -v hz=$(getconf CLK_TCK) '{ print ($14 + $15) / hz }' /proc/${pid}/stat`;
/** The rounds, then bash's `times`: its own CPU and that of every process it waited for. */
const INNER = `for i in $(seq ${ROUNDS}); do ${APP_DIR}/current/remote/bin/watchdog.sh 2>/dev/null; done; times`;
const unit = `remindbot-watch-bench-${Date.now()}`;
const script = [
  "set -e",
  "systemctl stop remindbot-watch.timer",
  "dockerd=$(pidof dockerd)",
  `d0=$(${PROC_CPU("$dockerd")})`,
  "t0=$(date +%s.%N)",
  `systemd-run --quiet --wait --pipe --unit=${unit} -p User=deploy -p MemoryAccounting=yes ` +
    `-p EnvironmentFile=${APP_DIR}/shared/.env -p EnvironmentFile=-${APP_DIR}/shared/watch.env ` +
    `-p Environment=APP=remindbot -p Environment=APP_DIR=${APP_DIR} bash -c ${shellQuote(INNER)} > /tmp/watch-bench.times &`,
  "run=$!",
  // the unit's processes (its cgroup in the systemd hierarchy, v1 or v2), their RSS summed every
  // 20 ms; and the kernel's own peak of its memory cgroup, read until the unit (and it) goes
  "peak=0; procs=''; charged=''; charged_peak=0",
  'while kill -0 "$run" 2>/dev/null; do',
  `  [ -n "$procs" ] || procs=$(find /sys/fs/cgroup -path "*/${unit}.service/cgroup.procs" 2>/dev/null | head -n 1)`,
  `  [ -n "$charged" ] || charged=$(find /sys/fs/cgroup -path "*/${unit}.service/*" \\( -name memory.peak -o -name memory.max_usage_in_bytes \\) 2>/dev/null | head -n 1)`,
  '  if [ -n "$procs" ]; then',
  "    rss=$(cat \"$procs\" 2>/dev/null | xargs -r ps -o rss= -p 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')",
  '    [ "$rss" -gt "$peak" ] && peak=$rss',
  "  fi",
  '  if [ -n "$charged" ]; then c=$(cat "$charged" 2>/dev/null) && [ "${c:-0}" -gt "$charged_peak" ] && charged_peak=$c; fi',
  "  sleep 0.02",
  "done",
  'wait "$run"',
  "t1=$(date +%s.%N)",
  `d1=$(${PROC_CPU("$dockerd")})`,
  // the same stretch without rounds: dockerd's work that is not ours (healthchecks, stats)
  'sleep $(awk -v a="$t0" -v b="$t1" \'BEGIN { print b - a }\')',
  `d2=$(${PROC_CPU("$dockerd")})`,
  "systemctl start remindbot-watch.timer",
  'echo "wall $(awk -v a="$t0" -v b="$t1" \'BEGIN { print b - a }\')"',
  'echo "dockerd $(awk -v a="$d0" -v b="$d1" -v c="$d2" \'BEGIN { print (b - a) - (c - b) }\')"',
  'echo "peak $peak"',
  'echo "charged $charged_peak"',
  "cat /tmp/watch-bench.times",
].join("\n");

const out = await root(`bash -c ${shellQuote(script)}`).finally(() =>
  root("systemctl start remindbot-watch.timer").catch(() => undefined),
);
const fig = new Map<string, number>();
for (const line of out.split("\n")) {
  const [k, v] = line.trim().split(/\s+/);
  if (k && v && /^(wall|dockerd|peak|charged)$/.test(k)) fig.set(k, Number(v));
}
// `times`: "0m0.012s 0m0.004s" (the shell) then the children's; all four summed
const seconds = [...out.matchAll(/(\d+)m([\d.]+)s/g)].reduce((a, m) => a + Number(m[1]) * 60 + Number(m[2]), 0);
if (!["wall", "dockerd", "peak"].every((k) => Number.isFinite(fig.get(k))) || seconds === 0) {
  console.log(`watch bench: FAILED: the server did not print every figure:\n${out}`);
  process.exit(1);
}
const cpuPerRoundS = seconds / ROUNDS;
const wallPerRoundS = fig.get("wall")! / ROUNDS;
const dockerdPerRoundS = Math.max(0, fig.get("dockerd")!) / ROUNDS;
const perHour = (cpuPerRoundS + dockerdPerRoundS) * 60;
const peakMb = fig.get("peak")! / 1024;
/** 0: the unit had no memory cgroup of its own (no memory controller for it here). */
const chargedMb = (fig.get("charged") ?? 0) / 1024 / 1024;
const met = (ok: boolean) => (ok ? "met" : "NOT met");

console.log(`watchdog: ${ROUNDS} rounds on the sandbox (one every minute in production)`);
console.log(`  wall time per round          ${wallPerRoundS.toFixed(2)} s`);
console.log(`  CPU per round, its processes ${cpuPerRoundS.toFixed(3)} s`);
console.log(`  dockerd's extra CPU / round  ${dockerdPerRoundS.toFixed(3)} s`);
console.log(
  `  CPU per hour, both           ${perHour.toFixed(1)} s (target < ${TARGET_CPU_S_PER_HOUR} s, 1% of a core: ${met(perHour < TARGET_CPU_S_PER_HOUR)})`,
);
if (chargedMb > 0)
  console.log(
    `  peak memory, its cgroup      ${chargedMb.toFixed(1)} MB (the kernel's peak for the unit, shared pages once; target < ${TARGET_PEAK_MB} MB: ${met(chargedMb < TARGET_PEAK_MB)})`,
  );
else console.log("  peak memory, its cgroup      not measured: the unit got no memory cgroup of its own here");
console.log(
  `  peak RSS summed              ${peakMb.toFixed(1)} MB (its processes' RSS added up every 20 ms: shared pages counted in each, so it errs high)`,
);
