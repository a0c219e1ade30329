// watchdog.sh run as its unit runs it, round after round on an injected clock (WATCH_NOW): stub
// `docker` and `systemctl` on PATH tell it the containers and the backup unit's last run; the
// alerts go with the real curl to the in-process fake Bot API, which records what the owner reads.
import { expect } from "chai";
import { chmodSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeBotApi, type FakeBotApi } from "@remindbot/fake-telegram";
import { makeAppDir, runScript, type ScriptResult } from "./script-harness.js";

const TOKEN = ["777000111", "watchdogTokenSecretPart_abcdefghijk"].join(":");
const CHATS = [4242, -100777];
const T0 = 1_800_000_000;

interface Container {
  id: string;
  name: string;
  status: "running" | "exited" | "restarting";
  restarts?: number;
  exitCode?: number;
  health?: string;
  oom?: boolean;
}

describe("remote/bin/watchdog.sh", () => {
  let api: FakeBotApi;
  let appDir: string;
  let stub: string;
  let seen = 0;

  before(async () => {
    api = await startFakeBotApi();
  });
  after(async () => api.stop());

  beforeEach(async () => {
    appDir = await makeAppDir("v1");
    stub = await mkdtemp(join(tmpdir(), "watchdog-stub-"));
    mkdirSync(join(appDir, "backups"));
    dump("20270101T000000Z_v1.dump", T0);
    setContainers("bot", [{ id: "b0b", name: "remindbot-bot-1", status: "running", restarts: 0, health: "healthy" }]);
    setContainers("postgres", [{ id: "p9", name: "remindbot-postgres-1", status: "running", health: "healthy" }]);
    backupUnit(undefined);
    writeFileSync(
      join(stub, "docker"),
      [
        "#!/bin/bash",
        `S=${JSON.stringify(stub)}`,
        'case "$1" in',
        '  ps) for a in "$@"; do case $a in label=com.docker.compose.service=*) svc=${a#*service=} ;; esac; done; cat "$S/ps.$svc" ;;',
        '  inspect) [[ $3 == *"{{.Name}}"* ]] || exit 1; cat "$S/inspect.${@: -1}" ;;',
        "  *) exit 1 ;;",
        "esac",
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(stub, "systemctl"),
      [
        "#!/bin/bash",
        `f=${JSON.stringify(stub)}/unit.$2`,
        '[[ -r $f ]] && cat "$f" || echo LoadState=not-found',
        "",
      ].join("\n"),
    );
    chmodSync(join(stub, "docker"), 0o755);
    chmodSync(join(stub, "systemctl"), 0o755);
    seen = api.calls().at(-1)?.seq ?? 0;
  });
  afterEach(() => {
    rmSync(appDir, { recursive: true, force: true });
    rmSync(stub, { recursive: true, force: true });
  });

  function dump(name: string, at: number): void {
    const path = join(appDir, "backups", name);
    writeFileSync(path, "x");
    utimesSync(path, at, at);
  }

  function setContainers(service: string, cs: Container[]): void {
    writeFileSync(join(stub, `ps.${service}`), cs.map((c) => `${c.id}\n`).join(""));
    for (const c of cs)
      writeFileSync(
        join(stub, `inspect.${c.id}`),
        `/${c.name} ${c.status} ${c.status === "restarting"} ${c.oom ?? false} ${c.restarts ?? 0} ${c.exitCode ?? 0} ${c.health ?? "none"}\n`,
      );
  }

  function backupUnit(run: { result: string; status: number; at: number } | undefined): void {
    const path = join(stub, "unit.remindbot-backup.service");
    if (!run) return rmSync(path, { force: true });
    const stamp = new Date(run.at * 1000).toUTCString().replace("GMT", "UTC");
    writeFileSync(
      path,
      `LoadState=loaded\nResult=${run.result}\nExecMainStatus=${run.status}\nExecMainExitTimestamp=${stamp}\n`,
    );
  }

  async function round(at: number, env: Record<string, string> = {}): Promise<ScriptResult> {
    const r = await runScript("watchdog.sh", [], {
      PATH: `${stub}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      APP_DIR: appDir,
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: api.url,
      ADMIN_CHAT_IDS: CHATS.join(","),
      WATCH_NOW: String(at),
      WATCH_DISK_WARN_MB: "0",
      WATCH_DISK_CRIT_MB: "0",
      ...env,
    });
    expect(r.code, r.stderr).to.equal(0);
    return r;
  }

  /** The texts sent since the last call, one per message (checked to reach every admin chat). */
  function sent(): string[] {
    const calls = api.calls({ method: "sendMessage", since: seen });
    seen = api.calls().at(-1)?.seq ?? seen;
    for (const c of calls) expect(c.token).to.equal(TOKEN);
    const texts = calls.filter((c) => Number(c.params["chat_id"]) === CHATS[0]).map((c) => String(c.params["text"]));
    const other = calls.filter((c) => Number(c.params["chat_id"]) === CHATS[1]).map((c) => String(c.params["text"]));
    expect(other, "every admin chat gets the same messages").to.deep.equal(texts);
    return texts;
  }

  const status = () =>
    JSON.parse(readFileSync(join(appDir, "watch", "status.json"), "utf8")) as {
      alerts: boolean;
      incidents: Array<{ key: string; level: string; since: string; alerted: boolean; text: string }>;
      lastAlert: { kind: string; key: string; text: string } | null;
      disk: Array<{ freeMb: number }>;
      backup: { newest: string | null; lastRun: { result: string } | null };
    };

  it("a stopped bot: one alert after the grace with what, since when and where to look; one 'resolved'", async () => {
    await round(T0);
    expect(sent(), "all well: nothing").to.deep.equal([]);
    setContainers("bot", [{ id: "b0b", name: "remindbot-bot-1", status: "exited", exitCode: 137 }]);
    await round(T0 + 60);
    expect(sent(), "within the grace: nothing yet").to.deep.equal([]);
    await round(T0 + 120);
    const [alert, ...more] = sent();
    expect(more).to.deep.equal([]);
    expect(alert).to.contain("🔴 Critical, remindbot");
    expect(alert).to.contain("the bot is not running: its container is exited (exit code 137)");
    expect(alert).to.contain(`Since ${new Date((T0 + 60) * 1000).toISOString().replace(".000", "")} (1 min).`);
    expect(alert).to.contain("Look closer:\ndocker logs --tail 100 remindbot-bot-1");
    expect(status().incidents).to.deep.include({
      key: "bot_down",
      level: "critical",
      since: new Date((T0 + 60) * 1000).toISOString().replace(".000", ""),
      alerted: true,
      text: "the bot is not running: its container is exited (exit code 137)",
      look: "docker logs --tail 100 remindbot-bot-1",
    });
    await round(T0 + 180);
    await round(T0 + 240);
    expect(sent(), "no duplicate while it lasts").to.deep.equal([]);
    setContainers("bot", [{ id: "b0b", name: "remindbot-bot-1", status: "running", restarts: 0, health: "healthy" }]);
    await round(T0 + 300);
    const resolved = sent();
    expect(resolved).to.have.length(1);
    expect(resolved[0]).to.match(
      /^✅ Resolved on .+: the bot is not running: its container is exited \(exit code 137\) \(lasted 4 min\)$/,
    );
    expect(status().incidents).to.deep.equal([]);
    expect(status().lastAlert).to.include({ kind: "resolved", key: "bot_down" });
    await round(T0 + 360);
    expect(sent()).to.deep.equal([]);
  });

  it("a blip shorter than the grace sends nothing and leaves no incident", async () => {
    setContainers("bot", []);
    await round(T0);
    expect(status().incidents.map((i) => i.key)).to.deep.equal(["bot_down"]);
    setContainers("bot", [{ id: "b0b", name: "remindbot-bot-1", status: "running", health: "healthy" }]);
    await round(T0 + 50);
    expect(sent()).to.deep.equal([]);
    expect(status().incidents).to.deep.equal([]);
  });

  it("repeats at most every WATCH_REPEAT_SEC while it lasts", async () => {
    setContainers("postgres", [{ id: "p9", name: "remindbot-postgres-1", status: "running", health: "unhealthy" }]);
    const env = { WATCH_GRACE_SEC: "0", WATCH_REPEAT_SEC: "3600" };
    await round(T0, env);
    expect(sent()).to.have.length(1);
    await round(T0 + 1800, env);
    expect(sent()).to.deep.equal([]);
    await round(T0 + 3600, env);
    const [again] = sent();
    expect(again).to.contain("🔴 Critical (still), remindbot");
    expect(again).to.contain("PostgreSQL is unhealthy (pg_isready)");
    expect(again).to.contain("(60 min)");
  });

  it("a crash loop is reported as one, once, not as a stopped bot; one restart that recovers is not", async () => {
    const env = { WATCH_GRACE_SEC: "0" };
    setContainers("bot", [{ id: "b0b", name: "remindbot-bot-1", status: "running", restarts: 1 }]);
    await round(T0, env);
    setContainers("bot", [{ id: "b0b", name: "remindbot-bot-1", status: "running", restarts: 2 }]);
    await round(T0 + 60, env);
    expect(sent(), "one restart: no incident").to.deep.equal([]);
    setContainers("bot", [{ id: "b0b", name: "remindbot-bot-1", status: "restarting", restarts: 3, exitCode: 1 }]);
    await round(T0 + 120, env);
    setContainers("bot", [{ id: "b0b", name: "remindbot-bot-1", status: "exited", restarts: 4, exitCode: 1 }]);
    await round(T0 + 180, env);
    await round(T0 + 240, env);
    const texts = sent();
    expect(texts).to.have.length(1);
    expect(texts[0]).to.contain(
      "the bot is in a crash loop: 2 restarts, less than 10 min apart; now restarting (exit code 1)",
    );
    expect(status().incidents.map((i) => i.key)).to.deep.equal(["bot_crashloop"]);
    // no restart for the window: over
    setContainers("bot", [{ id: "b0b", name: "remindbot-bot-1", status: "running", restarts: 4 }]);
    await round(T0 + 180 + 600, env);
    expect(sent()[0]).to.match(/^✅ Resolved .*crash loop/);
  });

  it("disk: a warning with the figure, then critical at once, then resolved", async () => {
    const env = { WATCH_GRACE_SEC: "0", WATCH_DISK_WARN_MB: "999999990", WATCH_DISK_CRIT_MB: "0" };
    await round(T0, env);
    const [warning] = sent();
    expect(warning).to.match(
      /⚠️ Warning, remindbot .*: disk \/\S* has \d+ MiB free of \d+ MiB \(warning below 999999990, critical below 0\)/,
    );
    await round(T0 + 60, { ...env, WATCH_DISK_CRIT_MB: "999999980" });
    const [critical] = sent();
    expect(critical).to.match(/🔴 Critical \(still\), remindbot .*critical below 999999980\)/);
    await round(T0 + 120, { ...env, WATCH_DISK_CRIT_MB: "999999980" });
    expect(sent(), "critical said once").to.deep.equal([]);
    await round(T0 + 180);
    expect(sent()[0]).to.match(/^✅ Resolved on .*: disk \//);
    expect(status().disk[0]!.freeMb).to.be.a("number");
  });

  it("backups: a failed run alerts; a newer good dump resolves it; a stale newest one warns", async () => {
    const env = { WATCH_GRACE_SEC: "0" };
    backupUnit({ result: "exit-code", status: 4, at: T0 + 10 });
    await round(T0 + 60, env);
    const [failed] = sent();
    expect(failed).to.contain("the last backup failed (exit-code, exit code 4)");
    expect(failed).to.contain("journalctl -u remindbot-backup");
    expect(status().backup.lastRun).to.include({ result: "exit-code" });
    dump("20270101T010000Z_v1.dump", T0 + 100);
    await round(T0 + 120, env);
    expect(sent()[0]).to.match(/^✅ Resolved .*the last backup failed/);
    await round(T0 + 100 + 2 * 21600 + 1, env);
    expect(sent()[0]).to.contain("the newest backup is older than 12 h: 20270101T010000Z_v1.dump");
  });

  it("off-site copies: a failed or refused copy warns with the reason; the next good copy resolves it", async () => {
    const env = { WATCH_GRACE_SEC: "0" };
    const offsite = (result: string, detail: string) => {
      mkdirSync(join(appDir, "recovery"), { recursive: true });
      writeFileSync(
        join(appDir, "recovery", "offsite.json"),
        JSON.stringify({ at: "2027-01-15T08:00:00Z", result, backup: "20270101T000000Z_v1.dump", detail }) + "\n",
      );
    };
    await round(T0 + 60, env);
    expect(sent(), "nothing recorded yet: nothing to say").to.deep.equal([]);
    offsite("failed", 'backup@far.example:/srv: ssh: connect to host far.example port 22: "Connection refused"');
    await round(T0 + 120, env);
    const [failed, ...more] = sent();
    expect(more).to.deep.equal([]);
    expect(failed).to.contain(
      'the last off-site copy failed (failed): backup@far.example:/srv: ssh: connect to host far.example port 22: "Connection refused"',
    );
    expect(failed).to.contain(`cat ${appDir}/recovery/offsite.json`);
    await round(T0 + 180, env);
    expect(sent(), "no duplicate while it lasts").to.deep.equal([]);
    offsite("ok", "1 copies");
    await round(T0 + 240, env);
    expect(sent()[0]).to.match(/^✅ Resolved .*the last off-site copy failed/);
    offsite("refused", "no age recipient: nothing left the server");
    await round(T0 + 300, env);
    expect(sent()[0]).to.contain("the last off-site copy failed (refused): no age recipient: nothing left the server");
  });

  it("no backup at all: a warning only once backups/ has stayed empty for two intervals", async () => {
    const env = { WATCH_GRACE_SEC: "0" };
    rmSync(join(appDir, "backups"), { recursive: true });
    mkdirSync(join(appDir, "backups"));
    utimesSync(join(appDir, "backups"), T0, T0);
    await round(T0 + 2 * 21600, env);
    expect(sent(), "a new server: nothing to back up yet").to.deep.equal([]);
    await round(T0 + 2 * 21600 + 60, env);
    expect(sent()[0]).to.contain("there is no backup");
  });

  it("ru: the messages in Russian", async () => {
    setContainers("bot", []);
    await round(T0, { WATCH_GRACE_SEC: "0", ALERT_LANG: "ru" });
    const [alert] = sent();
    expect(alert).to.contain("🔴 Критично, remindbot");
    expect(alert).to.contain("бот не запущен: контейнера нет");
    expect(alert).to.contain("Подробнее:");
  });

  it("while a deploy holds the lock the containers are not judged: an open incident stays, nothing is resolved", async () => {
    setContainers("bot", [{ id: "b0b", name: "remindbot-bot-1", status: "exited" }]);
    await round(T0, { WATCH_GRACE_SEC: "0" });
    expect(sent()).to.have.length(1);
    mkdirSync(join(appDir, "lock"));
    setContainers("bot", []);
    await round(T0 + 60, { WATCH_GRACE_SEC: "0" });
    expect(sent()).to.deep.equal([]);
    expect(status().incidents.map((i) => i.key)).to.deep.equal(["bot_down"]);
  });

  it("a message the Bot API refused is sent again at the next round", async () => {
    setContainers("bot", []);
    api.injectFault({ method: "sendMessage", status: 500, count: 6 });
    const r = await round(T0, { WATCH_GRACE_SEC: "0" });
    expect(r.stderr).to.contain("warning: the alert to chat 4242 was not delivered");
    sent();
    expect(status().incidents[0]).to.include({ key: "bot_down", alerted: false });
    await round(T0 + 60, { WATCH_GRACE_SEC: "0" });
    expect(sent()).to.have.length(1);
  });

  it("alerts off without ADMIN_CHAT_IDS: nothing sent, the incidents still kept for status", async () => {
    setContainers("bot", []);
    await round(T0, { WATCH_GRACE_SEC: "0", ADMIN_CHAT_IDS: "" });
    expect(api.calls({ method: "sendMessage", since: seen })).to.deep.equal([]);
    expect(status()).to.include({ alerts: false });
    expect(status().incidents.map((i) => i.key)).to.deep.equal(["bot_down"]);
  });

  it("reads values as compose does when systemd kept an inline comment (' # prod')", async () => {
    setContainers("bot", []);
    await round(T0, {
      WATCH_GRACE_SEC: "0",
      BOT_TOKEN: `${TOKEN} # prod`,
      ADMIN_CHAT_IDS: `${CHATS.join(",")} # the owner`,
      ALERT_LANG: "ru # owner",
    });
    expect(sent()[0]).to.contain("бот не запущен");
  });

  it("the token is in no file it writes and in none of its output", async () => {
    setContainers("bot", []);
    const r = await round(T0, { WATCH_GRACE_SEC: "0" });
    expect(sent()).to.have.length(1);
    for (const f of ["incidents.tsv", "samples.tsv", "status.json", "last-alert.json"]) {
      const path = join(appDir, "watch", f);
      expect(existsSync(path), f).to.equal(true);
      expect(readFileSync(path, "utf8"), f).to.not.contain("watchdogTokenSecretPart");
    }
    expect(r.stdout + r.stderr).to.not.contain("watchdogTokenSecretPart");
  });

  it("refuses a bad setting with exit 2 and one line", async () => {
    const r = await runScript("watchdog.sh", [], { APP_DIR: appDir, ADMIN_CHAT_IDS: "4242,@owner" });
    expect([r.code, r.stderr]).to.deep.equal([
      2,
      "watchdog.sh: error: ADMIN_CHAT_IDS must be chat ids separated by commas, not '@owner'\n",
    ]);
    const g = await runScript("watchdog.sh", [], { APP_DIR: appDir, WATCH_GRACE_SEC: "1m" });
    expect(g.code).to.equal(2);
    expect(g.stderr).to.equal("watchdog.sh: error: WATCH_GRACE_SEC must be a whole number, not '1m'\n");
  });
});
