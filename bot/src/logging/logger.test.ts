import { expect } from "chai";
import { PassThrough } from "node:stream";
import { createLogger } from "./logger.js";
import { redactSecrets } from "./redact.js";

function capture(production: boolean, secrets: string[]) {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on("data", (chunk: Buffer) => lines.push(...chunk.toString("utf8").split("\n").filter(Boolean)));
  const logger = createLogger({ level: "debug", production, secrets, stream });
  return { logger, lines };
}

const flush = () => new Promise((r) => setImmediate(r));

describe("logger", () => {
  const token = ["987654", "A".repeat(35)].join(":");

  it("writes JSON lines in production and redacts secrets in message, metadata and stacks", async () => {
    const { logger, lines } = capture(true, [token, "dbpass123"]);
    logger.info(`calling https://api.telegram.org/bot${token}/getMe`, { url: "postgres://u:dbpass123@h/d" });
    logger.error("failed", new Error(`boom dbpass123`));
    await flush();
    expect(lines).to.have.length(2);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first.level).to.equal("info");
    expect(first.message).to.equal("calling https://api.telegram.org/bot[REDACTED]/getMe");
    expect(first.url).to.equal("postgres://u:[REDACTED]@h/d");
    expect(lines.join("\n")).to.not.contain("dbpass123");
    expect(lines.join("\n")).to.not.contain(token);
  });

  it("writes readable lines in development", async () => {
    const { logger, lines } = capture(false, ["s3cr3t"]);
    logger.debug("update handled", { updateId: 7, ms: 3, note: "s3cr3t" });
    await flush();
    expect(lines[0]).to.match(/debug: update handled \{"updateId":7,"ms":3,"note":"\[REDACTED\]"\}/);
    expect(() => JSON.parse(lines[0]!)).to.throw();
  });

  it("redacts token-shaped strings it was not told about, and URL-encoded secrets", () => {
    expect(redactSecrets(`x ${token} y`, [])).to.equal("x [REDACTED] y");
    expect(redactSecrets("a p%40ss12 b p@ss12", ["p@ss12"])).to.equal("a [REDACTED] b [REDACTED]");
  });

  it('redacts a secret with " or \\ in JSON lines, where it is escaped, and in base64', async () => {
    const pw = 'db"pa\\ss';
    const { logger, lines } = capture(true, [pw]);
    logger.info("connecting", { password: pw, basic: Buffer.from(`remindbot:${pw}`).toString("base64") });
    await flush();
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry.password).to.equal("[REDACTED]");
    expect(entry.basic).to.contain("[REDACTED]");
    expect(lines[0]).to.not.contain("pa\\\\ss");
  });
});
