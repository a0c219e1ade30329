import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Target } from "../config/targets.js";
import { localChecks } from "./local-checks.js";

describe("engine: local checks", () => {
  let repo: string;
  const env = "BOT_TOKEN=123:abcdefgh\nPOSTGRES_PASSWORD=s3cret-pw\n";
  const target = { envFile: "", envExample: "" } as unknown as Target;

  before(() => {
    repo = mkdtempSync(join(tmpdir(), "local-checks-"));
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo, stdio: "pipe" });
    git("init", "-q");
    mkdirSync(join(repo, "bot"));
    writeFileSync(join(repo, "bot", "Dockerfile"), "FROM scratch\n");
    writeFileSync(join(repo, ".env.production.example"), "BOT_TOKEN=change-me\nPOSTGRES_PASSWORD=change-me\n");
    writeFileSync(join(repo, ".gitignore"), ".env.production\n");
    git("add", ".");
    git("commit", "-qm", "one");
    git("tag", "v1");
    target.envFile = join(repo, ".env.production");
    target.envExample = join(repo, ".env.production.example");
  });
  after(() => rmSync(repo, { recursive: true, force: true }));

  it("says once that alerts are off when the env names no admin chat, and nothing when it does", async () => {
    writeFileSync(target.envFile, env, { mode: 0o600 });
    const off = await localChecks(target, repo, "v1");
    expect(off.alertsOffNote).to.equal(
      "alerts are off: no ADMIN_CHAT_IDS in .env.production (the server's watchdog keeps incidents for `status` but tells nobody; see docs/DEPLOYMENT.md)",
    );
    writeFileSync(target.envFile, `${env}ADMIN_CHAT_IDS=42\n`, { mode: 0o600 });
    expect((await localChecks(target, repo, "v1")).alertsOffNote).to.equal(undefined);
  });
});
