import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTargetsFile, resolveTarget, listTargets } from "./targets.js";
import { checkEnvFile, formatEnv, parseEnv, isPlaceholder, secretValues } from "./env-file.js";
import { readSandboxTarget } from "./sandbox-target.js";

const made: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), "deployer-config-"));
  made.push(d);
  return d;
};
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("targets file", () => {
  it("reads a valid file with defaults", () => {
    const d = dir();
    writeFileSync(
      join(d, "deploy.targets.yml"),
      "targets:\n  production:\n    host: vds.example.com\n    user: deploy\n",
    );
    const t = loadTargetsFile(d).get("production")!;
    expect(t.appDir).to.equal("/opt/remindbot");
    expect(t.keepReleases).to.equal(5);
    expect(t.healthTimeoutSec).to.equal(90);
    expect(t.envFile).to.equal(join(d, ".env.production"));
  });
  const bad: Array<[string, RegExp]> = [
    ["targets:\n  production:\n    host: 'a b'\n", /targets\.production\.host/],
    ["targets:\n  production:\n    host: h\n    keepReleases: two\n", /targets\.production\.keepReleases/],
    ["targets:\n  production:\n    host: h\n    appDir: ../etc\n", /targets\.production\.appDir/],
    ["targets:\n  production:\n    host: h\n    password: x\n", /unknown field\(s\) password/],
    ["targets: [\n", /not valid YAML/],
    ["targets:\n  sandbox:\n    host: h\n", /built-in/],
  ];
  for (const [text, re] of bad)
    it(`one-line error for ${JSON.stringify(text.slice(0, 60))}`, () => {
      const d = dir();
      writeFileSync(join(d, "deploy.targets.yml"), text);
      try {
        loadTargetsFile(d);
        expect.fail("should throw");
      } catch (e) {
        expect((e as Error).message).to.match(re);
        expect((e as Error).message).to.not.contain("\n");
      }
    });
  it("names unknown targets and knows the sandbox without a file", () => {
    const d = dir();
    expect(() => resolveTarget("prod", { repoRoot: d, sandbox: () => undefined })).to.throw(/unknown target "prod"/);
    expect(() => resolveTarget("sandbox", { repoRoot: d, sandbox: () => undefined })).to.throw(/sandbox -- up/);
    const sb = {
      name: "sandbox" as const,
      host: "127.0.0.1",
      port: 2222,
      user: "deploy",
      rootUser: "root",
      identityFile: "/k",
      knownHostsFile: "/kh",
      envFile: "/e",
      appDir: "/opt/remindbot",
      flavour: "ready" as const,
    };
    expect(resolveTarget("sandbox", { repoRoot: d, sandbox: () => sb }).envFile).to.equal("/e");
    expect(listTargets({ repoRoot: d, sandbox: () => sb }).map((t) => t.name)).to.deep.equal(["sandbox"]);
  });
});

describe("sandbox target file", () => {
  const described = {
    name: "sandbox",
    host: "127.0.0.1",
    port: 2222,
    user: "deploy",
    rootUser: "root",
    identityFile: ".sandbox/id_ed25519",
    knownHostsFile: "/abs/known_hosts",
    envFile: ".sandbox/env",
    appDir: "/opt/remindbot",
    flavour: "ready",
  };
  const withFile = (text: string) => {
    const d = dir();
    mkdirSync(join(d, ".sandbox"));
    writeFileSync(join(d, ".sandbox", "target.json"), text);
    return d;
  };

  it("is absent until something writes it", () => {
    expect(readSandboxTarget(dir())).to.equal(undefined);
  });
  it("reads the target with its relative paths made absolute against the checkout", () => {
    const d = withFile(JSON.stringify(described));
    const t = readSandboxTarget(d)!;
    expect(t).to.include({ host: "127.0.0.1", port: 2222, user: "deploy", flavour: "ready" });
    expect([t.identityFile, t.knownHostsFile, t.envFile]).to.deep.equal([
      join(d, ".sandbox/id_ed25519"),
      "/abs/known_hosts",
      join(d, ".sandbox/env"),
    ]);
    expect(resolveTarget("sandbox", { repoRoot: d, sandbox: () => t }).source).to.equal("sandbox");
  });
  it("refuses a broken file with one line naming the field", () => {
    expect(() => readSandboxTarget(withFile("{"))).to.throw(/\.sandbox\/target\.json: not valid JSON/);
    expect(() => readSandboxTarget(withFile(JSON.stringify({ ...described, port: "x" })))).to.throw(
      /target\.json: port: /,
    );
  });
});

