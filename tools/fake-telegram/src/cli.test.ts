import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import ts from "typescript";
import { parseCliArgs } from "./cli-args.ts";
import { FakeBotApiClient } from "./client.ts";
import { message } from "./builders.ts";

const TOKEN = "123:test";
const SRC = fileURLToPath(new URL(".", import.meta.url));
const ENTRY = join(SRC, "cli.ts");
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** What runs in the container: every file but the tests. */
const SOURCES = readdirSync(SRC)
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
  .map((f) => join(SRC, f));

describe("fake Bot API: as its own process", function () {
  it("prints its URL as one JSON line, serves, and stops on SIGTERM", async function () {
    this.timeout(20_000);
    const child = spawn(process.execPath, ["--import", "tsx", ENTRY, "--port", "0"], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const line = await firstLine(child.stdout, 15_000);
      const { url } = JSON.parse(line) as { url: string };
      expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = new FakeBotApiClient(url);
      await client.pushUpdate(message(1, "hi"), TOKEN);
      const me = (await (await fetch(`${url}/bot${TOKEN}/getMe`)).json()) as { result: { username: string } };
      expect(me.result.username).to.equal("test_bot");
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).to.equal(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("refuses bad arguments with one line", function () {
    expect(() => parseCliArgs(["--port", "x"])).to.throw(`--port must be a non-negative integer, got "x"`);
    expect(() => parseCliArgs(["--bogus"])).to.throw(/^unknown option --bogus/);
    expect(parseCliArgs(["--host", "0.0.0.0", "--port", "8081", "--rate-limit", "30,1"])).to.deep.equal({
      host: "0.0.0.0",
      port: 8081,
      rateLimit: { global: 30, perChat: 1 },
    });
  });

  it("imports only node: built-ins and its siblings (.ts), and uses only erasable syntax (runs under type stripping)", async function () {
    this.timeout(30_000);
    expect(SOURCES.map((f) => f.slice(SRC.length))).to.include.members(["cli.ts", "server.ts", "client.ts"]);
    for (const file of SOURCES) {
      const source = readFileSync(file, "utf8");
      const specifiers = [...source.matchAll(/^\s*(?:import|export)\b[^;]*?\sfrom\s+"([^"]+)"/gm)].map((m) => m[1]);
      // Node's type stripping resolves no extensions: a sibling is named with its .ts
      const foreign = specifiers.filter((s) => !s?.startsWith("node:") && !/^\.\/[a-z0-9-]+\.ts$/.test(s ?? ""));
      expect(foreign, file).to.deep.equal([]);
      expect(erasableSyntaxErrors(file), file).to.deep.equal([]);
    }
    // the check itself catches what type stripping refuses
    const dir = mkdtempSync(join(tmpdir(), "fake-bot-api-"));
    try {
      const bad = join(dir, "bad.ts");
      writeFileSync(bad, "enum A { X }\nclass B { constructor(private x: number) {} }\nexport {};\n");
      expect(erasableSyntaxErrors(bad)).to.have.length(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** TypeScript's erasableSyntaxOnly errors (code 1294) in one file, imports unresolved: what Node's type stripping refuses. */
function erasableSyntaxErrors(file: string): string[] {
  const program = ts.createProgram([file], {
    noResolve: true,
    noLib: true,
    noEmit: true,
    erasableSyntaxOnly: true,
    types: [],
  });
  const sourceFile = program.getSourceFile(file);
  return program
    .getSemanticDiagnostics(sourceFile)
    .filter((d) => d.code === 1294)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

function firstLine(stream: NodeJS.ReadableStream, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: stream });
    const timer = setTimeout(() => reject(new Error(`no line on stdout within ${timeoutMs} ms`)), timeoutMs);
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve(line);
    });
  });
}
