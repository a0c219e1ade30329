/**
 * Deploy benchmark (issue 8). Prints figures and ratios against a hand-written baseline run in the
 * same process; asserts nothing. Needs root and a Docker engine (the sandbox VDS); without them it
 * prints one line saying why and exits 0 (skipped).
 *
 * 1. Deploy of a one-line change on a warm sandbox, end to end: `node deployer/dist/main.js deploy`
 *    against a baseline a user might write by hand with plain ssh (the same git archive piped over
 *    ssh and unpacked in /opt/baseline, then `docker compose up -d --build --wait` with the same
 *    compose file, release.env interpolation and compose project, so both replace the running bot
 *    and end when it is healthy). Alternate runs, baseline then ours, BENCH_DEPLOY_RUNS (default 5)
 *    of each; every run is a new commit + tag changing one line of bot/src/main.ts, so both rebuild
 *    the bot's compile layer; both use the VDS's one Docker build cache, as a real user's would.
 *    An unmeasured warm-up deploy first, so the measured ones are handovers (a sandbox running a
 *    release from before the polling lease is replaced stop-first once); each run says which it was.
 * 2. Bot downtime during each of those deploys, seen by the fake Bot API: the longest stretch with no
 *    getUpdates of the bot's token open (its longestPollGap), while a /start is pushed every
 *    PUSH_EVERY_MS from a new chat; afterwards each of them must have been answered exactly once
 *    (answers counted per chat), with the answer times' p50 / p99 / max. The same for 10 s without
 *    a deploy, for reference (the bot's own turnaround between polls).
 * 3. SSH connections and bytes per deploy: every SSH connection of both goes through a counting TCP
 *    relay in this process (a `bench` target in the scratch repo's deploy.targets.yml, the sandbox's
 *    host key re-registered for the relay's port), cross-checked with sshd's journal on the VDS.
 * 4. Redeploy of the tag already running (BENCH_DEPLOY_RUNS times); a gate failure (a tag whose bot
 *    exits 1 at start, so the standby fails its gate: exit 4, "nothing changed for users", the old
 *    release still current and its bot still the one polling); rollback to the previous release
 *    and forward again (BENCH_DEPLOY_RUNS times each), with the same downtime and answer figures.
 * 5. Backup and restore of a database with BENCH_REMINDERS (default 1,000,000) reminders, through
 *    the deployer's `backup create` / `backup restore`; the rows and the two big dumps are removed after.
 *
 * The server is left as a deploy leaves it: the stack running the scratch repo's last tag (HEAD plus a
 * comment line), /opt/baseline removed, the baseline's images removed.
 *
 * Every figure is printed with its target (issue 8, and issue 12's handover) and whether it is met.
 *
 * Env: BENCH_DEPLOY_RUNS (default 5), BENCH_REMINDERS (default 1000000).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type AddressInfo, type Server } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { message, FakeBotApiClient } from "@remindbot/fake-telegram/client";
import { APP_DIR, MAIN, psql as psqlIn, root as rootIn } from "../../../test/support/deployer-cli.js";
import { dockerAvailable, ensureSandbox, sandboxEnv } from "../../../test/support/sandbox.js";
import { RELEASE_PATHS, releaseArchive } from "../local/git.js";
import { run } from "../local/process.js";
import { REPO_ROOT } from "../local/repo-root.js";

const RUNS = Math.max(1, Number(process.env.BENCH_DEPLOY_RUNS ?? 5));
const REMINDERS = Math.max(1, Number(process.env.BENCH_REMINDERS ?? 1_000_000));
const PUSH_EVERY_MS = 250;
const BASELINE_DIR = "/opt/baseline";

const avail = await dockerAvailable();
if (!avail.ok) {
  console.log(`deploy bench: skipped: ${avail.reason}`);
  process.exit(0);
}

// ---------- small helpers

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** Two decimals, for gaps and answer times (mostly well under a second). */
const secs2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
/** Nearest-rank percentile (0 for none). */
const pct = (xs: number[], p: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const kb = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MB` : `${(n / 1024).toFixed(1)} KB`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.log(line);
// the 1,000,000-row steps take minutes
const LONG_MS = 10 * 60_000;
const root = (cmd: string, what: string) => rootIn(cmd, what, LONG_MS);
const psql = (sql: string) => psqlIn(sql, LONG_MS);

// ---------- a counting TCP relay in front of the VDS's sshd

interface Counter {
  connections: number;
  up: number;
  down: number;
}

function startRelay(targetPort: number): Promise<{ server: Server; port: number; counter: Counter }> {
  const counter: Counter = { connections: 0, up: 0, down: 0 };
  const server = createServer((client) => {
    counter.connections++;
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    client.on("data", (d: Buffer) => (counter.up += d.length));
    upstream.on("data", (d: Buffer) => (counter.down += d.length));
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", close);
    upstream.on("close", close);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port, counter })),
  );
}

// ---------- setup

const t0 = Date.now();
const sandbox = await ensureSandbox();
if (!sandbox.telegram.running) {
  console.log("deploy bench: skipped: the sandbox's fake Telegram Bot API is not running");
  process.exit(0);
}
const api = new FakeBotApiClient(sandbox.telegram.url, { pollIntervalMs: 200 });
const token = sandboxEnv()["BOT_TOKEN"]!;
const target = sandbox.target;

// the compiled CLI, as `npm run deployer` runs it (compiles when stale)
const build = await run(process.execPath, [join(REPO_ROOT, "scripts", "run-deployer.mjs"), "--help"], {
  timeoutMs: 5 * 60_000,
});
if (build.code !== 0) throw new Error(`building the deployer failed: ${build.stderr}`);

const relay = await startRelay(target.port);
const scratch = mkdtempSync(join(tmpdir(), "deploy-bench-"));
const repo = join(scratch, "repo");
const knownHosts = join(scratch, "known_hosts");
writeFileSync(
  knownHosts,
  readFileSync(target.knownHostsFile, "utf8")
    .split("\n")
    .filter((l) => l.startsWith(`[${target.host}]:${target.port} `))
    .map((l) => l.replace(`[${target.host}]:${target.port} `, `[127.0.0.1]:${relay.port} `))
    .join("\n") + "\n",
);

async function git(...args: string[]): Promise<string> {
  const r = await run("git", ["-C", repo, ...args], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

const head = (await run("git", ["-C", REPO_ROOT, "rev-parse", "HEAD"])).stdout.trim();
const clone = await run("git", ["clone", "-q", "--no-hardlinks", REPO_ROOT, repo], { timeoutMs: 120_000 });
if (clone.code !== 0) throw new Error(`git clone: ${clone.stderr}`);
await git("checkout", "-q", "--detach", head);
await git("config", "user.email", "bench@example.invalid");
await git("config", "user.name", "bench");
// The sandbox target, reached through the relay (untracked: never part of a release archive).
writeFileSync(
  join(repo, "deploy.targets.yml"),
  [
    "targets:",
    "  bench:",
    "    host: 127.0.0.1",
    `    port: ${relay.port}`,
    `    user: ${target.user}`,
    `    identityFile: ${target.identityFile}`,
    `    knownHostsFile: ${knownHosts}`,
    `    envFile: ${target.envFile}`,
    `    appDir: ${target.appDir}`,
    "    keepReleases: 5",
    "    healthTimeout: 90",
    "    backup:",
    "      minFreeMb: 256",
    "",
  ].join("\n"),
);

const prefix = `bench${Date.now().toString(36)}`;
/** A commit changing one line of bot/src/main.ts, tagged. */
async function tagOneLine(tag: string): Promise<string> {
  const file = join(repo, "bot", "src", "main.ts");
  writeFileSync(file, `${readFileSync(file, "utf8")}// ${tag}: a one-line change\n`);
  await git("commit", "-q", "-am", tag);
  await git("tag", tag);
  return tag;
}

