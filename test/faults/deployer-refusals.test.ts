/**
 * Issue 8's fault matrix, the deployer rows that need no server: the real command line (tsx
 * deployer/src/main.ts, the real SSH connect) in a throwaway git repository whose target points at
 * a closed loopback port. A connection attempt there fails with "refused the connection", so a
 * refusal that names the env key or the tag proves nothing connected. What cli.test.ts and
 * config.test.ts do not cover, added here: the whole process end to end, the env checks through
 * the CLI (values never in the output nor the run log), a tracked env file, and hostile tags that
 * really exist in git (so only the name check stands between them and a shell).
 */
import { expect } from "chai";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freeLoopbackPort } from "../support/postgres.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = join(REPO, "deployer", "src", "main.ts");
const SECRET_TOKEN = "123456:SECRETtokenVALUEforTests";
const SECRET_PASSWORD = "pw-Secret-9876543";
const COMPLETE = [
  `BOT_TOKEN=${SECRET_TOKEN}`,
  "POSTGRES_USER=remindbot",
  `POSTGRES_PASSWORD=${SECRET_PASSWORD}`,
  "POSTGRES_DB=remindbot",
  "LOG_LEVEL=info",
  "",
].join("\n");
const REFUSED_CONNECTION = /refused the connection/;

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function deployer(dir: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH, HOME: dir, DEPLOYER_REPO: dir, DEPLOYER_LOG_ROOT: dir, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: dir, stdio: "pipe" });

