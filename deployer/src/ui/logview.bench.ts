/**
 * Deployer UI benchmark (issue 7). Prints figures and ratios, asserts nothing.
 *
 * 1. Log view: 100,000 lines fed as fast as they come (chunks of BENCH_CHUNK lines per event-loop
 *    turn) through the real LogScreen rendered by Ink to a null terminal (80x24, Ink's own frame
 *    throttling). Lines/s accepted against a baseline of the same feed into a plain array; frames
 *    drawn; peak RSS (target < 150 MB); arrival → first frame showing it (or a newer line), p50/p99.
 * 2. Startup on a pseudo-terminal (`script -qfc`), median of BENCH_STARTS, against `node -e`
 *    printing one byte in the same run: the first (plain) frame, and start to a usable menu (the
 *    target list, two targets in a scratch repo: the first screen that takes keys) from
 *    `npm run deployer` as the issue asks, from `node scripts/run-deployer.mjs` (no npm), and from
 *    `node deployer/dist/main.js` (the compiled files one by one, no bundle). The build is made
 *    before, outside the measurement: these are warm starts.
 *
 * Env: BENCH_LINES (default 100000), BENCH_CHUNK (default 500), BENCH_STARTS (default 5).
 * Written in .ts (createElement, no JSX) so scripts/bench.ts finds it and builds leave it out.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { EventEmitter } from "node:events";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import type { LogOptions } from "../engine/api.js";

// As the UI runs (run.tsx): React's production build, chosen before React loads.
process.env.NODE_ENV ??= "production";
const { render } = await import("ink");
const { createElement } = await import("react");
const { LogScreen } = await import("./log-view.js");
const { KeyQueue } = await import("./key-queue.js");

const LINES = Number(process.env.BENCH_LINES ?? 100_000);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 500);
const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const ROOT = join(import.meta.dirname, "..", "..", "..");

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const turn = () => new Promise<void>((r) => setImmediate(r));

function line(i: number): string {
  const level = i % 50 === 0 ? "error" : i % 20 === 0 ? "warn" : "info";
  return `bot-1 | 2026-11-26T09:16:36.${String(i % 1000).padStart(3, "0")}Z {"level":"${level}","message":"L${i} delivered reminder","chat":${i * 7}}`;
}

/** A terminal that keeps nothing: counts frames and looks at each one for the newest line drawn. */
class NullTerminal extends EventEmitter {
  columns = 80;
  rows = 24;
  isTTY = true;
  frames = 0;
  onFrame: (text: string) => void = () => undefined;
  write = (chunk: string) => {
    this.frames++;
    this.onFrame(chunk);
    return true;
  };
}

class NullInput extends EventEmitter {
  isTTY = true;
  setRawMode() {}
  setEncoding() {}
  ref() {}
  unref() {}
  resume() {}
  pause() {}
  read() {
    return null;
  }
}

async function feedBaseline(): Promise<number> {
  const sink: string[] = [];
  const t0 = performance.now();
  for (let i = 0; i < LINES; i += CHUNK) {
    for (let j = i; j < Math.min(LINES, i + CHUNK); j++) sink.push(line(j));
    await turn();
  }
  return LINES / ((performance.now() - t0) / 1000);
}

async function logView() {
  const arrived = new Float64Array(LINES);
  const latencies: number[] = [];
  let attributed = -1;
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 10);

  const stdout = new NullTerminal();
  stdout.onFrame = (text) => {
    const now = performance.now();
    let newest = -1;
    for (const m of text.matchAll(/L(\d+) /g)) newest = Math.max(newest, Number(m[1]));
    for (let i = attributed + 1; i <= newest; i++) latencies.push(now - (arrived[i] ?? now));
    if (newest > attributed) attributed = newest;
  };

  let acceptedIn = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const session = {
    logs: async (_o: LogOptions, onLine: (l: string) => void, signal?: AbortSignal) => {
      const t0 = performance.now();
      for (let i = 0; i < LINES && !signal?.aborted; i += CHUNK) {
        const end = Math.min(LINES, i + CHUNK);
        for (let j = i; j < end; j++) {
          arrived[j] = performance.now();
          onLine(line(j));
        }
        await turn();
      }
      acceptedIn = performance.now() - t0;
      done();
      await new Promise<void>((r) => signal?.addEventListener("abort", () => r()));
    },
  };

  const rssBefore = process.memoryUsage.rss();
  const ink = render(
    createElement(
      KeyQueue,
      null,
      createElement(LogScreen, { session, onBack: () => undefined, onHelp: () => undefined, height: 18 }),
    ),
    {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: new NullInput() as unknown as NodeJS.ReadStream,
      stderr: stdout as unknown as NodeJS.WriteStream,
      exitOnCtrlC: false,
      patchConsole: false,
    },
  );
  await finished;
  const waitUntil = performance.now() + 2000;
  while (attributed < LINES - 1 && performance.now() < waitUntil) await new Promise((r) => setTimeout(r, 5));
  ink.unmount();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  latencies.sort((a, b) => a - b);
  return { rate: LINES / (acceptedIn / 1000), frames: stdout.frames, peakRss, rssBefore, latencies, last: attributed };
}

