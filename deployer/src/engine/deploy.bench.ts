/**
 * Deploy benchmark (issue 8). Prints figures and ratios against a hand-written baseline run in the
 * same process; asserts nothing. Needs root and a Docker engine (the sandbox VDS); without them it
 * prints one line saying why and exits 0 (skipped).
 *
 * 1. Deploy of a one-line change on a warm sandbox, end to end: `node deployer/dist/main.js deploy`
 *    against a baseline a user might write by hand with plain ssh (the same git archive piped over
 *    ssh and unpacked in /opt/baseline, then `docker compose up -d --build --wait` with the same
 *    compose file, release.env interpolation and compose project, so both replace the running bot
 *    and end when it is healthy). Alternate runs, baseline then ours, BENCH_DEPLOY_RUNS (default 3)
 *    of each; every run is a new commit + tag changing one line of bot/src/main.ts, so both rebuild
 *    the bot's compile layer; both use the VDS's one Docker build cache, as a real user's would.
 * 2. Bot downtime during each of those deploys, seen by the fake Bot API: the longest stretch with no
 *    getUpdates of the bot's token open, while a /start is pushed every PUSH_EVERY_MS from a new chat;
 *    afterwards every one of them must have been answered (no update lost).
 * 3. SSH connections and bytes per deploy: every SSH connection of both goes through a counting TCP
 *    relay in this process (a `bench` target in the scratch repo's deploy.targets.yml, the sandbox's
 *    host key re-registered for the relay's port), cross-checked with sshd's journal on the VDS.
 * 4. Redeploy of the tag already running; rollback to the previous release and forward again.
 * 5. Backup and restore of a database with BENCH_REMINDERS (default 1,000,000) reminders, through
 *    the deployer's `backup create` / `backup restore`; the rows and the two big dumps are removed after.
 *
 * The server is left as a deploy leaves it: the stack running the scratch repo's last tag (HEAD plus a
 * comment line), /opt/baseline removed, the baseline's images removed.
 *
 * Env: BENCH_DEPLOY_RUNS (default 3), BENCH_REMINDERS (default 1000000).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { message, FakeBotApiClient } from "@remindbot/fake-telegram/client";
import { APP_DIR, MAIN, psql as psqlIn, root as rootIn } from "../../../test/support/deployer-cli.js";
import { dockerAvailable, ensureSandbox, sandboxEnv } from "../../../test/support/sandbox.js";
import { RELEASE_PATHS } from "../local/git.js";
import { run } from "../local/process.js";
import { REPO_ROOT } from "../local/repo-root.js";

const RUNS = Math.max(1, Number(process.env.BENCH_DEPLOY_RUNS ?? 3));
const REMINDERS = Math.max(1, Number(process.env.BENCH_REMINDERS ?? 1_000_000));
const PUSH_EVERY_MS = 500;
const BASELINE_DIR = "/opt/baseline";

const avail = await dockerAvailable();
if (!avail.ok) {
  console.log(`deploy bench: skipped: ${avail.reason}`);
  process.exit(0);
}

// ---------- small helpers

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
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

interface Watch {
  stop(): Promise<{ downtimeMs: number; pushed: number; answered: number; worstAnswerMs: number }>;
}

/** Pushes a /start from a new chat every PUSH_EVERY_MS and records the bot's polling. */
async function watchBot(): Promise<Watch> {
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
      // every pushed /start answered? (those pushed last may still be in flight)
      const answeredAt = new Map<number, number>();
      const deadline = Date.now() + 60_000;
      for (;;) {
        for (const c of await api.calls({ since, method: "sendMessage", token })) {
          const chat = Number(c.params["chat_id"]);
          if (c.response.ok && !answeredAt.has(chat)) answeredAt.set(chat, c.at);
        }
        if (pushed.every((p) => answeredAt.has(p.chat)) || Date.now() > deadline) break;
        await sleep(500);
      }
      let worst = 0;
      for (const p of pushed) {
        const a = answeredAt.get(p.chat);
        if (a !== undefined) worst = Math.max(worst, a - p.at);
      }
      // downtime: the longest stretch of [started, ended] with no getUpdates open
      const polls = (await api.calls({ since: Math.max(0, since - 500), method: "getUpdates", token }))
        .map((c) => [c.at, c.endAt ?? Date.now()] as [number, number])
        .filter(([, e]) => e >= started)
        .sort((a, b) => a[0] - b[0]);
      let covered = started;
      let gap = 0;
      for (const [s, e] of polls) {
        if (s > ended) break;
        if (s > covered) gap = Math.max(gap, s - covered);
        covered = Math.max(covered, e);
      }
      if (covered < ended) gap = Math.max(gap, ended - covered);
      return {
        downtimeMs: gap,
        pushed: pushed.length,
        answered: pushed.filter((p) => answeredAt.has(p.chat)).length,
        worstAnswerMs: worst,
      };
    },
  };
}

