// e2e: the deployer's CLI against the run's shared ready sandbox (root + Docker; skipped with one line
// otherwise). One scratch repo (a clone of HEAD's committed files) with tags v1, v2, a tag whose build
// fails and a tag whose bot never gets healthy; the tests run in order and build on each other.
// Before them, everything of remindbot on the server is removed (a kept sandbox disk may hold an
// earlier run's releases under the same tag names), so each run starts from a first deploy.
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { message } from "../../../bot/src/testing/fake-bot-api-client.js";
import { fakeBotApi, restartSandbox, sandboxEnv, sandboxSsh, useSandbox } from "../../../test/support/sandbox.js";
import { run } from "../sandbox/process.js";
import { REPO_ROOT } from "../sandbox/target.js";

const MAIN = join(REPO_ROOT, "deployer", "dist", "main.js");
const SHORT_HEALTH_TIMEOUT = "45";

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

let repo = "";

/** Starts the compiled CLI (as `npm run deployer` runs it) on the scratch repo. */
function startCli(args: string[]) {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DEPLOYER_REPO: repo, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const started = Date.now();
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = (timeoutMs: number) =>
    new Promise<CliResult>((resolve, reject) => {
      const t = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`deployer ${args.join(" ")} did not end within ${timeoutMs / 1000} s\n${stdout}\n${stderr}`));
      }, timeoutMs);
      child.on("close", (code) => {
        clearTimeout(t);
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      });
    });
  return { child, done, out: () => stdout };
}

function cli(args: string[], timeoutMs = 8 * 60_000): Promise<CliResult> {
  return startCli([...args, "--target", "sandbox"]).done(timeoutMs);
}

const show = (r: CliResult) =>
  `exit ${r.code} after ${(r.ms / 1000).toFixed(1)} s\n${r.stderr}\n${r.stdout.slice(-3000)}`;