/** A tag whose bot exits 1 at start (never ready), on a commit beside the branch (HEAD stays). */
async function tagNeverReady(tag: string): Promise<string> {
  const file = join(repo, "bot", "src", "main.ts");
  const src = readFileSync(file, "utf8");
  const start = "async function main(): Promise<void> {";
  if (!src.includes(start)) throw new Error(`"${start}" not found in bot/src/main.ts`);
  writeFileSync(
    file,
    src.replace(start, `${start}\n  if (process.env["BOT_TOKEN"] !== "") process.exit(1); // ${tag}`),
  );
  await git("commit", "-q", "-am", tag);
  await git("tag", tag);
  await git("reset", "-q", "--hard", "HEAD~1");
  return tag;
}

// ---------- running things

interface Timed {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
}

function spawnTimed(program: string, args: string[], opts: { env?: NodeJS.ProcessEnv; stdinFrom?: string[] } = {}) {
  return new Promise<Timed>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(program, args, {
      cwd: REPO_ROOT,
      env: opts.env ?? process.env,
      stdio: [opts.stdinFrom ? "pipe" : "ignore", "pipe", "pipe"],
    });
    if (opts.stdinFrom) {
      const [p, ...a] = opts.stdinFrom;
      const feeder = spawn(p!, a, { stdio: ["ignore", "pipe", "inherit"] });
      feeder.stdout.pipe(child.stdin!);
    }
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15 * 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, ms: performance.now() - started, stdout, stderr });
    });
  });
}