interface Measured {
  ms: number;
  downtimeMs: number;
  pushed: number;
  answered: number;
  worstAnswerMs: number;
  connections: number;
  sshdAccepted: number;
  bytesUp: number;
  bytesDown: number;
  steps: Array<[string, number]>;
  stdout: string;
}

async function measure(what: string, go: () => Promise<Timed>): Promise<Measured> {
  const sinceSec = Math.floor(Date.now() / 1000);
  const watch = await watchBot();
  relay.counter.connections = relay.counter.up = relay.counter.down = 0;
  const r = must(what, await go());
  const c = { ...relay.counter };
  const w = await watch.stop();
  await sleep(300); // the journal catches up
  const accepted = await sshdAccepted(sinceSec);
  return {
    ms: r.ms,
    ...w,
    connections: c.connections,
    sshdAccepted: accepted,
    bytesUp: c.up,
    bytesDown: c.down,
    steps: steps(r.stdout),
    stdout: r.stdout,
  };
}

function describe(m: Measured): string {
  const lost = m.pushed - m.answered;
  return (
    `${secs(m.ms)}; downtime ${secs(m.downtimeMs)}, ${m.answered}/${m.pushed} /start answered` +
    `${lost ? ` (${lost} LOST)` : ""}, slowest answer ${secs(m.worstAnswerMs)}; ` +
    `${m.connections} SSH connection(s) (sshd: ${m.sshdAccepted}), ${kb(m.bytesUp)} up / ${kb(m.bytesDown)} down`
  );
}

// ---------- the runs

const figures: Array<[string, string]> = [];
const fig = (name: string, value: string) => {
  figures.push([name, value]);
  log(`  ${name}: ${value}`);
};

log(`deploy bench: sandbox ready in ${secs(Date.now() - t0)}; relay 127.0.0.1:${relay.port} -> ${target.port}`);
await root(`install -d -o ${target.user} -g ${target.user} ${BASELINE_DIR}`, "creating /opt/baseline");

