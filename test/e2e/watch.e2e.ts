// e2e, issue 16: the server watches itself and tells the owner in Telegram. On the run's shared
// ready sandbox (root + Docker; skipped with one line otherwise), one deploy of this checkout, then
// rows that break something and check what the owner's chat (the sandbox env's ADMIN_CHAT_IDS)
// receives in the fake Bot API's record. The watchdog is started directly (`systemctl start`, a
// oneshot: it returns when the round is over) with WATCH_GRACE_SEC=0 in shared/watch.env, so no
// row waits for the timer; the timer itself is checked to be active every minute.
import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { message } from "@remindbot/fake-telegram";
import type { FakeBotApiClient } from "@remindbot/fake-telegram/client";
import { APP_DIR, compileCli, logDuration, root, scratchRepo, show, waitFor } from "../support/deployer-cli.js";
import type { ScratchRepo } from "../support/deployer-cli.js";
import { vdsNames } from "../../tools/sandbox/src/names.js";
import { fakeBotApi, sandboxEnv, sandboxSsh, useSandbox, writeSandboxTarget } from "../support/sandbox.js";

describe("watchdog and owner alerts (issue 16) on the sandbox VDS (e2e)", function () {
  let s: ScratchRepo;
  let api: FakeBotApiClient;
  let admin = 0;
  const started = Date.now();
  const run = Date.now().toString(36);
  const BASE = `w${run}-base`;
  const CRASH = `w${run}-crash`;
  /** The watchdog's settings for these rows: no grace, thresholds far below the sandbox's disk. */
  const SETTINGS = "WATCH_GRACE_SEC=0\nWATCH_DISK_WARN_MB=2\nWATCH_DISK_CRIT_MB=1\n";

  const watch = () => root("systemctl start remindbot-watch.service", "one round of the watchdog", 120_000);
  /** The texts the owner's chat received since `since`, in order. */
  const owner = async (since: number): Promise<string[]> =>
    (await api.calls({ method: "sendMessage", chatId: admin, since }))
      .filter((c) => c.response.ok)
      .map((c) => String(c.params["text"]));
  const settings = (text: string) =>
    root(
      `printf '%s' '${text}' > ${APP_DIR}/shared/watch.env && chown deploy: ${APP_DIR}/shared/watch.env`,
      "watch.env",
    );
  const status = async () =>
    JSON.parse(await root(`cat ${APP_DIR}/watch/status.json`, "status.json")) as {
      alerts: boolean;
      incidents: Array<{ key: string; level: string; text: string }>;
      lastAlert: { kind: string; key: string } | null;
    };

  before(async function () {
    await useSandbox(this);
    api = fakeBotApi();
    admin = Number(sandboxEnv()["ADMIN_CHAT_IDS"]);
    expect(admin, "the sandbox's env names an admin chat").to.be.above(0);
    s = await scratchRepo("watch-e2e-");
    await s.git("tag", BASE);
    await compileCli();
    if ((await sandboxSsh(["test", "-e", `${APP_DIR}/lock`])).code === 0) {
      const u = await s.cli(["unlock", "--yes"], 60_000);
      expect(u.code, show(u)).to.equal(0);
    }
    const r = await s.cli(["deploy", "--tag", BASE, "--yes"], 14 * 60_000);
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout + r.stderr, "alerts are on: no 'alerts are off' note").to.not.contain("alerts are off");
    logDuration(`deploy ${BASE}`, r.ms);
    await settings(SETTINGS);
    // whatever an earlier run left open is settled before the rows count messages
    await watch();
  });

  after(async () => {
    await root(`rm -f ${APP_DIR}/shared/watch.env`, "watch.env").catch(() => undefined);
    s?.remove();
    logDuration("watch.e2e.ts in all", Date.now() - started);
  });

  it("the deploy installed the watchdog: its timer runs it every minute, as the deploy user", async () => {
    const timer = await root(
      "systemctl show remindbot-watch.timer -p ActiveState -p UnitFileState && systemctl cat remindbot-watch.timer",
      "the timer",
    );
    expect(timer).to.contain("ActiveState=active");
    expect(timer).to.contain("UnitFileState=enabled");
    expect(timer).to.match(/^OnUnitActiveSec=1min$/m);
    await watch();
    const st = await status();
    expect(st.alerts, "alerts on").to.equal(true);
    expect(st.incidents, "a healthy stack has no incident").to.deep.equal([]);
    // Docker made watch/ (the bot's bind mount) as root before the unit existed; the unit gave it back
    expect(await root(`stat -c '%U %a' ${APP_DIR}/watch ${APP_DIR}/watch/status.json`, "owner")).to.equal(
      "deploy 755\ndeploy 644",
    );
  });

  it("bot container stopped: one alert naming the bot and the command to look; started: one 'resolved'", async () => {
    const since = await api.cursor();
    const name = await root(
      "docker ps --format '{{.Names}}' --filter label=com.docker.compose.project=remindbot --filter label=com.docker.compose.service=bot",
      "the bot's name",
    );
    await root(`docker stop ${name}`, "docker stop the bot");
    try {
      await watch();
      await watch();
      const alerts = await owner(since);
      expect(alerts, "one alert, no duplicate").to.have.length(1);
      expect(alerts[0]).to.contain("the bot is not running: its container is exited");
      expect(alerts[0]).to.contain(`docker logs --tail 100 ${name}`);
      expect(alerts[0]).to.match(/Since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
      // the deployer's status shows the open incident and the alert sent
      const st = await s.cli(["status"], 60_000);
      expect(st.code, show(st)).to.equal(0);
      expect(st.stdout).to.contain("open incidents: 1");
      expect(st.stdout).to.match(/ {2}critical since \S+: the bot is not running: its container is exited/);
      expect(st.stdout).to.match(/last alert: \S+ \(open\) 🔴 Critical, remindbot/);
    } finally {
      await root(`docker start ${name}`, "docker start the bot");
    }
    await watch();
    await watch();
    const all = await owner(since);
    expect(all, "then one 'resolved'").to.have.length(2);
    expect(all[1]).to.match(/^✅ Resolved on .*: the bot is not running/);
    expect((await status()).lastAlert).to.include({ kind: "resolved", key: "bot_down" });
  });

  it("a crash loop (a tag whose bot exits at start, deployed with --no-rollback) is reported as a crash loop, once", async () => {
    const since = await api.cursor();
    // The tag: the bot's main exits before anything else, as a broken release would.
    const main = join(s.repo, "bot/src/main.ts");
    writeFileSync(
      main,
      'console.error("this release exits at start (watch e2e)");\nprocess.exit(3);\n' + readFileSync(main, "utf8"),
    );
    await s.git("commit", "-qam", "a release whose bot exits at start");
    await s.git("tag", CRASH);
    const d = await s.cli(
      ["deploy", "--tag", CRASH, "--stop-first", "--no-rollback", "--health-timeout", "20", "--yes"],
      10 * 60_000,
    );
    logDuration(`deploy ${CRASH} (fails its gate, left as it is)`, d.ms);
    expect(d.code, show(d)).to.equal(4);
    expect(d.stdout + d.stderr).to.contain("--no-rollback: a bot that fails its gate is left as it is");
    const id = await root(
      "docker ps -aq --filter label=com.docker.compose.project=remindbot --filter label=com.docker.compose.service=bot",
      "the bot's id",
    );
    expect(await root(`docker inspect -f '{{.Config.Image}}' ${id}`, "its image"), "not rolled back").to.equal(
      `remindbot-bot:${CRASH}`,
    );
    // Docker's policy restarts it again and again (backing off); each round samples the count.
    const restarts = () => root(`docker inspect -f '{{.RestartCount}}' ${id}`, "restart count").then(Number);
    for (let i = 0; i < 3; i++) {
      const seen = await restarts();
      await waitFor(
        "Docker restarted it again",
        90_000,
        async () => ((await restarts()) > seen ? true : undefined),
        500,
      );
      await watch();
    }
    const alerts = await owner(since);
    expect(alerts, alerts.join("\n---\n")).to.have.length(1);
    expect(alerts[0]).to.match(/the bot is in a crash loop: \d+ restarts/);
    expect((await status()).incidents.map((i) => i.key)).to.deep.equal(["bot_crashloop"]);

    // Back to the good release; the loop ends once no restart came for the window (here: 0 s).
    const r = await s.cli(["rollback", "--to", BASE, "--yes"], 5 * 60_000);
    expect(r.code, show(r)).to.equal(0);
    logDuration(`rollback to ${BASE}`, r.ms);
    await settings(`${SETTINGS}WATCH_CRASH_WINDOW_SEC=0\n`);
    await watch();
    const after = await owner(since);
    expect(after, after.join("\n---\n")).to.have.length(2);
    expect(after[1]).to.match(/^✅ Resolved .*crash loop/);
    await settings(SETTINGS);
  });

  it("disk filling: a warning with the figure, then critical, then resolved when freed", async () => {
    const since = await api.cursor();
    // APP_DIR on a small file system of its own (tmpfs, the app dir copied over), as in the fault matrix
    const usedMb = Number(await root(`du -sm ${APP_DIR} | cut -f1`, "du"));
    const size = usedMb + 120;
    await root(
      [
        "mkdir -p /run/e2e-watch",
        `mount -t tmpfs -o size=${size}m tmpfs /run/e2e-watch`,
        `cp -a ${APP_DIR}/. /run/e2e-watch/`,
        `chown --reference=${APP_DIR} /run/e2e-watch && chmod --reference=${APP_DIR} /run/e2e-watch`,
        `mount --bind /run/e2e-watch ${APP_DIR}`,
      ].join(" && "),
      "the app dir on a small file system",
    );
    const fill = (mb: number) =>
      root(
        `free=$(df -Pm ${APP_DIR} | awk 'NR == 2 { print $4 }') && fallocate -l $(( (free - ${mb}) * 1024 * 1024 )) ${APP_DIR}/.e2e-filler-$RANDOM && df -Pm ${APP_DIR} | awk 'NR == 2 { print $4 }'`,
        `filling to ${mb} MiB free`,
      ).then(Number);
    try {
      await settings("WATCH_GRACE_SEC=0\nWATCH_DISK_WARN_MB=80\nWATCH_DISK_CRIT_MB=40\n");
      const warnFree = await fill(60);
      await watch();
      const critFree = await fill(20);
      await watch();
      await watch();
      await root(`rm -f ${APP_DIR}/.e2e-filler-*`, "freeing");
      await watch();
      const alerts = await owner(since);
      expect(alerts, alerts.join("\n---\n")).to.have.length(3);
      expect(alerts[0]).to.match(/^⚠️ Warning, remindbot .*: disk \/opt\/remindbot has (\d+) MiB free/);
      expect(Number(/has (\d+) MiB free/.exec(alerts[0]!)![1])).to.be.within(warnFree - 2, warnFree + 2);
      expect(alerts[0]).to.contain("warning below 80, critical below 40");
      expect(alerts[1]).to.match(/^🔴 Critical \(still\), remindbot .*: disk \/opt\/remindbot has (\d+) MiB free/);
      expect(Number(/has (\d+) MiB free/.exec(alerts[1]!)![1])).to.be.within(critFree - 2, critFree + 2);
      expect(alerts[2]).to.match(/^✅ Resolved on .*: disk \/opt\/remindbot/);
    } finally {
      await root(
        `rm -f ${APP_DIR}/.e2e-filler-*; umount ${APP_DIR} && umount /run/e2e-watch && rmdir /run/e2e-watch`,
        "the app dir back",
      );
    }
  });

  it("a failed backup: an alert after the failed run; the next good backup resolves it", async () => {
    const since = await api.cursor();
    // not the deploy user's any more: backup.sh can neither write there nor chmod it back
    await root(`chown root: ${APP_DIR}/backups && chmod 0755 ${APP_DIR}/backups`, "backups not writable");
    try {
      const r = await sandboxSsh("systemctl start remindbot-backup.service", { timeoutMs: 5 * 60_000 });
      expect(r.code, "the backup unit failed").to.not.equal(0);
      await watch();
      const [alert, ...more] = await owner(since);
      expect(more).to.deep.equal([]);
      expect(alert).to.match(/^🔴 Critical, remindbot .*: the last backup failed \(exit-code, exit code \d+\)/);
      expect(alert).to.contain("journalctl -u remindbot-backup");
    } finally {
      await root(`chown deploy: ${APP_DIR}/backups && chmod 0700 ${APP_DIR}/backups`, "backups writable again");
    }
    await root("systemctl start remindbot-backup.service", "a good backup", 5 * 60_000);
    await watch();
    const all = await owner(since);
    expect(all).to.have.length(2);
    expect(all[1]).to.match(/^✅ Resolved on .*: the last backup failed/);
  });

  it("/status from the admin chat answers with the figures; from another chat it does not", async () => {
    await watch();
    const token = sandboxEnv()["BOT_TOKEN"]!;
    const since = await api.cursor();
    await api.pushUpdate(message(admin, "/status", { languageCode: "en" }), token);
    const answer = String((await api.waitForMessage(admin, 30_000, { since })).params["text"]);
    expect(answer).to.match(new RegExp(`^Status\nRelease ${BASE}, up \\d+`));
    expect(answer).to.match(/Reminders due within the hour: \d+/);
    // the before hook's deploy, or the crash-loop row's rollback to BASE when it ran
    expect(answer).to.match(new RegExp(`Last deploy: (deploy|rollback) ${BASE} ok`));
    expect(answer).to.match(/Newest backup: \d{8}T\d{6}Z_\S+\.dump/);
    expect(answer).to.match(/Disk free: \S+ \d+ MiB \/ \d+ MiB/);
    expect(answer).to.contain("Open incidents: 0");
    const other = admin + 1;
    const since2 = await api.cursor();
    await api.pushUpdate(message(other, "/status", { languageCode: "en" }), token);
    const reply = String((await api.waitForMessage(other, 30_000, { since: since2 })).params["text"]);
    expect(reply, "the answer to an unknown command").to.contain("I could not find a time in that");
  });

  it("publishHealth: /health on the chosen port for an external monitor, honest about the bot; off again: gone", async () => {
    const PORT = 19080;
    // An external monitor's view: the server's address on the sandbox network, from this machine.
    const url = `http://${vdsNames("ready").ip}:${PORT}/health`;
    const monitor = async () => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
        return `${res.status} ${await res.text()}`;
      } catch (err) {
        return `no answer: ${String((err as { cause?: { code?: string } }).cause?.code ?? err)}`;
      }
    };
    /** Polls the monitor's view until `ok` holds (the publisher answers from a check at most 2 s old). */
    const monitorUntil = (what: string, ok: (m: string) => boolean, timeoutMs: number) =>
      waitFor(
        what,
        timeoutMs,
        async () => {
          const m = await monitor();
          return ok(m) ? m : undefined;
        },
        500,
      );
    const deploy = async (extra: string[]) => {
      writeSandboxTarget(s.repo, "watched", extra);
      const r = await s.start(["deploy", "--tag", BASE, "--target", "watched", "--yes"]).done(5 * 60_000);
      expect(r.code, show(r)).to.equal(0);
      logDuration(`redeploy ${BASE} (${extra.join(" ") || "publishHealth off"})`, r.ms);
      return r;
    };
    expect(await monitor(), "off by default: nothing listens").to.match(/^no answer/);

    const on = await deploy([`publishHealth: { port: ${PORT} }`]);
    expect(on.stdout + on.stderr, "the bot is left alone").to.contain("the bot is left alone");
    expect(on.stdout).to.contain(`Publish /health on 0.0.0.0:${PORT} for an external monitor`);
    expect(await monitorUntil("the monitor sees 200", (m) => m.startsWith("200"), 30_000)).to.equal('200 {"ok":true}');
    const published = await root(
      "docker ps --filter label=com.docker.compose.service=health --format '{{.Ports}}'",
      "the publisher's ports",
    );
    expect(published).to.contain(`0.0.0.0:${PORT}->8080/tcp`);
    expect(
      await root("docker ps --filter label=com.docker.compose.service=bot --format '{{.Ports}}'", "the bot's ports"),
      "the bot itself publishes nothing",
    ).to.not.contain("->");

    const bot = await root(
      "docker ps -q --filter label=com.docker.compose.project=remindbot --filter label=com.docker.compose.service=bot",
      "the bot's id",
    );
    await root(`docker stop ${bot}`, "docker stop the bot");
    try {
      expect(await monitorUntil("the monitor sees the bot down", (m) => !m.startsWith("200"), 30_000)).to.equal(
        '503 {"ok":false}',
      );
    } finally {
      await root(`docker start ${bot}`, "docker start the bot");
    }
    await monitorUntil("the monitor sees the bot back", (m) => m.startsWith("200"), 90_000);
    // after a reboot the unit's `up` starts it too: release.env enables its profile
    expect(await root(`cat ${APP_DIR}/current/release.env`, "release.env")).to.contain(
      `COMPOSE_PROFILES=health-port\nHEALTH_PUBLISH=0.0.0.0:${PORT}`,
    );

    const off = await deploy([]);
    expect(off.stdout).to.contain("Stop publishing /health");
    expect(await monitor()).to.match(/^no answer/);
    expect(await root("docker ps -aq --filter label=com.docker.compose.service=health", "the publisher")).to.equal("");
    expect(await root(`cat ${APP_DIR}/current/release.env`, "release.env")).to.not.contain("HEALTH");
  });
});