async function git(...args: string[]): Promise<string> {
  const r = await run("git", ["-C", repo, ...args], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

/** A commit that changes bot/src/main.ts, tagged. */
async function tagWith(tag: string, change: (source: string) => string): Promise<void> {
  const file = join(repo, "bot", "src", "main.ts");
  writeFileSync(file, change(readFileSync(file, "utf8")));
  await git("commit", "-q", "-am", tag);
  await git("tag", tag);
}

async function root(cmd: string, what: string): Promise<string> {
  const r = await sandboxSsh(cmd, { timeoutMs: 5 * 60_000 });
  expect(r.code, `${what}: ${r.stderr}`).to.equal(0);
  return r.stdout.trim();
}

/** A query in the stack's PostgreSQL, as its user (credentials stay inside the container). */
function psql(sql: string): Promise<string> {
  const inner = `psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc ${shq(sql)}`;
  return root(`docker exec remindbot-postgres-1 sh -c ${shq(inner)}`, `psql ${sql}`);
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  pollMs = 2000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (${(last as Error).message})` : ""}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** The deployed bot answers /start through the fake Bot API (a new chat each time). */
async function expectAnswersStart(when: string): Promise<void> {
  const api = fakeBotApi();
  const token = sandboxEnv()["BOT_TOKEN"];
  const chat = 700_000_000 + Math.floor(Math.random() * 1_000_000);
  const since = await api.cursor();
  await api.pushUpdate(message(chat, "/start"), token);
  const call = await api.waitForMessage(chat, 30_000, { since }).catch((e: Error) => {
    throw new Error(`${when}: the bot did not answer /start within 30 s: ${e.message}`);
  });
  expect(String(call.params["text"]), `${when}: the answer to /start`).to.match(/reminder|напомина/i);
}

interface ReleaseJson {
  tag: string;
  current: boolean;
  result: string;
  imagePresent: boolean;
}

async function releases(): Promise<ReleaseJson[]> {
  const r = await cli(["releases", "--json"], 60_000);
  expect(r.code, show(r)).to.equal(0);
  return JSON.parse(r.stdout) as ReleaseJson[];
}

async function currentTag(): Promise<string | undefined> {
  return (await releases()).find((x) => x.current)?.tag;
}

/** Everything of remindbot on the server goes: units, containers, volume, images, app dir contents. */
const WIPE = [
  "systemctl disable --now remindbot.service remindbot-backup.timer >/dev/null 2>&1 || true",
  "rm -f /etc/systemd/system/remindbot.service /etc/systemd/system/remindbot-backup.service /etc/systemd/system/remindbot-backup.timer",
  "systemctl daemon-reload",
  "docker ps -aq --filter label=com.docker.compose.project=remindbot | xargs -r docker rm -f >/dev/null",
  "docker volume rm -f remindbot-pgdata >/dev/null",
  "docker network rm remindbot-net >/dev/null 2>&1 || true",
  "docker images --format '{{.Repository}}:{{.Tag}}' remindbot-bot | xargs -r docker rmi -f >/dev/null",
  "rm -rf /opt/remindbot/releases /opt/remindbot/current /opt/remindbot/shared /opt/remindbot/backups /opt/remindbot/lock /opt/remindbot/history.jsonl",
].join(" && ");

describe("deployer on the sandbox VDS (e2e)", function () {
  let scratch = "";
  let by = "";

  before(async function () {
    await useSandbox(this);
    scratch = mkdtempSync(join(tmpdir(), "deploy-e2e-"));
    repo = join(scratch, "repo");
    // HEAD's committed files only; tags made here, so the run does not depend on the repo's tags
    const head = (await run("git", ["-C", REPO_ROOT, "rev-parse", "HEAD"])).stdout.trim();
    const clone = await run("git", ["clone", "-q", "--no-hardlinks", REPO_ROOT, repo], { timeoutMs: 120_000 });
    expect(clone.code, clone.stderr).to.equal(0);
    await git("checkout", "-q", "--detach", head);
    await git("config", "user.email", "e2e@example.invalid");
    await git("config", "user.name", "e2e");
    await git("tag", "v1");
    await tagWith("v2", (s) => `${s}\n// v2: a one-line change\n`);
    // fails in tsc, after the cached npm ci layer: a fast failure
    await tagWith("v3-broken-build", (s) => `${s}\nconst = ;\n`);
    // builds (one changed layer), migrations pass, the bot exits at start: never healthy
    await git("checkout", "-q", "v2");
    await tagWith("v4-unhealthy", (s) => `if (process.env["NODE_ENV"] === "production") process.exit(3);\n${s}`);
    // compile the CLI once here, so parallel runs below never race on a compile
    const build = await run(process.execPath, [join(REPO_ROOT, "scripts", "run-deployer.mjs"), "--help"], {
      timeoutMs: 5 * 60_000,
    });
    expect(build.code, build.stderr).to.equal(0);
    await root(WIPE, "removing an earlier run's remindbot from the server");
    by = `${userInfo().username}@${hostname()}`; // the deployer's "by"
  });

  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("deploys v1 to a server without a release (first deploy), and the bot answers /start", async () => {
    // a new server builds every layer (npm ci from the registry): the one slow build
    const r = await cli(["deploy", "--tag", "v1", "--yes"], 14 * 60_000);
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout).to.match(/done: deployed v1/);
    await expectAnswersStart("after deploying v1");
    process.stderr.write(`      deploy v1: ${(r.ms / 1000).toFixed(1)} s\n`);
  });

  it("deploys v2 over v1", async () => {
    const r = await cli(["deploy", "--tag", "v2", "--yes"]);
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout, "a deploy over a running release backs up first").to.match(
      /Back up the database .*_v1_pre-v2\.dump/,
    );
    expect(r.stdout, "units were installed by v1's deploy").to.match(/units unchanged/);
    await expectAnswersStart("after deploying v2");
  });

  it("lists both releases, newest first, v2 current", async () => {
    const rs = await releases();
    expect(
      rs.map((x) => x.tag),
      JSON.stringify(rs),
    ).to.deep.equal(["v2", "v1"]);
    expect(rs[0]).to.include({ current: true, result: "ok", imagePresent: true });
    expect(rs[1]).to.include({ current: false, result: "ok", imagePresent: true });
  });

  it("rolls back to v1 from its kept image: no upload, no rebuild", async () => {
    const r = await cli(["rollback", "--to", "v1", "--yes"]);
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout).to.match(/Build image remindbot-bot:v1: skipped/);
    expect(r.stdout).to.match(/Upload release v1: skipped/);
    expect(r.ms, `a rollback without a build is fast: ${show(r)}`).to.be.below(90_000);
    expect(await currentTag()).to.equal("v1");
    await expectAnswersStart("after the rollback to v1");
  });

  it("backs up, lists, pulls, and restores the data as it was at the backup", async () => {
    await psql("INSERT INTO users (id, lang) VALUES (4242424242, 'en')");
    const c = await cli(["backup", "create", "--json"], 5 * 60_000);
    expect(c.code, show(c)).to.equal(0);
    const name = (JSON.parse(c.stdout.trim().split("\n").at(-1)!) as { figures: { backup: string } }).figures.backup;
    expect(name, c.stdout).to.match(/^\d{8}T\d{6}Z_v1_manual\.dump$/);

    const l = await cli(["backup", "list", "--json"], 60_000);
    expect(l.code, show(l)).to.equal(0);
    const listed = (JSON.parse(l.stdout) as Array<{ name: string; sizeBytes: number }>).find((b) => b.name === name);
    expect(listed, `backup list shows ${name}: ${l.stdout}`).to.not.equal(undefined);

    const dest = join(scratch, "pulled.dump");
    const p = await cli(["backup", "pull", name, "--output", dest], 2 * 60_000);
    expect(p.code, show(p)).to.equal(0);
    const st = statSync(dest);
    expect(st.size, "the pulled file has the listed size").to.equal(listed!.sizeBytes);
    expect(readFileSync(dest).subarray(0, 5).toString(), "a pg_dump custom-format file").to.equal("PGDMP");

    await psql("DELETE FROM users WHERE id = 4242424242; INSERT INTO users (id, lang) VALUES (4343434343, 'ru')");
    const r = await cli(["backup", "restore", name, "--yes"], 5 * 60_000);
    expect(r.code, show(r)).to.equal(0);
    expect(await psql("SELECT id FROM users WHERE id IN (4242424242, 4343434343) ORDER BY id")).to.equal("4242424242");
    await expectAnswersStart("after the restore");
  });

  it("logs --follow shows the bot's lines; Ctrl+C ends it here and on the server", async () => {
    const f = startCli(["logs", "--follow", "--tail", "20", "--target", "sandbox"]);
    const ended = f.done(60_000);
    await waitFor("a bot log line", 30_000, async () => (/bot-1\s+\|/.test(f.out()) ? true : undefined), 250);
    await new Promise((r) => setTimeout(r, 3000));
    f.child.kill("SIGINT");
    const r = await ended;
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout).to.match(/^bot-1\s+\| \d{4}-\d\d-\d\dT\S+ \{.*"level"/m);
    await waitFor("no docker compose logs left on the server", 15_000, async () => {
      const ps = await sandboxSsh("ps -eo args | grep -c '[c]ompose.*logs' || true");
      return ps.stdout.trim() === "0" ? true : undefined;
    });
  });

  it("two deploys at once: one deploys, the other exits 3 naming the holder", async () => {
    const [a, b] = await Promise.all([
      cli(["deploy", "--tag", "v2", "--yes"]),
      cli(["deploy", "--tag", "v2", "--yes"]),
    ]);
    const codes = [a.code, b.code].sort();
    expect(codes, `${show(a)}\n---\n${show(b)}`).to.deep.equal([0, 3]);
    const loser = a.code === 3 ? a : b;
    expect(loser.stderr)
      .to.contain(`the deploy lock is held by ${by}`)
      .and.to.match(/doing deploy v2/);
    expect(await currentTag()).to.equal("v2");
    const lock = await sandboxSsh("test -e /opt/remindbot/lock");
    expect(lock.code, "the lock is released").to.equal(1);
  });

  it("a tag whose build fails exits 1 and the running release keeps running", async () => {
    const r = await cli(["deploy", "--tag", "v3-broken-build", "--yes"]);
    expect(r.code, show(r)).to.equal(1);
    expect(r.stderr).to.match(/the build of remindbot-bot:v3-broken-build failed/);
    expect(r.stderr).to.match(/nothing changed on the server/);
    expect(await currentTag()).to.equal("v2");
    await expectAnswersStart("after the failed build");
  });

  it("a tag whose bot never gets healthy is rolled back automatically: exit 4, the bot answers again", async () => {
    const r = await cli(["deploy", "--tag", "v4-unhealthy", "--yes", "--health-timeout", SHORT_HEALTH_TIMEOUT]);
    expect(r.code, show(r)).to.equal(4);
    expect(r.stdout).to.match(/ROLLING BACK to v2/);
    expect(await currentTag()).to.equal("v2");
    await expectAnswersStart("after the automatic rollback");
    const rs = await releases();
    expect(rs.find((x) => x.tag === "v4-unhealthy")?.result).to.not.equal("ok");
  });

  it("leaves the units enabled, the next backup within 6 h, and .env 0600 owned by deploy", async () => {
    expect(await root("systemctl is-enabled remindbot.service remindbot-backup.timer", "is-enabled")).to.equal(
      "enabled\nenabled",
    );
    const s = await cli(["status", "--json"], 60_000);
    expect(s.code, show(s)).to.equal(0);
    const status = JSON.parse(s.stdout) as { nextBackup?: string; currentRelease?: string };
    expect(status.currentRelease).to.equal("v2");
    const next = Date.parse(status.nextBackup ?? "");
    expect(next, `next backup ${status.nextBackup}`).to.be.above(Date.now());
    // OnCalendar every 6 h, plus RandomizedDelaySec=5min
    expect(next - Date.now(), `next backup ${status.nextBackup}`).to.be.at.most((6 * 60 + 5) * 60_000);
    expect(await root("stat -c '%a %U' /opt/remindbot/shared/.env", "stat .env")).to.equal("600 deploy");
  });

  // The bare flavour is not used: it has no Docker, and provision installs it from download.docker.com,
  // which this machine cannot reach. Here: provision on the server the deploys above used.
  it("provision twice on the deployed server: the second run changes nothing and says so", async () => {
    const summary = (r: CliResult) =>
      JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { ok: boolean; message: string; figures: { changes: string } };
    const first = await cli(["provision", "--yes", "--json"], 5 * 60_000);
    expect(first.code, show(first)).to.equal(0);
    const second = await cli(["provision", "--yes", "--json"], 5 * 60_000);
    expect(second.code, show(second)).to.equal(0);
    expect(summary(second), show(second)).to.deep.include({
      ok: true,
      message: "provision: nothing changed (the server was already prepared)",
    });
    expect(summary(second).figures.changes).to.equal("0");
    expect(await root("stat -c '%a %U' /opt/remindbot/shared/.env", "stat .env")).to.equal("600 deploy");
    await expectAnswersStart("after provision");
  });

  it("brings the stack back by itself after a restart of the server, data kept", async () => {
    await restartSandbox();
    await waitFor("remindbot.service active after the restart", 180_000, async () => {
      const r = await sandboxSsh("systemctl is-active remindbot.service");
      return r.stdout.trim() === "active" ? true : undefined;
    });
    await waitFor("the bot healthy after the restart", 180_000, async () => {
      const r = await sandboxSsh("docker inspect --format '{{.State.Health.Status}}' remindbot-bot-1");
      return r.stdout.trim() === "healthy" ? true : undefined;
    });
    expect(await psql("SELECT count(*) FROM users WHERE id = 4242424242"), "the row written before").to.equal("1");
    await expectAnswersStart("after the restart");
  });
});