describe("env file", () => {
  it("redacts secrets, not the names in paths (POSTGRES_USER/DB, LOG_LEVEL) nor short values", () => {
    const env = parseEnv(
      "BOT_TOKEN=123456:abcdefgh\nPOSTGRES_USER=remindbot\nPOSTGRES_DB=remindbot\nPOSTGRES_PASSWORD=s3cretpw\nLOG_LEVEL=warning\nX=short\n",
    );
    expect(secretValues(env)).to.deep.equal(["123456:abcdefgh", "s3cretpw"]);
  });
  const setup = (env: string, example = "BOT_TOKEN=change-me\nPOSTGRES_PASSWORD=change-me\nLOG_LEVEL=info\n") => {
    const d = dir();
    writeFileSync(join(d, ".env.production"), env);
    writeFileSync(join(d, ".env.production.example"), example);
    return { envPath: join(d, ".env.production"), examplePath: join(d, ".env.production.example"), tracked: false };
  };
  it("accepts a complete file", () => {
    const env = checkEnvFile(setup("BOT_TOKEN=123:abcdef\nPOSTGRES_PASSWORD='s3cret-pw'\nLOG_LEVEL=info\n"));
    expect(env.get("POSTGRES_PASSWORD")).to.equal("s3cret-pw");
  });
  it("names missing keys and placeholders, never values", () => {
    expect(() => checkEnvFile(setup("BOT_TOKEN=123:abcdef\n"))).to.throw(/lacks POSTGRES_PASSWORD, LOG_LEVEL/);
    try {
      checkEnvFile(setup("BOT_TOKEN=123:abcdef\nPOSTGRES_PASSWORD=change-me\nLOG_LEVEL=\n"));
      expect.fail();
    } catch (e) {
      expect((e as Error).message)
        .to.contain("POSTGRES_PASSWORD, LOG_LEVEL")
        .and.not.contain("123:abcdef");
    }
  });
  it("refuses a tracked file and says how to untrack it", () => {
    expect(() => checkEnvFile({ ...setup("BOT_TOKEN=x"), tracked: true })).to.throw(
      /git rm --cached \.env\.production/,
    );
  });
  it("refuses a missing file", () => {
    expect(() => checkEnvFile({ envPath: "/nonexistent/.env.production", examplePath: "/x", tracked: false })).to.throw(
      /missing/,
    );
  });
  it("parses export, quotes and comments; spots placeholders", () => {
    const m = parseEnv('# c\nexport A=1\nB="two words"\n  C = 3 \n');
    expect([...m.entries()]).to.deep.equal([
      ["A", "1"],
      ["B", "two words"],
      ["C", "3"],
    ]);
    for (const p of ["", "change-me", "CHANGEME", "<token>", "replace_me"]) expect(isPlaceholder(p)).to.equal(true);
    expect(isPlaceholder("real-value")).to.equal(false);
  });
  it("reads quoting as docker compose does: literal '...', escapes in \"...\", comments after unquoted values", () => {
    const text = [
      "A=plain # a comment",
      "B=with#hash",
      "C='single $HOME # kept'  # comment",
      'D="tab\\there \\"quoted\\" \\$5"',
      'E="two',
      'lines"',
      "F=",
      "G='unterminated",
      "H=x\r",
    ].join("\n");
    expect(Object.fromEntries(parseEnv(text))).to.deep.equal({
      A: "plain",
      B: "with#hash",
      C: "single $HOME # kept",
      D: 'tab\there "quoted" $5',
      E: "two\nlines",
      F: "",
      G: "'unterminated",
      H: "x",
    });
  });
  it("writes values so that they read back unchanged, quoting only what needs it", () => {
    const env = new Map([
      ["PLAIN", "abc123:_-./"],
      ["SPACE", "two words # not a comment"],
      ["DOLLAR", "pa$$word"],
      ["MIXED", 'it\'s "x" $Y\nz\\'],
      ["EMPTY", ""],
    ]);
    const text = formatEnv(env, "# header\n");
    expect(text.split("\n")[1]).to.equal("PLAIN=abc123:_-./");
    expect(parseEnv(text)).to.deep.equal(env);
  });
});
