import { expect } from "chai";
import { findSecretProblems, isEnvFile } from "./secret-guard.js";

describe("pre-commit secret guard", () => {
  it("refuses env files anywhere in the tree, but not the example", () => {
    expect(isEnvFile(".env")).to.equal(true);
    expect(isEnvFile(".env.production")).to.equal(true);
    expect(isEnvFile("bot/.env.local")).to.equal(true);
    expect(isEnvFile(".env.production.example")).to.equal(false);
    expect(isEnvFile("docs/env.md")).to.equal(false);
    expect(isEnvFile("src/.environment.ts")).to.equal(false);
  });

  it("names the file and line of something shaped like a bot token", () => {
    const token = `${"1234567"}:${"AAH-x_".repeat(6)}`;
    const problems = findSecretProblems([
      { path: "README.md", content: "hello\nBOT_TOKEN=" + token + "\n" },
      { path: "ok.ts", content: "const id = 123456789; // 12345:short" },
      { path: "image.png" },
    ]);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^README\.md:2: looks like a Telegram bot token/);
  });

  it("lets a clean commit through and explains an env file refusal", () => {
    expect(findSecretProblems([{ path: "bot/src/main.ts", content: "export {}" }])).to.deep.equal([]);
    const [problem] = findSecretProblems([{ path: ".env.production", content: "X=1" }]);
    expect(problem).to.contain("git rm --cached .env.production");
  });
});