const cli = (...args: string[]) =>
  spawnTimed(process.execPath, [MAIN, ...args, "--target", "bench"], {
    env: { ...process.env, DEPLOYER_REPO: repo, NO_COLOR: "1" },
  });

const must = (what: string, r: Timed) => {
  if (r.code !== 0)
    throw new Error(`${what}: exit ${r.code} after ${secs(r.ms)}\n${r.stderr}\n${r.stdout.slice(-4000)}`);
  return r;
};

/** Per-step durations the CLI prints ("✓ Title (1.2 s)"). */
function steps(stdout: string): Array<[string, number]> {
  // titles name tags ("Build image remindbot-bot:<tag>"): one name per step across runs
  const tags = new RegExp(`${prefix}-[a-z]\\d+`, "g");
  return [...stdout.matchAll(/^✓ (.+?) \((\d+\.\d) s\)/gm)].map((m) => [
    m[1]!.replace(tags, "<tag>"),
    Number(m[2]) * 1000,
  ]);
}

/** The hand-written deploy: one ssh, the same archive unpacked in place, up --build --wait. */
function baselineDeploy(tag: string): Promise<Timed> {
  const remote = [
    "set -e",
    `tar -xzf - -C ${BASELINE_DIR}`,
    `printf 'BOT_TAG=%s\\nAPP_DIR=%s\\n' ${tag} ${APP_DIR} > ${BASELINE_DIR}/release.env`,
    `docker compose -f ${BASELINE_DIR}/docker-compose.prod.yml --env-file ${BASELINE_DIR}/release.env up -d --build --wait --wait-timeout 90`,
  ].join("; ");
  return spawnTimed(
    "ssh",
    [
      "-p",
      String(relay.port),
      "-i",
      target.identityFile,
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      `UserKnownHostsFile=${knownHosts}`,
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      "BatchMode=yes",
      `${target.user}@127.0.0.1`,
      remote,
    ],
    { stdinFrom: ["git", "-C", repo, "archive", "--format=tar.gz", tag, "--", ...RELEASE_PATHS] },
  );
}

/** sshd's count of accepted connections of the deploy user since `sinceEpochSec` (journal on the VDS). */
async function sshdAccepted(sinceEpochSec: number): Promise<number> {
  const out = await root(
    `journalctl --no-pager -q --since @${sinceEpochSec} -t sshd -t sshd-session | grep -c 'Accepted publickey for ${target.user} ' || true`,
    "journalctl",
  );
  return Number(out) || 0;
}

interface Watched {
  /** The longest stretch of the window with no getUpdates of the bot's token open (the fake's longestPollGap). */
  gapMs: number;
  pushed: number;
  answered: number;
  /** Chats whose /start was answered more than once. */
  twice: number;
  /** Push → first answer, of each answered /start. */
  answerMs: number[];
}