describe("fault matrix (issue 8): the deployer refuses before connecting", function () {
  this.timeout(120_000);
  let dir: string;
  const runs = new Map<string, Run>();
  /** Files a hostile tag would create if a shell ever saw it. */
  let canaries: string[];
  const tmpX = "/tmp/x";
  let tmpXBefore: string | undefined;
  const logsNow = () => (existsSync(join(dir, ".deployer", "logs")) ? readdirSync(join(dir, ".deployer", "logs")) : []);
  const logText = () =>
    logsNow()
      .map((f) => readFileSync(join(dir, ".deployer", "logs", f), "utf8"))
      .join("");

  // Tags that git accepts and a shell would run.
  const gitHostile = () => [
    `v1;touch\${IFS}${dir}/pwned-semicolon`,
    `$(touch\${IFS}${dir}/pwned-subst)`,
    `\`touch\${IFS}${dir}/pwned-backtick\``,
  ];
  const literalHostile = ["v1;touch /tmp/x", "$(id)", "../.."];

  before(async function () {
    this.timeout(180_000);
    dir = mkdtempSync(join(tmpdir(), "deployer-faults-"));
    canaries = ["pwned-semicolon", "pwned-subst", "pwned-backtick"].map((f) => join(dir, f));
    tmpXBefore = existsSync(tmpX) ? JSON.stringify(statSync(tmpX)) : undefined;
    const port = await freeLoopbackPort(); // nothing listens there
    git(dir, "init", "-q");
    writeFileSync(join(dir, ".env.production.example"), readFileSync(join(REPO, ".env.production.example")));
    writeFileSync(join(dir, ".gitignore"), ".env.*\n!.env.production.example\n.deployer/\n");
    const targets = ["ok", "missing", "placeholder", "tracked"]
      .map((t) => `  ${t}:\n    host: 127.0.0.1\n    port: ${port}\n    user: deploy\n    envFile: .env.${t}\n`)
      .join("");
    writeFileSync(join(dir, "deploy.targets.yml"), `targets:\n${targets}`);
    writeFileSync(join(dir, ".env.ok"), COMPLETE);
    writeFileSync(join(dir, ".env.missing"), COMPLETE.replace(/^POSTGRES_PASSWORD=.*\n/m, ""));
    writeFileSync(join(dir, ".env.placeholder"), COMPLETE.replace(/^BOT_TOKEN=.*$/m, "BOT_TOKEN=change-me"));
    writeFileSync(join(dir, ".env.tracked"), COMPLETE);
    git(dir, "add", ".gitignore", ".env.production.example", "deploy.targets.yml");
    git(dir, "add", "-f", ".env.tracked");
    git(dir, "commit", "-q", "-m", "init");
    git(dir, "tag", "v1");
    for (const t of gitHostile()) git(dir, "tag", t);

    const cases: [string, string[]][] = [
      ["control", ["deploy", "--target", "ok", "--tag", "v1", "--yes"]],
      ["missing", ["deploy", "--target", "missing", "--tag", "v1", "--yes"]],
      ["placeholder", ["deploy", "--target", "placeholder", "--tag", "v1", "--yes"]],
      ["tracked", ["deploy", "--target", "tracked", "--tag", "v1", "--yes"]],
      ...[...literalHostile, ...gitHostile()].map((t): [string, string[]] => [
        `tag ${t}`,
        ["deploy", "--target", "ok", "--tag", t, "--yes"],
      ]),
      ...gitHostile()
        .slice(0, 1)
        .map((t): [string, string[]] => [`rollback ${t}`, ["rollback", "--target", "ok", "--to", t, "--yes"]]),
    ];
    // In parallel: each is a Node start under tsx (seconds on a loaded machine).
    const results = await Promise.all(cases.map(async ([name, args]) => [name, await deployer(dir, args)] as const));
    for (const [name, r] of results) runs.set(name, r);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("control: a complete env and a good tag get as far as connecting (the closed port refuses)", () => {
    const r = runs.get("control")!;
    expect(r.code, r.err).to.equal(1);
    expect(r.err).to.match(REFUSED_CONNECTION);
  });

  const envRows: { name: string; fault: string; sees: string; message: RegExp }[] = [
    {
      name: "missing",
      fault: "`.env.production` missing a key",
      sees: "the missing key named",
      message: /\.env\.missing lacks POSTGRES_PASSWORD/,
    },
    {
      name: "placeholder",
      fault: "`.env.production` holding a placeholder",
      sees: "the key still a placeholder named",
      message: /\.env\.placeholder: BOT_TOKEN still empty or a placeholder/,
    },
    {
      name: "tracked",
      fault: "`.env.production` tracked by git",
      sees: "how to untrack the file",
      message: /\.env\.tracked is tracked by git: untrack it with `git rm --cached \.env\.tracked`/,
    },
  ];
  for (const { name, fault, sees, message } of envRows)
    it(`${fault}: refused before connecting; the user sees ${sees}, never a value (nor does the run log)`, () => {
      const r = runs.get(name)!;
      // A configuration error, as DEPLOYMENT.md says: exit 2.
      expect(r.code, r.err).to.equal(2);
      expect(r.err).to.match(message);
      expect(r.err + r.out).to.not.match(REFUSED_CONNECTION);
      for (const secret of [SECRET_TOKEN, SECRET_PASSWORD]) expect(r.err + r.out + logText()).to.not.contain(secret);
    });

  it("hostile tag names (`v1;touch /tmp/x`, `$(id)`, `../..`, and shell-active tags that exist in git): refused (exit 2) before connecting, nothing ran, no run log", () => {
    const hostile = [...literalHostile, ...gitHostile()];
    for (const t of hostile) {
      const r = runs.get(`tag ${t}`)!;
      expect(r.code, `${t}: ${r.err}`).to.equal(2);
      expect(r.err, t).to.match(/--tag: the tag .* may hold only letters, digits/);
      expect(r.err + r.out, t).to.not.match(REFUSED_CONNECTION);
    }
    for (const t of gitHostile().slice(0, 1)) {
      const r = runs.get(`rollback ${t}`)!;
      expect(r.code, `${t}: ${r.err}`).to.equal(2);
      expect(r.err, t).to.match(/--to: the tag .* may hold only letters, digits/);
    }
    for (const c of canaries) expect(existsSync(c), c).to.equal(false);
    expect(existsSync(tmpX) ? JSON.stringify(statSync(tmpX)) : undefined, "/tmp/x untouched").to.equal(tmpXBefore);
    // Only the control and the env runs got far enough to open a run log.
    expect(logsNow()).to.have.length(4);
  });
});
