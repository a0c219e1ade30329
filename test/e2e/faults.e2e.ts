// e2e, issue 8's fault matrix: the rows that need the real VDS, on the run's shared ready sandbox
// (root + Docker; skipped with one line otherwise). The tests run in order on one deployed stack;
// each says what the user sees and what remains. Tags get a per-run suffix, so a kept sandbox disk
// with an earlier run's releases never makes a deploy skip its upload or build. Reminders are
// written into the stack's PostgreSQL as the bot's services write them (the dialogue itself is in
// scenario.e2e.ts), for one chat of this run; deliveries are counted in the fake Bot API's record
// and in the deliveries table. Rows that need no Docker are in test/faults/.
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { appendFileSync, writeFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import type { FakeBotApiClient } from "@remindbot/fake-telegram/client";
import { docker } from "../../tools/sandbox/src/docker.js";
import { vdsNames } from "../../tools/sandbox/src/names.js";
import {
  APP_DIR,
  botContainer,
  runningBot,
  compileCli,
  expectAnswersStart,
  logDuration,
  POSTGRES_CONTAINER,
  psql,
  root,
  scratchRepo,
  show,
  waitFor,
} from "../support/deployer-cli.js";
import type { CliResult, ScratchRepo, StartedCli } from "../support/deployer-cli.js";
import { fakeBotApi, sandboxEnv, sandboxSsh, useSandbox } from "../support/sandbox.js";

/** The sandbox target's backup.minFreeMb (deployer/src/config/targets.ts, sandboxAsTarget). */
const SANDBOX_MIN_FREE_MB = 256;
/** Size of the incompressible file the "big" tag carries, so its upload can be caught half-way. */
const BIG_FILE_BYTES = 64 * 1024 * 1024;

describe("fault matrix (issue 8) on the sandbox VDS (e2e)", function () {
  let s: ScratchRepo;
  let api: FakeBotApiClient;
  let token = "";
  const by = `${userInfo().username}@${hostname()}`;
  const run = Date.now().toString(36);
  const tag = (name: string) => `f${run}-${name}`;
  const BASE = tag("base");
  const BIG = tag("big");
  const NEXT = tag("next");
  const BUILD = tag("build");
  /** Differs from BASE in remote/ only (not in the image's context): uploaded, built from cache. */
  const AFTER = tag("after");
  /** The chat (and user) whose reminders these tests create. */
  const chat = 650_000_000 + Math.floor(Math.random() * 1_000_000);
  let serial = 0;

  const cli = (args: string[], timeoutMs?: number) => s.cli(args, timeoutMs);

  /** Active reminders for this run's chat, due `dueInSec` seconds from the database's now (negative: overdue). */
  async function addReminders(dueInSec: number[], what: string): Promise<Array<{ id: number; text: string }>> {
    const out: Array<{ id: number; text: string }> = [];
    for (const sec of dueInSec) {
      const text = `${what} [${++serial}]`;
      const id = await psql(
        `INSERT INTO reminders (user_id, chat_id, chat_type, text, zone, status, due_at, created_at) ` +
          `VALUES (${chat}, ${chat}, 'private', '${text}', 'UTC', 'active', now() + interval '${sec} seconds', ` +
          `now() - interval '10 minutes') RETURNING id`,
      );
      out.push({ id: Number(id), text });
    }
    return out;
  }

  /** Successful sendMessage calls to this run's chat whose text holds the reminder's text, by text. */
  async function sends(texts: string[], since: number): Promise<Map<string, number>> {
    const calls = await api.calls({ method: "sendMessage", chatId: chat, since });
    const out = new Map(texts.map((t) => [t, 0]));
    for (const c of calls) {
      if (!c.response.ok) continue;
      const body = String(c.params["text"]);
      for (const t of texts) if (body.includes(t)) out.set(t, out.get(t)! + 1);
    }
    return out;
  }

  /** Waits until every reminder was sent, then checks: each exactly once, in the fake and in deliveries. */
  async function expectEachDeliveredOnce(
    rs: Array<{ id: number; text: string }>,
    since: number,
    timeoutMs: number,
  ): Promise<Map<number, boolean>> {
    const texts = rs.map((r) => r.text);
    await waitFor(
      `every reminder sent (${texts.join(", ")})`,
      timeoutMs,
      async () => ([...(await sends(texts, since)).values()].every((n) => n >= 1) ? true : undefined),
      1000,
    );
    const rows = await psql(
      `SELECT reminder_id || ' ' || count(*) || ' ' || bool_or(late) FROM deliveries ` +
        `WHERE reminder_id IN (${rs.map((r) => r.id).join(",")}) GROUP BY reminder_id`,
    );
    const late = new Map<number, boolean>();
    for (const r of rs) {
      const row = rows
        .split("\n")
        .map((l) => l.split(" "))
        .find((f) => Number(f[0]) === r.id);
      expect(row?.[1], `deliveries rows of reminder ${r.id} ("${r.text}"): ${rows}`).to.equal("1");
      late.set(r.id, row?.[2] === "true");
    }
    const counted = await sends(texts, since);
    for (const t of texts) expect(counted.get(t), `sendMessage calls delivering "${t}"`).to.equal(1);
    return late;
  }

  const containerState = async (container: string) =>
    JSON.parse(
      await root(
        `docker inspect -f '{"restarts":{{.RestartCount}},"startedAt":{{json .State.StartedAt}},"health":{{json .State.Health.Status}}}' ${container}`,
        `docker inspect ${container}`,
      ),
    ) as { restarts: number; startedAt: string; health: string };

  const waitHealthy = (what: string) =>
    waitFor(what, 180_000, async () => {
      const bot = await runningBot();
      return bot && (await containerState(bot)).health === "healthy" ? true : undefined;
    });

  const exists = async (path: string) => (await sandboxSsh(["test", "-e", path])).code === 0;
  const currentLink = () => root(`readlink ${APP_DIR}/current`, "readlink current");

  /** Runs a deploy until `at(cli)` resolves, then SIGKILLs the CLI: its SSH connection is cut mid-step. */
  async function cutDeploy(t: string, at: (c: StartedCli) => Promise<void>): Promise<CliResult> {
    const c = s.start(["deploy", "--tag", t, "--yes", "--target", "sandbox"]);
    const ended = c.done(10 * 60_000);
    try {
      await at(c);
    } catch (e) {
      c.child.kill("SIGKILL");
      const r = await ended;
      throw new Error(`${(e as Error).message}\n${show(r)}`);
    }
    c.child.kill("SIGKILL");
    const r = await ended;
    expect(r.code, `the CLI was killed: ${show(r)}`).to.equal(null);
    return r;
  }

  before(async function () {
    await useSandbox(this);
    api = fakeBotApi();
    token = sandboxEnv()["BOT_TOKEN"]!;
    s = await scratchRepo("faults-e2e-");
    await s.git("tag", BASE);
    // a release whose upload takes long enough to be caught half-way (incompressible bytes)
    writeFileSync(join(s.repo, "bot", "big.bin"), randomBytes(BIG_FILE_BYTES));
    await s.git("add", "bot/big.bin");
    await s.tagWith(BIG, (src) => `${src}\n// ${BIG}\n`);
    await s.git("checkout", "-q", BASE);
    await s.tagWith(NEXT, (src) => `${src}\n// ${NEXT}: a one-line change\n`);
    await s.tagWith(BUILD, (src) => `${src}\n// ${BUILD}: another one-line change\n`);
    await s.git("checkout", "-q", BASE);
    appendFileSync(join(s.repo, "remote", "bin", "lib.sh"), `\n# ${AFTER}\n`);
    await s.git("commit", "-q", "-am", AFTER);
    await s.git("tag", AFTER);
    await compileCli();
    // a lock left by an earlier, interrupted run would fail every deploy below
    if (await exists(`${APP_DIR}/lock`)) {
      const u = await cli(["unlock", "--yes"], 60_000);
      expect(u.code, show(u)).to.equal(0);
    }
    const r = await cli(["deploy", "--tag", BASE, "--yes"], 14 * 60_000);
    expect(r.code, show(r)).to.equal(0);
    logDuration(`deploy ${BASE}`, r.ms);
    await psql(`INSERT INTO users (id, lang, zone) VALUES (${chat}, 'en', 'UTC') ON CONFLICT (id) DO NOTHING`);
  });

  after(async () => {
    await api?.clearFaults().catch(() => undefined);
    s?.remove();
  });

  it("the bot's node process killed (kill -9): Docker restarts it; no reminder lost or sent twice", async () => {
    const since = await api.cursor();
    const bot = await botContainer();
    const before = await containerState(bot);
    const rs = await addReminders([10, 15, 20, 25], "kill -9");
    // the kill lands while the reminders are being delivered: after the first one went out
    await waitFor(
      "the first reminder sent",
      60_000,
      async () => ((await sends([rs[0]!.text], since)).get(rs[0]!.text)! >= 1 ? true : undefined),
      500,
    );
    const top = await root(`docker top ${bot} -eo pid,args`, "docker top bot");
    const node = top
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .find((f) => f[1] === "node" && f.slice(2).join(" ") === "bot/dist/main.js");
    expect(node, `the bot's node process in:\n${top}`).to.not.equal(undefined);
    const t0 = Date.now();
    await root(`kill -9 ${node![0]}`, "kill -9 the bot's node");
    await waitFor(
      "Docker restarted the bot",
      60_000,
      async () => ((await containerState(bot)).restarts > before.restarts ? true : undefined),
      1000,
    );
    await waitHealthy("the bot healthy after kill -9");
    logDuration("kill -9 until healthy again", Date.now() - t0);
    // a claimed but unsent reminder waits for its lease (60 s)
    await expectEachDeliveredOnce(rs, since, 150_000);
    await expectAnswersStart("after kill -9");
  });

  it("PostgreSQL's container restarted: the bot reconnects by itself; no reminder lost", async () => {
    const since = await api.cursor();
    const bot = await botContainer();
    const before = await containerState(bot);
    const rs = await addReminders([15, 20], "postgres restart");
    const t0 = Date.now();
    await root(`docker restart ${POSTGRES_CONTAINER}`, "docker restart postgres");
    logDuration("docker restart postgres", Date.now() - t0);
    await waitHealthy("the bot healthy after PostgreSQL's restart");
    await expectAnswersStart("after PostgreSQL's restart", 60_000);
    logDuration("PostgreSQL restarted until the bot answers", Date.now() - t0);
    await expectEachDeliveredOnce(rs, since, 150_000);
    const after = await containerState(bot);
    process.stderr.write(
      `      the bot's container ${after.startedAt === before.startedAt ? "kept running" : "was restarted"} meanwhile\n`,
    );
  });

  it("Telegram answers 429 for a while: every reminder is delivered, none twice", async () => {
    const since = await api.cursor();
    const count = 4;
    await api.injectFault({ method: "sendMessage", status: 429, retryAfter: 2, count, token });
    try {
      const rs = await addReminders([3, 4, 5], "429");
      await expectEachDeliveredOnce(rs, since, 120_000);
      const refused = (await api.calls({ method: "sendMessage", chatId: chat, since })).filter(
        (c) => !c.response.ok && c.response.error_code === 429,
      );
      expect(refused.length, "the deliveries met the injected 429s").to.equal(count);
    } finally {
      await api.clearFaults();
    }
  });

  it("a reminder falls due while the bot is down for a deploy: delivered once when it is back, marked late", async () => {
    const since = await api.cursor();
    await root(`docker stop ${await botContainer()}`, "docker stop bot");
    // the row as the bot's services wrote it earlier; it fell due two minutes ago, while the bot was
    // stopped (a late mark needs more than a minute; waiting that long here would add nothing)
    const rs = await addReminders([-120], "while down");
    const r = await cli(["deploy", "--tag", NEXT, "--yes"]);
    expect(r.code, show(r)).to.equal(0);
    const late = await expectEachDeliveredOnce(rs, since, 120_000);
    expect(late.get(rs[0]!.id), "deliveries.late").to.equal(true);
    const text = String(
      (await api.calls({ method: "sendMessage", chatId: chat, since })).find(
        (c) => c.response.ok && String(c.params["text"]).includes(rs[0]!.text),
      )?.params["text"],
    );
    expect(text, "the user is told it is late").to.match(/late: was due/);
    logDuration(`deploy ${NEXT} with the bot down`, r.ms);
  });

  it("SSH cut during the upload: nothing half-uploaded is used; after unlock the next deploy works", async () => {
    const current = await currentLink();
    // on the server: once the archive's temp file has 1 MiB, freeze the SFTP server (the upload
    // stalls half-way) and print the size reached
    const catcher = sandboxSsh(
      `for i in $(seq 1 3000); do f=$(ls ${APP_DIR}/releases/${BIG}.tmp/release.tar.gz.tmp-* 2>/dev/null | head -n 1); ` +
        `if [ -n "$f" ] && [ "$(stat -c %s "$f")" -gt 1048576 ]; then pkill -STOP -u deploy -x sftp-server; ` +
        `stat -c %s "$f"; exit 0; fi; sleep 0.02; done; exit 1`,
      { timeoutMs: 120_000 },
    );
    let reached = 0;
    const r = await cutDeploy(BIG, async () => {
      const c = await catcher;
      if (c.code !== 0) throw new Error(`the upload was not caught half-way: ${c.stderr}`);
      reached = Number(c.stdout.trim());
    });
    await root("pkill -CONT -u deploy -x sftp-server || true", "resuming the frozen sftp-server");
    expect(r.stdout, "the CLI was in the upload step").to.match(/→ Upload release/);
    expect(reached, "bytes on the server when the connection was cut").to.be.below(BIG_FILE_BYTES);
    process.stderr.write(`      the upload was cut after ${(reached / 1048576).toFixed(1)} MiB of > 64 MiB\n`);
    expect(await exists(`${APP_DIR}/releases/${BIG}.tmp`), `the half upload in releases/${BIG}.tmp`).to.equal(true);
    expect(await exists(`${APP_DIR}/releases/${BIG}`), `releases/${BIG} must not exist`).to.equal(false);
    expect(await currentLink(), "current").to.equal(current);
    const listed = await s.releases();
    expect(
      listed.map((x) => x.tag),
      "the half upload is not a release",
    ).to.not.include(BIG);
    await expectAnswersStart("after the upload was cut");

    const held = await cli(["deploy", "--tag", BUILD, "--yes"]);
    expect(held.code, show(held)).to.equal(3);
    expect(held.stderr).to.contain(`the deploy lock is held by ${by}`).and.to.contain(`doing deploy ${BIG}`);
    const u = await cli(["unlock", "--yes"], 60_000);
    expect(u.code, show(u)).to.equal(0);
    const again = await cli(["deploy", "--tag", AFTER, "--yes"]);
    expect(again.code, show(again)).to.equal(0);
    expect(await s.currentTag()).to.equal(AFTER);
    expect(await exists(`${APP_DIR}/releases/${BIG}.tmp`), "the next upload removed the half upload").to.equal(false);
    await expectAnswersStart("after the deploy that followed the cut");
  });

  it("SSH cut during the build: the old release keeps running; the lock is reported with its age, then stale; after unlock the deploy works", async () => {
    const current = await currentLink();
    await cutDeploy(BUILD, async (c) => {
      // the build has started on the server: its first output line came back
      await waitFor(
        "the build's first output line",
        180_000,
        async () => (/→ Build image[^\n]*\n {4}\S/.test(c.out()) ? true : undefined),
        200,
      );
    });
    expect(await currentLink(), "current").to.equal(current);
    await expectAnswersStart("after the build was cut");

    const held = await cli(["deploy", "--tag", BUILD, "--yes"]);
    expect(held.code, show(held)).to.equal(3);
    expect(held.stderr).to.match(
      new RegExp(`the deploy lock is held by ${by} since \\S+ \\(\\d+ s ago\\), doing deploy ${BUILD}`),
    );
    expect(held.stderr, "a fresh lock is not called stale").to.not.match(/stale/);

    // two hours later (the lock's own clock moved back): stale
    const at = new Date(Date.now() - 2 * 3600_000).toISOString();
    await root(
      `sed -i -E 's/"at":"[^"]*"/"at":"${at}"/' ${APP_DIR}/lock/info.json && grep -q '"at":"${at}"' ${APP_DIR}/lock/info.json`,
      "ageing the lock",
    );
    const stale = await cli(["deploy", "--tag", BUILD, "--yes"]);
    expect(stale.code, show(stale)).to.equal(3);
    expect(stale.stderr).to.contain(`since ${at} (2 h ago), doing deploy ${BUILD}; it looks stale (2 h old)`);
    expect(stale.stderr).to.contain("`unlock` removes it");

    const u = await cli(["unlock", "--yes"], 60_000);
    expect(u.code, show(u)).to.equal(0);
    const again = await cli(["deploy", "--tag", BUILD, "--yes"]);
    expect(again.code, show(again)).to.equal(0);
    expect(await s.currentTag()).to.equal(BUILD);
    await expectAnswersStart("after unlock and deploy");
  });

  it("disk nearly full: backup and deploy refuse with one clear line before doing harm", async () => {
    // /opt/remindbot on a small file system of its own (tmpfs, the app dir copied over), filled
    // to below the sandbox target's threshold
    const listing = `ls -1a ${APP_DIR}/releases ${APP_DIR}/backups; test ! -e ${APP_DIR}/lock`;
    const lastHistory = () => root(`tail -n 1 ${APP_DIR}/history.jsonl`, "history's last line");
    const before = await root(listing, "the app dir before");
    const usedMb = Number(await root(`du -sm ${APP_DIR} | cut -f1`, "du"));
    await root(
      [
        "mkdir -p /run/e2e-small",
        `mount -t tmpfs -o size=${usedMb + SANDBOX_MIN_FREE_MB + 200}m tmpfs /run/e2e-small`,
        `cp -a ${APP_DIR}/. /run/e2e-small/`,
        `chown --reference=${APP_DIR} /run/e2e-small && chmod --reference=${APP_DIR} /run/e2e-small`,
        `mount --bind /run/e2e-small ${APP_DIR}`,
        `free=$(df -Pm ${APP_DIR} | awk 'NR == 2 { print $4 }')`,
        `fallocate -l $(( (free - ${SANDBOX_MIN_FREE_MB} / 2) * 1024 * 1024 )) ${APP_DIR}/.e2e-filler`,
      ].join(" && "),
      "filling the app dir's file system",
    );
    try {
      const free = Number(await root(`df -Pm ${APP_DIR} | awk 'NR == 2 { print $4 }'`, "df"));
      expect(free, "free MiB after filling").to.be.below(SANDBOX_MIN_FREE_MB);
      const b = await cli(["backup", "create"], 2 * 60_000);
      expect(b.code, show(b)).to.equal(1);
      expect(b.stderr, show(b)).to.match(/free disk below the threshold|below the \d+ MiB threshold/);
      const d = await cli(["deploy", "--tag", NEXT, "--yes"]);
      expect(d.code, show(d)).to.equal(1);
      expect(d.stderr, show(d)).to.match(
        new RegExp(`only \\d+ MiB free on ${APP_DIR} on the server \\(need ${SANDBOX_MIN_FREE_MB} MiB\\)`),
      );
      process.stderr.write(`      backup says: ${b.stderr.trim()}\n      deploy says: ${d.stderr.trim()}\n`);
      for (const r of [b, d]) {
        const lines = r.stderr.trim().split("\n");
        expect(lines.length, `one line on stderr (and the log's path): ${r.stderr}`).to.be.at.most(2);
      }
      expect(await root(listing, "the app dir after"), "no backup, release or lock was made").to.equal(before);
      // The backup is a task like the others: it took the lock and recorded its real result; the
      // deploy stopped at its checks, before the lock, and recorded nothing.
      expect(JSON.parse(await lastHistory())).to.include({ action: "backup", result: "failed" });
    } finally {
      await root(
        `rm -f ${APP_DIR}/.e2e-filler; umount ${APP_DIR} && umount /run/e2e-small && rmdir /run/e2e-small`,
        "removing the filler",
      );
    }
    expect(await root(listing, "the app dir after clean-up")).to.equal(before);
    await expectAnswersStart("after the disk was full");
  });

  it("the server's host key changed: the deployer refuses and shows the new fingerprint", async () => {
    const vds = vdsNames("ready").container;
    const exec = async (cmd: string, what: string) => {
      const r = await docker(["exec", vds, "bash", "-c", cmd], { timeoutMs: 60_000 });
      expect(r.code, `${what}: ${r.stderr}`).to.equal(0);
      return r.stdout.trim();
    };
    // saved first, restored after: the other e2e files trust the original key
    await exec(
      "rm -rf /root/e2e-hostkeys && mkdir /root/e2e-hostkeys && cp -a /etc/ssh/ssh_host_* /root/e2e-hostkeys/",
      "saving the host keys",
    );
    try {
      const fingerprints = await exec(
        "rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && " +
          'for f in /etc/ssh/ssh_host_*_key.pub; do ssh-keygen -lf "$f"; done && systemctl restart ssh',
        "new host keys",
      );
      const fresh = fingerprints.match(/SHA256:[A-Za-z0-9+/]+/g) ?? [];
      expect(fresh.length, fingerprints).to.be.above(0);
      const r = await cli(["status"], 60_000);
      expect(r.code, show(r)).to.equal(1);
      expect(r.stderr).to.match(/HOST KEY CHANGED/);
      const shown = r.stderr.match(/presents \S+ (SHA256:[A-Za-z0-9+/]+)/)?.[1];
      expect(fresh, `the fingerprint shown (${shown}) is one of the server's new keys: ${r.stderr}`).to.include(shown);
    } finally {
      await exec(
        "rm -f /etc/ssh/ssh_host_* && cp -a /root/e2e-hostkeys/. /etc/ssh/ && rm -rf /root/e2e-hostkeys && systemctl restart ssh",
        "restoring the host keys",
      );
    }
    const ok = await waitFor(
      "ssh with the original host key",
      30_000,
      async () => ((await sandboxSsh("true")).code === 0 ? true : undefined),
      500,
    );
    expect(ok).to.equal(true);
    const st = await cli(["status"], 60_000);
    expect(st.code, show(st)).to.equal(0);
  });
});
