import { expect } from "chai";
import { ConfigError, loadConfig, secretsOf } from "./config.js";

const token = ["4242", "secretPart_" + "x".repeat(10)].join(":");
const base = { BOT_TOKEN: token, DATABASE_URL: "postgres://u:pw%40s@db:5432/app" };

function errorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("reads a complete environment with defaults", () => {
    const c = loadConfig({ ...base });
    expect(c.botToken).to.equal(token);
    expect(c.telegramApiRoot).to.equal("https://api.telegram.org");
    expect(c.healthPort).to.equal(8080);
    expect(c.logLevel).to.equal("info");
    expect(c.databasePassword).to.equal("pw@s");
    expect(c.production).to.equal(false);
    expect(c.adminChatIds).to.deep.equal([]);
    expect(c.watchStatusFile).to.equal("/srv/watch/status.json");
    expect(loadConfig({ ...base, ADMIN_CHAT_IDS: "42, -1001234567890" }).adminChatIds).to.deep.equal([
      42, -1001234567890,
    ]);
    expect(secretsOf(c)).to.deep.equal([token, "pw@s"]);
  });

  it("builds the URL from POSTGRES_* when DATABASE_URL is absent", () => {
    const c = loadConfig({
      BOT_TOKEN: token,
      POSTGRES_HOST: "postgres",
      POSTGRES_USER: "remind bot",
      POSTGRES_PASSWORD: "p@ss/word",
      POSTGRES_DB: "remindbot",
      HEALTH_PORT: "9090",
      TELEGRAM_API_ROOT: "http://127.0.0.1:1234/",
      LOG_LEVEL: "DEBUG",
      NODE_ENV: "production",
    });
    const url = new URL(c.databaseUrl);
    expect(url.hostname).to.equal("postgres");
    expect(url.port).to.equal("5432");
    expect(decodeURIComponent(url.password)).to.equal("p@ss/word");
    expect(decodeURIComponent(url.username)).to.equal("remind bot");
    expect(c.healthPort).to.equal(9090);
    expect(c.telegramApiRoot).to.equal("http://127.0.0.1:1234");
    expect(c.logLevel).to.equal("debug");
    expect(c.production).to.equal(true);
  });

  const bad: Array<[string, NodeJS.ProcessEnv, string]> = [
    ["missing token", { DATABASE_URL: base.DATABASE_URL }, "BOT_TOKEN"],
    ["malformed token", { ...base, BOT_TOKEN: "not a token hunter2" }, "BOT_TOKEN"],
    ["no database at all", { BOT_TOKEN: token }, "POSTGRES_HOST"],
    [
      "missing password",
      { BOT_TOKEN: token, POSTGRES_HOST: "h", POSTGRES_USER: "u", POSTGRES_DB: "d" },
      "POSTGRES_PASSWORD",
    ],
    ["bad port", { ...base, HEALTH_PORT: "80a" }, "HEALTH_PORT"],
    ["port out of range", { ...base, HEALTH_PORT: "70000" }, "HEALTH_PORT"],
    ["bad level", { ...base, LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    ["bad admin chat", { ...base, ADMIN_CHAT_IDS: "42,@owner" }, "ADMIN_CHAT_IDS"],
    ["bad api root", { ...base, TELEGRAM_API_ROOT: "ftp://x" }, "TELEGRAM_API_ROOT"],
    ["bad database url", { ...base, DATABASE_URL: "mysql://u:hunter2@h/d" }, "DATABASE_URL"],
  ];
  for (const [name, env, key] of bad) {
    it(`refuses ${name}, naming ${key} in one line without secret values`, () => {
      const e = errorOf(env);
      expect(e.key).to.equal(key);
      expect(e.message).to.contain(key);
      expect(e.message).to.not.contain("\n");
      expect(e.message).to.not.contain("secretPart");
      expect(e.message).to.not.contain("hunter2");
    });
  }
});