/** Pushes a /start from a new chat every PUSH_EVERY_MS and, when stopped, reads the bot's polling and answers. */
async function watchBot(): Promise<{ stop(): Promise<Watched> }> {
  const since = await api.cursor();
  const started = Date.now();
  const pushed: Array<{ chat: number; at: number }> = [];
  let running = true;
  const pusher = (async () => {
    while (running) {
      const chat = 800_000_000 + Math.floor(Math.random() * 100_000_000);
      pushed.push({ chat, at: Date.now() });
      await api.pushUpdate(message(chat, "/start"), token).catch(() => undefined);
      await sleep(PUSH_EVERY_MS);
    }
  })();
  return {
    async stop() {
      running = false;
      await pusher;
      const ended = Date.now();
      const gap = await api.longestPollGap(token, started, ended);
      // every pushed /start answered, once? (those pushed last may still be in flight)
      const mine = new Set(pushed.map((p) => p.chat));
      const answers = new Map<number, number[]>();
      const read = async () => {
        answers.clear();
        for (const c of await api.calls({ since, method: "sendMessage", token })) {
          const chat = Number(c.params["chat_id"]);
          if (c.response.ok && mine.has(chat)) answers.set(chat, [...(answers.get(chat) ?? []), c.at]);
        }
      };
      const deadline = Date.now() + 60_000;
      for (;;) {
        await read();
        if (pushed.every((p) => answers.has(p.chat)) || Date.now() > deadline) break;
        await sleep(500);
      }
      await sleep(1000); // a second answer to the same update would come right after the first
      await read();
      return {
        gapMs: gap.ms,
        pushed: pushed.length,
        answered: pushed.filter((p) => answers.has(p.chat)).length,
        twice: [...answers.values()].filter((a) => a.length > 1).length,
        answerMs: pushed.flatMap((p) => {
          const a = answers.get(p.chat);
          return a ? [Math.min(...a) - p.at] : [];
        }),
      };
    },
  };
}

interface Measured extends Watched {
  code: number | null;
  ms: number;
  connections: number;
  sshdAccepted: number;
  bytesUp: number;
  bytesDown: number;
  steps: Array<[string, number]>;
  stdout: string;
  stderr: string;
  /** How the bot was replaced, from the CLI's output: handover, stop-first, first deploy, unchanged (or "?"). */
  how: string;
  /** The polling gap the new bot measured itself, from the CLI's summary. */
  botGapMs?: number;
}

function how(stdout: string): string {
  if (/^✓ Handover/m.test(stdout)) return "handover";
  if (/stop-first/.test(stdout)) return "stop-first";
  if (/^✓ Start the stack/m.test(stdout)) return "first deploy";
  if (/^✓ Build image/m.test(stdout) || /^✓ Start/m.test(stdout)) return "?";
  return "unchanged";
}

/** Runs `go` while watching the bot; an exit code other than `expectCode` throws. */
async function measure(what: string, go: () => Promise<Timed>, expectCode: number | "any" = 0): Promise<Measured> {
  const sinceSec = Math.floor(Date.now() / 1000);
  const watch = await watchBot();
  relay.counter.connections = relay.counter.up = relay.counter.down = 0;
  const r = await go();
  if (expectCode !== "any" && r.code !== expectCode)
    throw new Error(
      `${what}: exit ${r.code} (expected ${expectCode}) after ${secs(r.ms)}\n${r.stderr}\n${r.stdout.slice(-4000)}`,
    );
  const c = { ...relay.counter };
  const w = await watch.stop();
  await sleep(300); // the journal catches up
  const accepted = await sshdAccepted(sinceSec);
  const botGap = /polling gap: ([\d.]+) s/.exec(r.stdout);
  return {
    code: r.code,
    ms: r.ms,
    ...w,
    connections: c.connections,
    sshdAccepted: accepted,
    bytesUp: c.up,
    bytesDown: c.down,
    steps: steps(r.stdout),
    stdout: r.stdout,
    stderr: r.stderr,
    how: how(r.stdout),
    ...(botGap ? { botGapMs: Number(botGap[1]) * 1000 } : {}),
  };
}

