/**
 * Deployer UI benchmark (issue 7). Prints figures and ratios, asserts nothing.
 *
 * 1. Log view: 100,000 lines fed as fast as they come (chunks of BENCH_CHUNK lines per event-loop
 *    turn) through the real LogScreen rendered by Ink to a null terminal (80x24, Ink's own frame
 *    throttling). Lines/s accepted against a baseline of the same feed into a plain array; frames
 *    drawn; peak RSS (target < 150 MB); arrival → first frame showing it (or a newer line), p50/p99.
 * 2. Startup: time to the first frame of `node deployer/dist/main.js` on a pseudo-terminal
 *    (`script -qfc`), against `node -e` printing one byte, in the same run (median of BENCH_STARTS).
 *
 * Env: BENCH_LINES (default 100000), BENCH_CHUNK (default 500), BENCH_STARTS (default 5).
 * Written in .ts (createElement, no JSX) so scripts/bench.ts finds it and builds leave it out.
 */
import { spawn, spawnSync } from "node:child_process";
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
 * peak RSS without the tsx loader this process carries.
 */
function compiledRss(): { before: number; peak: number } {
  const view = pathToFileURL(join(ROOT, "deployer", "dist", "ui", "log-view.js")).href;
  const keyQueue = pathToFileURL(join(ROOT, "deployer", "dist", "ui", "key-queue.js")).href;
  const code = `
    process.env.NODE_ENV = "production";
    const { EventEmitter } = await import("node:events");
    const { render } = await import("ink");
    const { createElement } = await import("react");
    const { LogScreen } = await import(${JSON.stringify(view)});
    const { KeyQueue } = await import(${JSON.stringify(keyQueue)});
    const line = ${line.toString()};
    class Out extends EventEmitter { columns = 80; rows = 24; isTTY = true; write() { return true; } }
    class In extends EventEmitter { isTTY = true; setRawMode() {} setEncoding() {} ref() {} unref() {} resume() {} pause() {} read() { return null; } }
    const before = process.memoryUsage.rss();
    let peak = before;
    const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
    let done; const fin = new Promise((r) => (done = r));
    const session = { logs: async (_o, onLine, signal) => {
      for (let i = 0; i < ${LINES}; i += ${CHUNK}) {
        for (let j = i; j < Math.min(${LINES}, i + ${CHUNK}); j++) onLine(line(j));
        await new Promise((r) => setImmediate(r));
      }
      done();
      await new Promise((r) => signal.addEventListener("abort", r));
    } };
    const out = new Out();
    const ink = render(createElement(KeyQueue, null, createElement(LogScreen, { session, onBack() {}, onHelp() {}, height: 18 })),
      { stdout: out, stdin: new In(), stderr: out, exitOnCtrlC: false, patchConsole: false });
    await fin;
    await new Promise((r) => setTimeout(r, 200));
    ink.unmount();
    clearInterval(t);
    console.log(JSON.stringify({ before, peak: Math.max(peak, process.memoryUsage.rss()) }));
    process.exit(0);
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`compiled log view run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as { before: number; peak: number };
}

async function firstFrameMs(command: string, marker: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // script gives the child a real pseudo-terminal, as a user's terminal would.
    const child = spawn("script", ["-qfc", command, "/dev/null"], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "inherit"],
      detached: true,
      env: { ...process.env, FORCE_COLOR: "0" },
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

/** Compiles deployer/dist (as `npm run deployer` would): outside every measurement. */
function build(): void {
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const built = spawnSync(process.execPath, [tsc, "-p", join(ROOT, "deployer")], { stdio: "inherit" });
  if (built.status !== 0) throw new Error("tsc -p deployer failed");
}

async function startup() {
  const ui: number[] = [];
  const ink: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    base.push(await firstFrameMs(`node -e "process.stdout.write('ready')"`, "ready"));
    ui.push(await firstFrameMs("node deployer/dist/main.js", "deployer"));
    ink.push(await firstFrameMs("node deployer/dist/main.js", "release "));
  }
  for (const list of [ui, ink, base]) list.sort((a, b) => a - b);
  return { ui: pct(ui, 50), uiMax: ui.at(-1) ?? NaN, ink: pct(ink, 50), base: pct(base, 50) };
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
const compiled = compiledRss();
console.log(
  `  compiled view   peak RSS ${mb(compiled.peak)} in plain Node (${mb(compiled.before)} after loading Ink and React; target < 150 MB)`,
);
if (STARTS === 0) process.exit(0);
const s = await startup();
console.log(`startup (median of ${STARTS}, pseudo-terminal):`);
console.log(`  first frame     ${s.ui.toFixed(0)} ms (max ${s.uiMax.toFixed(0)} ms; target 500 ms)`);
console.log(`  first Ink frame ${s.ink.toFixed(0)} ms (Ink's own header: release and health line)`);
console.log(`  node -e baseline ${s.base.toFixed(0)} ms; ratio ${(s.ui / s.base).toFixed(2)}`);
process.exit(0);