try {
  // warm-up: the stack runs a release of the scratch repo, deployed by us (not measured)
  const warm = must("warm-up deploy", await cli("deploy", "--tag", await tagOneLine(`${prefix}-o0`), "--yes"));
  log(`warm-up deploy ${prefix}-o0: ${secs(warm.ms)} (not counted)`);

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
    log(`run ${i}/${RUNS} ours     ${ot}: ${describe(o)}`);
    log(`    steps: ${o.steps.map(([n, ms]) => `${n.replace(/ \(.*$/, "")} ${secs(ms)}`).join("; ")}`);
  }
  const lastTag = `${prefix}-o${RUNS}`;
  const prevTag = `${prefix}-o${RUNS - 1}`;

  log(`\n1. Deploy of a one-line change, end to end (${RUNS} runs each, alternating baseline/ours):`);
  const mo = median(ours.map((m) => m.ms));
  const mb = median(base.map((m) => m.ms));
  fig("deploy, ours (median)", secs(mo));
  fig("deploy, baseline ssh + compose up --build --wait (median)", secs(mb));
  fig("deploy ratio ours/baseline (target <= 1.2x)", `${(mo / mb).toFixed(2)}x`);
  const stepNames = [...new Set(ours.flatMap((m) => m.steps.map(([n]) => n)))];
  fig(
    "ours, median per step",
    stepNames
      .map(
        (n) => `${n.replace(/ \(.*$/, "")} ${secs(median(ours.map((m) => m.steps.find(([s]) => s === n)?.[1] ?? 0)))}`,
      )
      .join("; "),
  );

  log(
    `\n2. Bot downtime during the deploy (longest stretch without an open getUpdates; /start every ${PUSH_EVERY_MS} ms):`,
  );
  fig(
    "downtime, ours (median; max)",
    `${secs(median(ours.map((m) => m.downtimeMs)))}; ${secs(Math.max(...ours.map((m) => m.downtimeMs)))}`,
  );
  fig(
    "downtime, baseline (median; max)",
    `${secs(median(base.map((m) => m.downtimeMs)))}; ${secs(Math.max(...base.map((m) => m.downtimeMs)))}`,
  );
  const lost = (ms: Measured[]) => ms.reduce((a, m) => a + m.pushed - m.answered, 0);
  const pushedAll = (ms: Measured[]) => ms.reduce((a, m) => a + m.pushed, 0);
  fig("updates lost, ours", `${lost(ours)} of ${pushedAll(ours)}`);
  fig("updates lost, baseline", `${lost(base)} of ${pushedAll(base)}`);
  fig("slowest /start answer during a deploy, ours (max)", secs(Math.max(...ours.map((m) => m.worstAnswerMs))));

  log(
    `\n3. SSH connections and bytes per deploy (TCP relay in this process, SSH framing and encryption included; ` +
      `connections cross-checked with "Accepted publickey" in the VDS's sshd journal):`,
  );
  fig(
    "SSH connections per deploy, ours (relay; sshd)",
    `${ours.map((m) => m.connections).join(", ")}; ${ours.map((m) => m.sshdAccepted).join(", ")}`,
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
  const note = /Upload release .*? ([\d.]+ [KM]B), sha256/.exec(ours.at(-1)!.stdout);
  if (note) fig("release archive (the engine's upload note)", note[1]!);

  log(`\n4. Redeploy, rollback:`);
  const re = await measure(`redeploy ${lastTag}`, () => cli("deploy", "--tag", lastTag, "--yes"));
  fig("redeploy of the running tag (target < 5 s)", describe(re));
  log(`    steps: ${re.steps.map(([n, ms]) => `${n.replace(/ \(.*$/, "")} ${secs(ms)}`).join("; ")}`);
  const rb = await measure(`rollback ${prevTag}`, () => cli("rollback", "--to", prevTag, "--yes"));
  fig("rollback to the previous release (target < 15 s)", describe(rb));
  log(`    steps: ${rb.steps.map(([n, ms]) => `${n.replace(/ \(.*$/, "")} ${secs(ms)}`).join("; ")}`);
  const fw = await measure(`rollback ${lastTag}`, () => cli("rollback", "--to", lastTag, "--yes"));
  fig("rollback forward again to the newer release", describe(fw));
  const rebuilt = [rb, fw].some((m) => m.steps.some(([n]) => n.startsWith("Build image")));
  fig("rollbacks rebuilt an image", rebuilt ? "YES" : "no");

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
    const name = /backup (\S+\.dump) written/.exec(bk.stdout)?.[1] ?? /(\S+\.dump)/.exec(bk.stdout)?.[1];
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
    for (const n of names) await root(`rm -f -- ${APP_DIR}/backups/${n}`, `removing ${n}`);
    log(`  clean-up: bench rows deleted, ${names.length} big dump(s) removed (${names.join(", ")})`);
  }

  log(`\nSummary (${RUNS} alternating runs each; figures printed, not asserted):`);
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
