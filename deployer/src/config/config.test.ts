import { expect } from "chai";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadTargetsFile, resolveTarget, listTargets } from "./targets.js";
import { alertsOn, checkEnvFile, formatEnv, parseEnv, isPlaceholder, secretValues } from "./env-file.js";
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
    expect(t, "/health is published only when asked").to.not.have.property("publishHealth");
    // The seed's backup promise inside the day/week/month scheme: every 6 h, 7 days of dailies.
    expect(t.backup).to.deep.equal({
      beforeDeploy: true,
      everyHours: 6,
      keep: { allDays: 2, daily: 7, weekly: 4, monthly: 6 },
      minFreeMb: 1024,
    });
  });
  it("reads backup frequency and retention; the older keepDays sets the daily window", () => {
    const d = dir();
    writeFileSync(
      join(d, "deploy.targets.yml"),
      "targets:\n  a:\n    host: h\n    backup:\n      everyHours: 12\n      keep: { weekly: 8, monthly: 0 }\n" +
        "  b:\n    host: h\n    backup:\n      keepDays: 14\n",
    );
    const file = loadTargetsFile(d);
    expect(file.get("a")!.backup).to.deep.include({
      everyHours: 12,
      keep: { allDays: 2, daily: 7, weekly: 8, monthly: 0 },
    });
    expect(file.get("b")!.backup.keep).to.deep.equal({ allDays: 2, daily: 14, weekly: 4, monthly: 6 });
  });
  it("reads encrypted off-site copies; destinations without a recipient are refused in one line", () => {
    const d = dir();
    writeFileSync(
      join(d, "deploy.targets.yml"),
      "targets:\n  a:\n    host: h\n    backup:\n      offsite:\n        recipient: age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\n" +
        "        destinations: [backup@far.example:2222:/srv/copies]\n",
    );
    expect(loadTargetsFile(d).get("a")!.backup.offsite).to.deep.equal({
      recipient: "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
      destinations: ["backup@far.example:2222:/srv/copies"],
    });
  });
  it("reads publishHealth: a port, on every interface unless an address is named", () => {
    const d = dir();
    writeFileSync(
      join(d, "deploy.targets.yml"),
      "targets:\n  a:\n    host: h\n    publishHealth: { port: 9080 }\n" +
        "  b:\n    host: h\n    publishHealth: { port: 9080, address: 10.0.0.5 }\n",
    );
    const file = loadTargetsFile(d);
    expect(file.get("a")!.publishHealth).to.deep.equal({ port: 9080, address: "0.0.0.0" });
    expect(file.get("b")!.publishHealth).to.deep.equal({ port: 9080, address: "10.0.0.5" });
  });
  const bad: Array<[string, RegExp]> = [
    ["targets:\n  p:\n    host: h\n    publishHealth: { port: 70000 }\n", /targets\.p\.publishHealth\.port/],
    [
      "targets:\n  p:\n    host: h\n    publishHealth: { port: 9080, address: example.com }\n",
      /publishHealth\.address: must be an IPv4 address/,
    ],
    ["targets:\n  p:\n    host: h\n    publishHealth: { address: 0.0.0.0 }\n", /publishHealth\.port/],
    ["targets:\n  production:\n    host: 'a b'\n", /targets\.production\.host/],
    ["targets:\n  production:\n    host: h\n    keepReleases: two\n", /targets\.production\.keepReleases/],
    ["targets:\n  production:\n    host: h\n    appDir: ../etc\n", /targets\.production\.appDir/],
    ["targets:\n  production:\n    host: h\n    password: x\n", /unknown field\(s\) password/],
    ["targets: [\n", /not valid YAML/],
    ["targets:\n  sandbox:\n    host: h\n", /built-in/],
    [
      "targets:\n  p:\n    host: h\n    backup:\n      everyHours: 5\n",
      /backup\.everyHours: must be one of 1, 2, 3, 4, 6, 8, 12, 24/,
    ],
    ["targets:\n  p:\n    host: h\n    backup:\n      keep: { daily: -1 }\n", /backup\.keep\.daily/],
    ["targets:\n  p:\n    host: h\n    backup:\n      keep: { yearly: 2 }\n", /unknown field\(s\) yearly/],
    [
      "targets:\n  p:\n    host: h\n    backup:\n      offsite: { destinations: [h:/x] }\n",
      /backup\.offsite\.recipient: required .*nothing leaves in plaintext/,
    ],
    [
      "targets:\n  p:\n    host: h\n    backup:\n      offsite: { recipient: ssh-ed25519, destinations: [h:/x] }\n",
      /backup\.offsite\.recipient: must be an age public key/,
    ],
    [
      `targets:\n  p:\n    host: h\n    backup:\n      offsite: { recipient: age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq, destinations: ["h:/a'b"] }\n`,
      /backup\.offsite\.destinations\.0: must be \[user@\]host/,
    ],
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
  it("refuses an appDir that is / however written, and an envFile that is a directory, in one line", () => {
    const d = dir();
    for (const appDir of ["//", "///", "/"]) {
      writeFileSync(join(d, "deploy.targets.yml"), `targets:\n  p:\n    host: h\n    appDir: "${appDir}"\n`);
      expect(() => loadTargetsFile(d), appDir).to.throw(
        ConfigError,
        /^deploy\.targets\.yml: targets\.p\.appDir: must be an absolute path other than \//,
      );
    }
    writeFileSync(join(d, "deploy.targets.yml"), `targets:\n  p:\n    host: h\n    appDir: "/opt//x/"\n`);
    expect(loadTargetsFile(d).get("p")?.appDir).to.equal("/opt/x");
    mkdirSync(join(d, "envdir"));
    writeFileSync(join(d, "deploy.targets.yml"), `targets:\n  p:\n    host: h\n    envFile: envdir\n`);
    expect(() => loadTargetsFile(d)).to.throw(
      ConfigError,
      /^deploy\.targets\.yml: targets\.p\.envFile: envdir is not a file$/,
    );
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
    writeFileSync(join(d, ".env.production"), env, { mode: 0o600 });
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
      'D="new\\nline \\"quoted\\" back\\\\slash"',
      'E="two',
      'lines"',
      "F=",
      "H=x\r",
      "I=123456:AAAA  # prod",
      "J='it\\'s'",
    ].join("\n");
    expect(Object.fromEntries(parseEnv(text))).to.deep.equal({
      A: "plain",
      B: "with#hash",
      C: "single $HOME # kept",
      D: 'new\nline "quoted" back\\slash',
      E: "two\nlines",
      F: "",
      H: "x",
      I: "123456:AAAA",
      J: "it\\'s",
    });
  });
  it("refuses what compose would read otherwise or expand, naming the line and key, never the value", () => {
    const refused: [string, RegExp][] = [
      ["A=1\nBOT_TOKEN=abc$SECRETX", /line 2: BOT_TOKEN: compose expands \$/],
      ['BOT_TOKEN="abc${SECRETX}"', /line 1: BOT_TOKEN: compose expands \$/],
      ['BOT_TOKEN="abc\\tSECRETX"', /line 1: BOT_TOKEN: only \\n/],
      ["BOT_TOKEN='SECRETX", /line 1: BOT_TOKEN: its ' quote is never closed/],
      ['A="1\n2"\nBOT_TOKEN="SECRETX\\"', /line 3: BOT_TOKEN: its " quote is never closed/],
      ["BOT_TOKEN='SECRETX' trailing", /line 1: BOT_TOKEN: only a comment may follow/],
      ['BOT_TOKEN="SECRETX\\""', /BOT_TOKEN: the value ends with an escaped "/],
      ["BOT_TOKEN SECRETX", /line 1: not KEY=value/],
      ["BOT_TOKEN=SECRETX\t# c", /line 1: BOT_TOKEN: a tab before #/],
    ];
    for (const [text, message] of refused) {
      expect(() => parseEnv(text, ".env.production"), text).to.throw(message);
      try {
        parseEnv(text);
      } catch (e) {
        expect((e as Error).message, text).to.not.contain("SECRETX");
      }
    }
  });
  it("sees a placeholder behind an inline comment", () => {
    for (const line of ["BOT_TOKEN=change-me # x", "BOT_TOKEN='' # x", "BOT_TOKEN=  # set me"])
      expect(() => checkEnvFile(setup(`${line}\nPOSTGRES_PASSWORD=s3cret-pw\nLOG_LEVEL=info\n`)), line).to.throw(
        /BOT_TOKEN( still empty or a placeholder|: the value starts with #)/,
      );
  });
  it("refuses short secrets, unknown keys, a file others can read, a directory", () => {
    const ok = "BOT_TOKEN=123:abcdef\nPOSTGRES_PASSWORD=s3cret-pw\nLOG_LEVEL=info\n";
    expect(() => checkEnvFile(setup(ok.replace("s3cret-pw", "pw1")))).to.throw(
      /POSTGRES_PASSWORD shorter than 6 characters/,
    );
    expect(checkEnvFile(setup(`${ok}TELEGRAM_API_ROOT=http://x:1\nHEALTH_PORT=8080\n`)).get("HEALTH_PORT")).to.equal(
      "8080",
    );
    expect(() => checkEnvFile(setup(`${ok}BOT_TOKNE=123:abcdef\n`))).to.throw(/unknown key\(s\) BOT_TOKNE/);
    // the owner's chats: optional, ids only (short ones too: a chat id is no secret)
    const alerts = checkEnvFile(setup(`${ok}ADMIN_CHAT_IDS=42,-1001234567890\nALERT_LANG=ru\n`));
    expect(alerts.get("ADMIN_CHAT_IDS")).to.equal("42,-1001234567890");
    expect(alertsOn(alerts)).to.equal(true);
    expect(alertsOn(checkEnvFile(setup(ok)))).to.equal(false);
    expect(() => checkEnvFile(setup(`${ok}ADMIN_CHAT_IDS=42,@owner\n`))).to.throw(
      /^\.env\.production: ADMIN_CHAT_IDS must be chat ids separated by commas/,
    );
    expect(() => checkEnvFile(setup(`${ok}ALERT_LANG=de\n`))).to.throw(/ALERT_LANG must be en or ru/);
    for (const mode of [0o644, 0o660, 0o606]) {
      const input = setup(ok);
      chmodSync(input.envPath, mode);
      expect(() => checkEnvFile(input)).to.throw(
        new RegExp(`can be read or written by others \\(mode ${mode.toString(8)}\\): run \`chmod 600`),
      );
    }
    const input = setup(ok);
    rmSync(input.envPath);
    mkdirSync(input.envPath);
    expect(() => checkEnvFile(input)).to.throw(/\.env\.production is not a file/);
  });
  it("writes values so that they read back unchanged, quoting only what needs it", () => {
    const env = new Map([
      ["PLAIN", "abc123:_-./"],
      ["SPACE", "two words # not a comment"],
      ["DOLLAR", "pa$$word"],
      ["QUOTE", 'it\'s "x"\nz\\ y'],
      ["MULTI", "a\nb $Y"],
      ["EMPTY", ""],
    ]);
    const text = formatEnv(env, "# header\n");
    expect(text.split("\n")[1]).to.equal("PLAIN=abc123:_-./");
    expect(parseEnv(text)).to.deep.equal(env);
    expect(() => formatEnv([["X", "it's $Y"]])).to.throw(/X: a value with ' and \$/);
  });
});
