// health-get.sh, fed on stdin as the deployer runs it, against a local HTTP server.
import { expect } from "chai";
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import type { AddressInfo } from "node:net";
import { runFed } from "./script-harness.js";

describe("remote/bin/health-get.sh", () => {
  let server: Server;
  let port: number;
  let answer: { status: number; body: string; length: boolean };
  before(async () => {
    server = createServer((req, res) => {
      const headers: Record<string, string | number> = { "content-type": "application/json" };
      if (!answer.length) headers["transfer-encoding"] = "identity";
      res.writeHead(req.url === "/health" ? answer.status : 404, headers).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("prints the status line, then the JSON body (no headers, no carriage returns)", async () => {
    answer = { status: 200, body: '{"ok":true,"role":"active","release":"v2"}', length: true };
    const r = await runFed("health-get.sh", ["127.0.0.1", String(port)], {}, 5_000);
    expect([r.code, r.stdout]).to.deep.equal([0, 'HTTP/1.1 200 OK\n{"ok":true,"role":"active","release":"v2"}\n']);
  });

  it("reports a 503 as it came (exit 0: the request was answered)", async () => {
    answer = { status: 503, body: '{"ok":false,"reason":"no poll yet"}', length: true };
    const r = await runFed("health-get.sh", ["127.0.0.1", String(port)], {}, 5_000);
    expect([r.code, r.stdout]).to.deep.equal([
      0,
      'HTTP/1.1 503 Service Unavailable\n{"ok":false,"reason":"no poll yet"}\n',
    ]);
  });

  it("reads a body without Content-Length up to the close", async () => {
    answer = { status: 200, body: '{"ok":true}', length: false };
    const r = await runFed("health-get.sh", ["127.0.0.1", String(port)], {}, 5_000);
    expect(r.stdout.split("\n")[1]).to.equal('{"ok":true}');
  });

  it("stops at Content-Length, without waiting for a close that does not come", async () => {
    const body = '{"ok":true}';
    const lingering = createTcpServer((socket) => {
      socket.once("data", () =>
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nContent-Type: application/json\r\n\r\n${body}`,
        ),
      );
    });
    await new Promise<void>((resolve) => lingering.listen(0, "127.0.0.1", resolve));
    try {
      const port = (lingering.address() as AddressInfo).port;
      const r = await runFed("health-get.sh", ["127.0.0.1", String(port)], {}, 3_000);
      expect([r.code, r.stdout]).to.deep.equal([0, `HTTP/1.1 200 OK\n${body}\n`]);
    } finally {
      await new Promise<void>((resolve) => lingering.close(() => resolve()));
    }
  });

  it("exit 1 with a line saying so when nothing listens", async () => {
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const free = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const r = await runFed("health-get.sh", ["127.0.0.1", String(free)], {}, 5_000);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include(`health-get.sh: no connection to 127.0.0.1:${free}`);
  });

  it("a peer that closes without answering: exit 0, nothing printed", async () => {
    const mute = createTcpServer((socket) => socket.resume().end()); // resume: read the request, so the socket can close
    await new Promise<void>((resolve) => mute.listen(0, "127.0.0.1", resolve));
    try {
      const r = await runFed("health-get.sh", ["127.0.0.1", String((mute.address() as AddressInfo).port)], {}, 5_000);
      expect([r.code, r.stdout]).to.deep.equal([0, ""]);
    } finally {
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }
  });

  it("usage errors exit 2", async () => {
    expect((await runFed("health-get.sh", ["127.0.0.1"], {})).code).to.equal(2);
    expect((await runFed("health-get.sh", ["--help"], {})).stdout).to.match(/^Usage: health-get\.sh IP PORT/);
  });
});
