import { expect } from "chai";
import { formatEnv, parseEnv } from "../../../deployer/src/config/env-file.js";
import { ENV_KEYS, SANDBOX_ADMIN_CHAT, completeSandboxEnv, generateSandboxEnv, randomString } from "./sandbox-env.js";

describe("sandbox env", () => {
  const root = "http://10.213.7.5:8081";

  it("has every key, a 32+ character random password, and the fixed user and database", () => {
    const env = generateSandboxEnv(root);
    expect(Object.keys(env)).to.have.members([...ENV_KEYS]);
    expect(env.POSTGRES_PASSWORD).to.match(/^[A-Za-z0-9]{32,}$/);
    expect(env.POSTGRES_USER).to.equal("remindbot");
    expect(env.POSTGRES_DB).to.equal("remindbot");
    expect(env.LOG_LEVEL).to.equal("info");
    expect(env.TELEGRAM_API_ROOT).to.equal(root);
    expect(env.ADMIN_CHAT_IDS, "alerts on, as on a real server").to.equal(SANDBOX_ADMIN_CHAT);
  });

  it("makes a bot token shaped like a real one, different every time", () => {
    const a = generateSandboxEnv(root);
    const b = generateSandboxEnv(root);
    expect(a.BOT_TOKEN).to.match(/^[1-9][0-9]{9}:[A-Za-z0-9_-]{35}$/);
    expect(a.BOT_TOKEN).not.to.equal(b.BOT_TOKEN);
    expect(a.POSTGRES_PASSWORD).not.to.equal(b.POSTGRES_PASSWORD);
  });

  it("draws only from the alphabet, uniformly enough to use every symbol", () => {
    const s = randomString(4000, "ab");
    expect(s).to.match(/^[ab]+$/);
    expect(s.split("a").length - 1).to.be.within(1600, 2400);
  });

  it("round-trips through the deployer's env file format, unquoted (compose reads it the same)", () => {
    const env = generateSandboxEnv(root);
    const text = formatEnv(Object.entries(env));
    expect(text).not.to.match(/['"]/);
    expect(Object.fromEntries(parseEnv(text))).to.deep.equal(env);
  });

  it("keeps existing values (the database knows the password) and refreshes TELEGRAM_API_ROOT", () => {
    const fresh = generateSandboxEnv("http://new:8081");
    const out = completeSandboxEnv({ POSTGRES_PASSWORD: "kept", TELEGRAM_API_ROOT: "http://old:1" }, fresh);
    expect(out.POSTGRES_PASSWORD).to.equal("kept");
    expect(out.TELEGRAM_API_ROOT).to.equal("http://new:8081");
    expect(out.BOT_TOKEN).to.equal(fresh.BOT_TOKEN);
  });
});