function describe(m: Measured): string {
  const lost = m.pushed - m.answered;
  return (
    `${secs(m.ms)}; longest gap without getUpdates ${secs2(m.gapMs)}` +
    `${m.botGapMs !== undefined ? ` (the bot's own figure ${secs2(m.botGapMs)})` : ""}; ` +
    `${m.answered}/${m.pushed} /start answered${lost ? ` (${lost} LOST)` : ""}` +
    `${m.twice ? ` (${m.twice} TWICE)` : ""}, answer p50 ${secs2(pct(m.answerMs, 50))} / ` +
    `max ${secs2(Math.max(0, ...m.answerMs))}; ` +
    `${m.connections} SSH connection(s) (sshd: ${m.sshdAccepted}), ${kb(m.bytesUp)} up / ${kb(m.bytesDown)} down`
  );
}

const stepLine = (m: Measured) =>
  `    steps: ${m.steps.map(([n, ms]) => `${n.replace(/ \(.*$/, "")} ${secs(ms)}`).join("; ")}`;

/** The running bot containers' images (tags), as Docker sees them on the VDS. */
async function runningBots(): Promise<string[]> {
  const out = await root(
    "docker ps --filter label=com.docker.compose.project=remindbot --filter label=com.docker.compose.service=bot " +
      "--filter label=com.docker.compose.oneoff=False --filter status=running --format '{{.Image}}'",
    "docker ps",
  );
  return out
    .split("\n")
    .filter(Boolean)
    .map((i) => i.replace(/^remindbot-bot:/, ""));
}

async function currentRelease(): Promise<string | undefined> {
  const r = must("releases", await cli("releases", "--json"));
  return (JSON.parse(r.stdout) as Array<{ tag: string; current: boolean }>).find((x) => x.current)?.tag;
}

// ---------- the runs

const figures: Array<[string, string]> = [];
/** A figure, with its target and whether it is met when it has one. */
const fig = (name: string, value: string, target?: string, met?: boolean) => {
  const line = target === undefined ? value : `${value}  [target ${target}: ${met ? "met" : "NOT MET"}]`;
  figures.push([name, line]);
  log(`  ${name}: ${line}`);
};
const gapFigure = (ms: Measured[]) => {
  const gaps = ms.map((m) => m.gapMs);
  return {
    text: `median ${secs2(median(gaps))}, max ${secs2(Math.max(...gaps))} (${gaps.map(secs2).join(", ")})`,
    met: median(gaps) < 500 && Math.max(...gaps) < 1000,
  };
};
const answerFigure = (ms: Measured[]) => {
  const all = ms.flatMap((m) => m.answerMs);
  const pushed = ms.reduce((a, m) => a + m.pushed, 0);
  const answered = ms.reduce((a, m) => a + m.answered, 0);
  const twice = ms.reduce((a, m) => a + m.twice, 0);
  return {
    text:
      `${answered}/${pushed} answered, ${twice} twice; answer time p50 ${secs2(pct(all, 50))}, ` +
      `p99 ${secs2(pct(all, 99))}, max ${secs2(Math.max(0, ...all))}`,
    met: answered === pushed && twice === 0 && pct(all, 99) < 1500,
  };
};
const hows = (ms: Measured[]) => ms.map((m) => m.how).join(", ");

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
log(
  `deploy bench: sandbox ready in ${secs(Date.now() - t0)}; relay 127.0.0.1:${relay.port} -> ${target.port}; ` +
    `load ${load()} (${cpus().length} cores)`,
);
await root(`install -d -o ${target.user} -g ${target.user} ${BASELINE_DIR}`, "creating /opt/baseline");

try {
  // warm-up: the stack runs a release of the scratch repo, deployed by us (not measured); a sandbox
  // running a release from before the polling lease is replaced stop-first here, once
  const warm = must("warm-up deploy", await cli("deploy", "--tag", await tagOneLine(`${prefix}-o0`), "--yes"));
  log(`warm-up deploy ${prefix}-o0: ${secs(warm.ms)}, ${how(warm.stdout)} (not counted)`);

  const steady = await measure("steady state", async () => {
    await sleep(10_000);
    return { code: 0, ms: 10_000, stdout: "", stderr: "" };
  });
  log(`no deploy, 10 s: ${describe(steady)}`);

  const ours: Measured[] = [];
  const base: Measured[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const bt = await tagOneLine(`${prefix}-b${i}`);
    const b = await measure(`baseline ${bt}`, () => baselineDeploy(bt));
    base.push(b);
    log(`run ${i}/${RUNS} baseline ${bt}: ${describe(b)}`);
    const ot = await tagOneLine(`${prefix}-o${i}`);
    const o = await measure(`deploy ${ot}`, () => cli("deploy", "--tag", ot, "--yes"));
    ours.push(o);
    log(`run ${i}/${RUNS} ours     ${ot}: ${o.how}; ${describe(o)}`);
    log(stepLine(o));
  }
  const lastTag = `${prefix}-o${RUNS}`;
  const prevTag = `${prefix}-o${RUNS - 1}`;

  log(`\n1. Deploy of a one-line change, end to end (${RUNS} runs each, alternating baseline/ours):`);
  const mo = median(ours.map((m) => m.ms));
  const mb = median(base.map((m) => m.ms));
  fig("deploy, ours (median)", `${secs(mo)} (${ours.map((m) => secs(m.ms)).join(", ")})`);
  fig(
    "deploy, baseline ssh + compose up --build --wait (median)",
    `${secs(mb)} (${base.map((m) => secs(m.ms)).join(", ")})`,
  );
  fig("deploy ratio ours/baseline", `${(mo / mb).toFixed(2)}x`, "<= 1.0x", mo <= mb);
  fig(
    "how ours replaced the bot",
    hows(ours),
    "handover every run",
    ours.every((m) => m.how === "handover"),
  );
  const stepNames = [...new Set(ours.flatMap((m) => m.steps.map(([n]) => n)))];
  fig(
    "ours, median per step",
    stepNames
      .map(
        (n) => `${n.replace(/ \(.*$/, "")} ${secs(median(ours.map((m) => m.steps.find(([s]) => s === n)?.[1] ?? 0)))}`,
      )
      .join("; "),
  );
  const stepSum = median(ours.map((m) => m.steps.reduce((a, [, ms]) => a + ms, 0)));
  fig("ours, outside the steps (median; Node start, connect, probe, archive, exit)", secs(mo - stepSum));

  log(
    `\n2. Bot downtime during the deploy (longest stretch without an open getUpdates; /start every ${PUSH_EVERY_MS} ms):`,
  );
  const og = gapFigure(ours);
  fig("downtime, ours", og.text, "< 0.5 s median, < 1 s max", og.met);
  fig("downtime, baseline (stop-first, for reference)", gapFigure(base).text);
  fig("downtime without a deploy, 10 s (the bot's turnaround between polls)", secs2(steady.gapMs));
  const polled = ours.filter((m) => m.botGapMs !== undefined);
  if (polled.length)
    fig(
      "polling gap the new bot measured itself (CLI summary; median, max)",
      `${secs2(median(polled.map((m) => m.botGapMs!)))}, ${secs2(Math.max(...polled.map((m) => m.botGapMs!)))}`,
    );
  const oa = answerFigure(ours);
  fig("/start during our deploys", oa.text, "all answered, none twice, p99 < 1.5 s", oa.met);
  fig("/start during the baseline's deploys (for reference)", answerFigure(base).text);
  fig("/start without a deploy, 10 s", answerFigure([steady]).text);

  log(
    `\n3. SSH connections and bytes per deploy (TCP relay in this process, SSH framing and encryption included; ` +
      `connections cross-checked with "Accepted publickey" in the VDS's sshd journal):`,
  );
  fig(
    "SSH connections per deploy, ours (relay; sshd)",
    `${ours.map((m) => m.connections).join(", ")}; ${ours.map((m) => m.sshdAccepted).join(", ")}`,
    "1",
    ours.every((m) => m.connections === 1 && m.sshdAccepted === 1),
  );
  fig(
    "SSH connections per deploy, baseline (relay; sshd)",
    `${base.map((m) => m.connections).join(", ")}; ${base.map((m) => m.sshdAccepted).join(", ")}`,
  );
  fig("bytes uploaded per deploy, ours (median)", kb(median(ours.map((m) => m.bytesUp))));
  fig("bytes uploaded per deploy, baseline (median)", kb(median(base.map((m) => m.bytesUp))));
  fig(
    "bytes downloaded per deploy, ours / baseline (median)",
    `${kb(median(ours.map((m) => m.bytesDown)))} / ${kb(median(base.map((m) => m.bytesDown)))}`,
  );
  fig("release archive (what the engine uploads)", kb((await releaseArchive(repo, lastTag)).data.length));

  log(`\n4. Redeploy, a gate failure, rollback:`);
  const re: Measured[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const m = await measure(`redeploy ${lastTag}`, () => cli("deploy", "--tag", lastTag, "--yes"));
    re.push(m);
    log(`redeploy ${i}/${RUNS} ${lastTag}: ${m.how}; ${describe(m)}`);
  }
  log(stepLine(re.at(-1)!));
  fig(
    "redeploy of the running tag (median)",
    `${secs(median(re.map((m) => m.ms)))} (${re.map((m) => secs(m.ms)).join(", ")}); bot: ${hows(re)}`,
    "< 1.5 s, the bot left alone",
    median(re.map((m) => m.ms)) < 1500 && re.every((m) => m.how === "unchanged"),
  );
  fig("downtime during the redeploys", gapFigure(re).text);

  const failTag = await tagNeverReady(`${prefix}-f1`);
  const gf = await measure(`deploy ${failTag} (never ready)`, () => cli("deploy", "--tag", failTag, "--yes"), "any");
  log(`gate failure ${failTag}: exit ${gf.code}; ${describe(gf)}`);
  log(stepLine(gf));
  const said = /nothing changed for users/.test(gf.stdout + gf.stderr);
  const cur = await currentRelease();
  const bots = await runningBots();
  fig(
    "gate failure (a bot that exits 1 at start): exit code; message; current; running bots",
    `${gf.code}; ${said ? `"nothing changed for users"` : "NO 'nothing changed for users'"}; ${cur}; ${bots.join(", ")}`,
    `4; "nothing changed for users"; ${lastTag}; ${lastTag}`,
    gf.code === 4 && said && cur === lastTag && bots.length === 1 && bots[0] === lastTag,
  );
  fig("gate failure, time to exit 4", secs(gf.ms));
  fig(
    "downtime during the gate failure",
    secs2(gf.gapMs),
    "0 s (no more than without a deploy + 0.1 s)",
    gf.gapMs <= steady.gapMs + 100,
  );
  const fa = answerFigure([gf]);
  fig("/start during the gate failure", fa.text, "all answered, none twice, p99 < 1.5 s", fa.met);

  const rb: Measured[] = [];
  const fw: Measured[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const b = await measure(`rollback ${prevTag}`, () => cli("rollback", "--to", prevTag, "--yes"));
    rb.push(b);
    log(`rollback ${i}/${RUNS} to ${prevTag}: ${b.how}; ${describe(b)}`);
    const f = await measure(`rollback ${lastTag}`, () => cli("rollback", "--to", lastTag, "--yes"));
    fw.push(f);
    log(`forward  ${i}/${RUNS} to ${lastTag}: ${f.how}; ${describe(f)}`);
  }
  log(stepLine(rb.at(-1)!));
  fig(
    "rollback to the previous release, whole command (median)",
    `${secs(median(rb.map((m) => m.ms)))} (${rb.map((m) => secs(m.ms)).join(", ")}); bot: ${hows(rb)}`,
    "< 5 s",
    median(rb.map((m) => m.ms)) < 5000,
  );
  const rg = gapFigure(rb);
  fig("downtime during the rollbacks", rg.text, "< 0.5 s median, < 1 s max", rg.met);
  const ra = answerFigure(rb);
  fig("/start during the rollbacks", ra.text, "all answered, none twice, p99 < 1.5 s", ra.met);
  fig(
    "rollback forward again to the newer release (median)",
    `${secs(median(fw.map((m) => m.ms)))} (${fw.map((m) => secs(m.ms)).join(", ")}); downtime ${gapFigure(fw).text}; ` +
      `${answerFigure(fw).text}`,
  );
  const rebuilt = [...rb, ...fw].some((m) => m.steps.some(([n]) => n.startsWith("Build image")));
  fig("rollbacks rebuilt an image", rebuilt ? "yes" : "no", "no", !rebuilt);

  log(
    `\n5. Backup and restore of a database with ${REMINDERS.toLocaleString("en")} reminders (deployer's backup create / restore):`,
  );
  const fillStarted = Date.now();
  await psql(
    `INSERT INTO reminders (user_id, chat_id, chat_type, text, zone, status, due_at)
     SELECT 900000000 + g % 1000, 900000000 + g % 1000, 'private', 'bench reminder number ' || g, 'Europe/Moscow', 'done',
            now() - interval '1 day' + g * interval '1 second'
     FROM generate_series(1, ${REMINDERS}) g`,
  );
  const rows = await psql("SELECT count(*) FROM reminders");
  const dbSize = await psql("SELECT pg_size_pretty(pg_database_size(current_database()))");
  log(`  filled in ${secs(Date.now() - fillStarted)}: ${rows} rows, database ${dbSize}`);
  const names: string[] = [];
  try {
    const bk = must("backup create", await cli("backup", "create"));
    // printed as a path on the server; the CLI takes the name
    const dump = /backup (\S+\.dump) written/.exec(bk.stdout)?.[1] ?? /(\S+\.dump)/.exec(bk.stdout)?.[1];
    const name = dump && basename(dump);
    if (!name) throw new Error(`backup create printed no name:\n${bk.stdout}`);
    names.push(name);
    const list = JSON.parse(must("backup list", await cli("backup", "list", "--json")).stdout) as Array<{
      name: string;
      sizeBytes: number;
    }>;
    const size = list.find((b) => b.name === name)?.sizeBytes ?? NaN;
    fig("backup of the database (time; file size)", `${secs(bk.ms)}; ${kb(size)}`);
    const before = new Set(list.map((b) => b.name));
    const rs = must("backup restore", await cli("backup", "restore", name, "--yes"));
    fig("restore of that backup, incl. its safety backup and the bot's health (time)", secs(rs.ms));
    const after = JSON.parse(must("backup list", await cli("backup", "list", "--json")).stdout) as Array<{
      name: string;
    }>;
    names.push(...after.map((b) => b.name).filter((n) => !before.has(n)));
    fig("rows after restore", await psql("SELECT count(*) FROM reminders"));
  } finally {
    await psql(
      `DELETE FROM reminders WHERE user_id BETWEEN 900000000 AND 900000999 AND text LIKE 'bench reminder number %'`,
    );
    await psql("VACUUM ANALYZE reminders");
    // each dump with its checksum and row counts beside it (backup.sh writes the three)
    for (const n of names)
      await root(
        `rm -f -- ${APP_DIR}/backups/${n} ${APP_DIR}/backups/${n}.sha256 ${APP_DIR}/backups/${n}.rows`,
        `removing ${n}`,
      );
    log(`  clean-up: bench rows deleted, ${names.length} big dump(s) removed (${names.join(", ")})`);
  }

  log(`\nSummary (${RUNS} runs each; figures printed, not asserted; load ${load()}):`);
  for (const [k, v] of figures) log(`  ${k}: ${v}`);
} finally {
  await root(
    `rm -rf ${BASELINE_DIR}; docker images --format '{{.Repository}}:{{.Tag}}' remindbot-bot | grep ':${prefix}-b' | xargs -r docker rmi >/dev/null 2>&1 || true`,
    "clean-up",
  ).catch((e: Error) => log(`clean-up failed: ${e.message}`));
  relay.server.close();
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(0);
