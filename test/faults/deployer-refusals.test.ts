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
const ENV_TARGETS = ["ok", "missing", "placeholder", "tracked", "comment", "dollar", "short", "unknown", "readable"];
const BAD_BACKUP_NAMES = ["../../etc/passwd", "a b.dump"];

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
    const targets = [...ENV_TARGETS, "dotdot"]
      .map(
        (t) =>
          `  ${t}:\n    host: 127.0.0.1\n    port: ${port}\n    user: deploy\n    envFile: ${t === "dotdot" ? "..env.dotdot" : `.env.${t}`}\n`,
      )
      .join("");
    writeFileSync(join(dir, "deploy.targets.yml"), `targets:\n${targets}`);
    const env = (name: string, text: string, mode = 0o600) => writeFileSync(join(dir, `.env.${name}`), text, { mode });
    env("ok", COMPLETE);
    env("missing", COMPLETE.replace(/^POSTGRES_PASSWORD=.*\n/m, ""));
    env("placeholder", COMPLETE.replace(/^BOT_TOKEN=.*$/m, "BOT_TOKEN=change-me"));
    env("tracked", COMPLETE);
    env("comment", COMPLETE.replace(/^BOT_TOKEN=.*$/m, "BOT_TOKEN=change-me # set me"));
    env("dollar", COMPLETE.replace(/^POSTGRES_PASSWORD=(.*)$/m, "POSTGRES_PASSWORD=$1$HOME"));
    env("short", COMPLETE.replace(/^POSTGRES_PASSWORD=.*$/m, "POSTGRES_PASSWORD=pw1"));
    env("unknown", `${COMPLETE}BOT_TOKNE=${SECRET_TOKEN}\n`);
    env("readable", COMPLETE, 0o644);
    // A name starting with ".." is still inside the repository (the tracked check once skipped it).
    writeFileSync(join(dir, "..env.dotdot"), COMPLETE, { mode: 0o600 });
    git(dir, "add", ".gitignore", ".env.production.example", "deploy.targets.yml");
    git(dir, "add", "-f", ".env.tracked", "..env.dotdot");
    git(dir, "commit", "-q", "-m", "init");
    git(dir, "tag", "v1");
    for (const t of gitHostile()) git(dir, "tag", t);

    const cases: [string, string[]][] = [
      ["control", ["deploy", "--target", "ok", "--tag", "v1", "--yes"]],
      ["missing", ["deploy", "--target", "missing", "--tag", "v1", "--yes"]],
      ["placeholder", ["deploy", "--target", "placeholder", "--tag", "v1", "--yes"]],
      ...[...ENV_TARGETS.slice(3), "dotdot"].map((t): [string, string[]] => [
        t,
        ["deploy", "--target", t, "--tag", "v1", "--yes"],
      ]),
      ...BAD_BACKUP_NAMES.map((n): [string, string[]] => [`backup ${n}`, ["backup", "restore", n, "--target", "ok"]]),
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
    {
      name: "comment",
      fault: "a placeholder followed by an inline comment (`BOT_TOKEN=change-me # set me`)",
      sees: "the key still a placeholder named",
      message: /\.env\.comment: BOT_TOKEN still empty or a placeholder/,
    },
    {
      name: "dollar",
      fault: "a `$` compose would expand",
      sees: "the line and key, and to single-quote the value",
      message:
        /\.env\.dollar, line 3: POSTGRES_PASSWORD: compose expands \$ in unquoted values; put the value in '\.\.\.'/,
    },
    {
      name: "short",
      fault: "a secret too short to redact",
      sees: "the key named",
      message: /\.env\.short: POSTGRES_PASSWORD shorter than 6 characters/,
    },
    {
      name: "unknown",
      fault: "an unknown key",
      sees: "the key named",
      message: /\.env\.unknown: unknown key\(s\) BOT_TOKNE/,
    },
    {
      name: "readable",
      fault: "an env file others can read (0644)",
      sees: "the chmod to run",
      message: /\.env\.readable can be read or written by others \(mode 644\): run `chmod 600 \.env\.readable`/,
    },
    {
      name: "dotdot",
      fault: "a tracked env file whose name starts with `..`",
      sees: "how to untrack the file",
      message: /\.\.env\.dotdot is tracked by git: untrack it with `git rm --cached \.\.env\.dotdot`/,
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
    // Only the control and the env runs got far enough to open a run log (dollar's env is refused when read, before it).
    expect(logsNow()).to.have.length(ENV_TARGETS.length + 1 - 1);
  });

  it("backup names that are not one of ours (`../../etc/passwd`, `a b.dump`): refused (exit 2) before connecting or asking", () => {
    for (const n of BAD_BACKUP_NAMES) {
      const r = runs.get(`backup ${n}`)!;
      expect(r.code, `${n}: ${r.err}`).to.equal(2);
      expect(r.err, n).to.match(/^deployer: backup restore: the backup name .* is not one of ours/);
      expect(r.err.trim().split("\n"), n).to.have.length(1);
      expect(r.err + r.out, n).to.not.match(REFUSED_CONNECTION);
    }
  });
});