/**
 * The same feed in plain Node on the compiled view (deployer/dist), as `npm run deployer` runs it:
 * peak RSS without the tsx loader this process carries. With `view` false the lines go into a plain
 * ring of 5000 strings instead: the floor the feed itself costs (its strings, V8's heap growth).
 */
function compiledRun(view: boolean): { before: number; peak: number; rate: number } {
  const logView = pathToFileURL(join(ROOT, "deployer", "dist", "ui", "log-view.js")).href;
  const keyQueue = pathToFileURL(join(ROOT, "deployer", "dist", "ui", "key-queue.js")).href;
  const code = `
    process.env.NODE_ENV = "production";
    const { EventEmitter } = await import("node:events");
    const { render } = await import("ink");
    const { createElement } = await import("react");
    const { LogScreen } = await import(${JSON.stringify(logView)});
    const { KeyQueue } = await import(${JSON.stringify(keyQueue)});
    const line = ${line.toString()};
    class Out extends EventEmitter { columns = 80; rows = 24; isTTY = true; write() { return true; } }
    class In extends EventEmitter { isTTY = true; setRawMode() {} setEncoding() {} ref() {} unref() {} resume() {} pause() {} read() { return null; } }
    const before = process.memoryUsage.rss();
    let peak = before;
    const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
    let done; const fin = new Promise((r) => (done = r));
    let t0 = 0, t1 = 0;
    const session = { logs: async (_o, onLine, signal) => {
      t0 = performance.now();
      for (let i = 0; i < ${LINES}; i += ${CHUNK}) {
        for (let j = i; j < Math.min(${LINES}, i + ${CHUNK}); j++) onLine(line(j));
        await new Promise((r) => setImmediate(r));
      }
      t1 = performance.now();
      done();
      await new Promise((r) => signal.addEventListener("abort", r));
    } };
    const out = new Out();
    const ac = new AbortController();
    let ring = [];
    const ink = ${view}
      ? render(createElement(KeyQueue, null, createElement(LogScreen, { session, onBack() {}, onHelp() {}, height: 18 })),
          { stdout: out, stdin: new In(), stderr: out, exitOnCtrlC: false, patchConsole: false })
      : void session.logs({}, (l) => { ring.push(l); if (ring.length > 10000) ring = ring.slice(-5000); }, ac.signal);
    await fin;
    await new Promise((r) => setTimeout(r, 200));
    ink?.unmount();
    ac.abort();
    clearInterval(t);
    console.log(JSON.stringify({ before, peak: Math.max(peak, process.memoryUsage.rss()), rate: ${LINES} / ((t1 - t0) / 1000) }));
    process.exit(0);
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`compiled log view run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as { before: number; peak: number; rate: number };
}

async function firstFrameMs(command: string, marker: string, env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // script gives the child a real pseudo-terminal, as a user's terminal would.
    const child = spawn("script", ["-qfc", command, "/dev/null"], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "inherit"],
      detached: true,
      env: { ...process.env, FORCE_COLOR: "0", ...env },
    });
    let out = "";
    const timer = setTimeout(() => finish(new Error(`no first frame from ${command}`)), 15_000);
    const finish = (result: number | Error) => {
      clearTimeout(timer);
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
      if (out.includes(marker)) finish(performance.now() - t0);
    });
  });
}

