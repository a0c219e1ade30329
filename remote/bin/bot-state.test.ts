// bot-state.sh, fed on stdin as the deployer runs it: a stub `docker` on PATH answers the inspect,
// pointing at a local HTTP server that plays the bot's /health.
import { expect } from "chai";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runFed } from "./script-harness.js";

const ID = "c0ffee".padEnd(64, "0");
const STATE = '{"Status":"running","Running":true,"Health":{"Status":"starting"}}';

describe("remote/bin/bot-state.sh", () => {
  let server: Server;
  let port: number;
  let answer: { status: number; body: string; length: boolean };
  const bin = mkdtempSync(join(tmpdir(), "bot-state-"));
  /**
   * A docker whose inspect says the container is at 127.0.0.1 with HEALTH_PORT (or none) beside a
   * secret. It answers the environment only through the template that picks HEALTH_PORT's value
   * (checked against docker's own template engine by hand: `docker version --format` with it over
   * a split string), and refuses any format that would print the whole environment.
   */
  const stubDocker = (healthPort: number | undefined, ip = "127.0.0.1") => {
    const pick = `{{range .Config.Env}}{{$kv := split . "="}}{{if eq (index $kv 0) "HEALTH_PORT"}}{{index $kv 1}}{{end}}{{end}}`;
    writeFileSync(
      join(bin, "docker"),
      [
        "#!/bin/sh",
        '[ "$1" = inspect ] || exit 9',
        `[ "$5" = "${ID}" ] || { echo "Error: No such object: $5" >&2; exit 1; }`,
        `case $3 in *"{{.Config.Env}}"* | *"json .Config"*) echo "stub: the whole environment asked for" >&2; exit 9 ;; esac`,
        `case $3 in *'${pick}') port='${healthPort ?? ""}' ;; *) echo "stub: unexpected format" >&2; exit 9 ;; esac`,
        `printf '%s\\037%s\\037%s\\037%s\\n' '${STATE}' 2 '${ip}${ip ? " " : ""}' "$port"`,
        "",
      ].join("\n"),
    );
    chmodSync(join(bin, "docker"), 0o755);
  };
  const state = (id = ID, timeoutMs = 5_000) =>
    runFed("bot-state.sh", [id], { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` }, timeoutMs);

  before(async () => {
    server = createServer((req, res) => {
      const headers: Record<string, string | number> = { "content-type": "application/json" };
      if (!answer.length) headers["transfer-encoding"] = "identity";
      res.writeHead(req.url === "/health" ? answer.status : 404, headers).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(bin, { recursive: true, force: true });
  });

  it("prints Docker's state and restarts, then /health's status line and JSON body (no headers, no CRs)", async () => {
    stubDocker(port);
    answer = { status: 200, body: '{"ok":true,"role":"standby","release":"v2"}', length: true };
    const r = await state();
    expect([r.code, r.stdout, r.stderr]).to.deep.equal([
      0,
      `${STATE}\t2\nHTTP/1.1 200 OK\n{"ok":true,"role":"standby","release":"v2"}\n`,
      "",
    ]);
  });

  it("reports a 503 as it came, and reads a body without Content-Length up to the close", async () => {
    stubDocker(port);
    answer = { status: 503, body: '{"ok":false,"reason":"no poll yet"}', length: false };
    const r = await state();
    expect(r.stdout.split("\n").slice(1)).to.deep.equal([
      "HTTP/1.1 503 Service Unavailable",
      '{"ok":false,"reason":"no poll yet"}',
      "",
    ]);
  });

  it("stops at Content-Length, without waiting for a close that does not come", async () => {
    const body = '{"ok":true}';
    const lingering = createTcpServer((socket) => {
      socket.once("data", () => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
    });
    await new Promise<void>((resolve) => lingering.listen(0, "127.0.0.1", resolve));
    try {
      stubDocker((lingering.address() as AddressInfo).port);
      const r = await state(ID, 1_500);
      expect([r.code, r.stdout.split("\n")[2]]).to.deep.equal([0, body]);
    } finally {
      await new Promise<void>((resolve) => lingering.close(() => resolve()));
    }
  });

  it('nothing listening, a peer that never answers, or no address: "-" (the GET is bounded to 2 s)', async () => {
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const free = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    stubDocker(free);
    expect((await state()).stdout).to.equal(`${STATE}\t2\n-\n`);
    const silent = createTcpServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      stubDocker((silent.address() as AddressInfo).port);
      expect((await state(ID, 4_000)).stdout).to.equal(`${STATE}\t2\n-\n`);
    } finally {
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
    stubDocker(port, "");
    expect((await state()).stdout).to.equal(`${STATE}\t2\n-\n`);
  });

  it("a container without HEALTH_PORT is asked on 8080; an unknown container exits 1", async () => {
    stubDocker(undefined, "127.0.0.2");
    const r = await state();
    expect(r.code).to.equal(0);
    expect(r.stdout.split("\n")[1]).to.equal("-"); // nothing of ours on 127.0.0.2:8080
    const gone = await state("f".repeat(64));
    expect(gone.code).to.equal(1);
    expect(gone.stderr).to.contain("No such object");
  });

  it("usage errors exit 2 with one line; --help explains", async () => {
    expect((await runFed("bot-state.sh", [], {})).code).to.equal(2);
    const bad = await runFed("bot-state.sh", ["x; id"], {});
    expect([bad.code, bad.stderr]).to.deep.equal([2, "bot-state.sh: error: not a container id: x; id (see --help)\n"]);
    expect((await runFed("bot-state.sh", ["--help"], {})).stdout).to.match(/^Usage: bot-state\.sh CONTAINER/);
  });
});