/** Builds deployer/dist and the UI bundle as `npm run deployer` would: outside every measurement. */
function build(): void {
  const built = spawnSync(process.execPath, [join(ROOT, "scripts", "run-deployer.mjs"), "--help"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (built.status !== 0) throw new Error("scripts/run-deployer.mjs --help failed");
}

async function startup() {
  // Two targets (one would connect at once): the target list is the first screen taking keys.
  const repo = mkdtempSync(join(tmpdir(), "logview-bench-"));
  writeFileSync(join(repo, "deploy.targets.yml"), "targets:\n  a:\n    host: 127.0.0.1\n  b:\n    host: 127.0.0.1\n");
  const menu = "Target:";
  const ways = {
    npm: "npm run deployer",
    script: "node scripts/run-deployer.mjs",
    dist: "node deployer/dist/main.js",
  } as const;
  const times: Record<keyof typeof ways | "first" | "base", number[]> = {
    npm: [],
    script: [],
    dist: [],
    first: [],
    base: [],
  };
  const env = { DEPLOYER_REPO: repo };
  for (let i = 0; i < STARTS; i++) {
    times.base.push(await firstFrameMs(`node -e "process.stdout.write('ready')"`, "ready", env));
    times.first.push(await firstFrameMs(ways.script, "deployer", env));
    for (const way of Object.keys(ways) as (keyof typeof ways)[])
      times[way].push(await firstFrameMs(ways[way], menu, env));
  }
  rmSync(repo, { recursive: true, force: true });
  for (const list of Object.values(times)) list.sort((a, b) => a - b);
  const med = (l: number[]) => pct(l, 50);
  return {
    first: med(times.first),
    firstMax: times.first.at(-1) ?? NaN,
    npm: med(times.npm),
    npmMax: times.npm.at(-1) ?? NaN,
    script: med(times.script),
    dist: med(times.dist),
    base: med(times.base),
  };
}

const baseline = await feedBaseline();
const v = await logView();
console.log(`log view: ${LINES.toLocaleString("en")} lines in chunks of ${CHUNK}`);
console.log(
  `  accepted        ${Math.round(v.rate).toLocaleString("en")} lines/s (baseline, a plain array: ${Math.round(baseline).toLocaleString("en")} lines/s; ratio ${(v.rate / baseline).toFixed(2)})`,
);
console.log(
  `  frames drawn    ${v.frames} (${(LINES / Math.max(1, v.frames)).toFixed(0)} lines per frame); newest line drawn: L${v.last}`,
);
console.log(
  `  peak RSS        ${mb(v.peakRss)} (target < 150 MB), of which ${mb(v.rssBefore)} before the view (tsx loader, Ink, React); the view's growth ${mb(v.peakRss - v.rssBefore)}`,
);
console.log(
  `  arrival→frame   p50 ${pct(v.latencies, 50).toFixed(1)} ms, p99 ${pct(v.latencies, 99).toFixed(1)} ms, max ${(v.latencies.at(-1) ?? NaN).toFixed(1)} ms (${v.latencies.length} lines)`,
);
build();
const compiled = compiledRun(true);
const floor = compiledRun(false);
console.log(
  `  compiled view   peak RSS ${mb(compiled.peak)} in plain Node (${mb(compiled.before)} after loading Ink and React; target < 150 MB); ${Math.round(compiled.rate).toLocaleString("en")} lines/s`,
);
console.log(
  `  same feed, no view  peak RSS ${mb(floor.peak)} (a plain ring of 5000 strings): the view adds ${mb(compiled.peak - floor.peak)}; ${Math.round(floor.rate).toLocaleString("en")} lines/s (view/none ${(compiled.rate / floor.rate).toFixed(2)})`,
);
if (STARTS === 0) process.exit(0);
const s = await startup();
console.log(`startup (median of ${STARTS}, pseudo-terminal, warm: built before):`);
console.log(`  first frame     ${s.first.toFixed(0)} ms (max ${s.firstMax.toFixed(0)} ms; target 500 ms)`);
console.log(
  `  start to menu   npm run deployer ${s.npm.toFixed(0)} ms (max ${s.npmMax.toFixed(0)} ms; target 1 s); node scripts/run-deployer.mjs ${s.script.toFixed(0)} ms; node deployer/dist/main.js (not bundled) ${s.dist.toFixed(0)} ms`,
);
console.log(`  node -e baseline ${s.base.toFixed(0)} ms; npm run deployer / node -e ${(s.npm / s.base).toFixed(2)}`);
process.exit(0);
