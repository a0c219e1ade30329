// e2e, issue 8's seed verification scenario: one story on a fresh sandbox VDS (a new server from the
// cached seed), the tests in order, each building on the one before: provision (twice: the second
// changes nothing), deploy tag A, a Telegram user (through the fake Bot API) onboards and creates a
// reminder due in a minute and one due in an hour, the first is delivered, the server reboots and
// the bot comes back by itself with the second still there, deploy B, roll back to A, backup /
// change / restore, and the properties of the running stack: units and timer, .env's mode, no way
// into PostgreSQL from outside its network, logging and limits as docker-compose.prod.yml says,
// non-root containers. Root + Docker; skipped with one line otherwise.
import { expect } from "chai";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { callbackQuery, message } from "@remindbot/fake-telegram/client";
import type { FakeBotApiClient } from "@remindbot/fake-telegram/client";
import type { CallRecord } from "@remindbot/fake-telegram";
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
  summaryOf,
  waitFor,
} from "../support/deployer-cli.js";
import type { ScratchRepo } from "../support/deployer-cli.js";
import { fakeBotApi, restartSandbox, sandboxEnv, sandboxSsh, useSandbox } from "../support/sandbox.js";

/** A Telegram user in a private chat with the deployed bot (chat id = user id), English. */
class TelegramUser {
  constructor(
    readonly api: FakeBotApiClient,
    readonly token: string,
    readonly id: number,
  ) {}

  /** Sends `text` and waits for the bot's sendMessage to this chat whose text matches `reply`. */
  async say(text: string, reply: RegExp, timeoutMs = 30_000): Promise<CallRecord> {
    const since = await this.api.cursor();
    await this.api.pushUpdate(message(this.id, text, { languageCode: "en" }), this.token);
    return this.waitFor("sendMessage", reply, since, timeoutMs, `the answer to "${text}"`);
  }

  /** Presses an inline button under `messageId`; waits for the bot's `method` call matching `reply`. */
  async press(messageId: number, data: string, method: string, reply: RegExp): Promise<CallRecord> {
    const since = await this.api.cursor();
    await this.api.pushUpdate(
      callbackQuery(this.id, messageId, data, { id: this.id, first_name: "Scenario", language_code: "en" }),
      this.token,
    );
    return this.waitFor(method, reply, since, 30_000, `the answer to the button ${data}`);
  }

  waitFor(method: string, text: RegExp, since: number, timeoutMs: number, what: string): Promise<CallRecord> {
    return this.api
      .waitForCall(
        (c) =>
          c.method === method &&
          c.response.ok &&
          String(c.params["chat_id"]) === String(this.id) &&
          text.test(String(c.params["text"] ?? "")),
        timeoutMs,
        { since },
      )
      .catch((e: Error) => {
        throw new Error(`${what}: no ${method} matching ${String(text)} to chat ${this.id}: ${e.message}`);
      });
  }
}

const messageIdOf = (c: CallRecord) => (c.response.result as { message_id: number }).message_id;

/** The callback_data of the inline button whose data matches `re`. */
function buttonData(c: CallRecord, re: RegExp): string {
  const markup = c.params["reply_markup"] as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | string;
  const kb = (typeof markup === "string" ? JSON.parse(markup) : markup) as {
    inline_keyboard?: Array<Array<{ callback_data?: string }>>;
  };
  const data = (kb.inline_keyboard ?? []).flat().map((b) => b.callback_data ?? "");
  const found = data.find((d) => re.test(d));
  if (!found)
    throw new Error(`no button matching ${String(re)} under "${String(c.params["text"])}": ${data.join(", ")}`);
  return found;
}

/** docker-compose.prod.yml's "512M" / "1G" as bytes (Docker's units: powers of 1024). */
function bytesOf(size: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(size.trim());
  if (!m) throw new Error(`not a size: ${size}`);
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g"];
  return Math.round(Number(m[1]) * unit);
}

interface ComposeService {
  profiles?: string[];
  logging?: { driver?: string; options?: Record<string, string> };
  deploy?: { resources?: { limits?: { memory?: string; cpus?: string } } };
}

describe("seed verification scenario (issue 8) on a fresh sandbox VDS (e2e)", function () {
  let s: ScratchRepo;
  let user: TelegramUser;
  // a new chat on a new server: these texts are this user's only reminders
  const SOON = "water the plants";
  const LATER = "call mom";
  let soonId = 0;
  let laterId = 0;
  let laterDue = "";
  /** The fake's cursor once both drafts were confirmed: sendMessage calls after it are deliveries. */
  let confirmedAt = 0;
  let backupName = "";

  const cli = (args: string[], timeoutMs?: number) => s.cli(args, timeoutMs);

  before(async function () {
    const t0 = Date.now();
    await useSandbox(this, { fresh: true });
    logDuration("a fresh sandbox", Date.now() - t0);
    s = await scratchRepo("scenario-e2e-");
    await s.git("tag", "a");
    await s.tagWith("b", (src) => `${src}\n// b: a one-line change\n`);
    await compileCli();
    const api = fakeBotApi();
    user = new TelegramUser(api, sandboxEnv()["BOT_TOKEN"]!, 600_000_000 + Math.floor(Math.random() * 1_000_000));
  });

  after(() => s?.remove());

  it("provisions the server; a second provision changes nothing and says so", async () => {
    const first = await cli(["provision", "--yes", "--json"], 5 * 60_000);
    expect(first.code, show(first)).to.equal(0);
    expect(summaryOf(first).ok, show(first)).to.equal(true);
    const second = await cli(["provision", "--yes", "--json"], 5 * 60_000);
    expect(second.code, show(second)).to.equal(0);
    expect(summaryOf(second), show(second)).to.deep.include({
      ok: true,
      message: "provision: nothing changed (the server was already prepared)",
    });
    expect(summaryOf(second).figures["changes"]).to.equal("0");
    logDuration("provision, twice", first.ms + second.ms);
  });

  it("deploys tag A (first deploy); the bot answers /start", async () => {
    const r = await cli(["deploy", "--tag", "a", "--yes"], 14 * 60_000);
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout).to.match(/done: deployed a/);
    expect(await s.currentTag()).to.equal("a");
    await expectAnswersStart("after deploying A");
    logDuration("deploy A (first deploy)", r.ms);
  });

  it("a user onboards and creates a reminder due in a minute and one due in an hour", async () => {
    const start = await user.say("/start", /Choose your language|Выберите язык/);
    await user.press(messageIdOf(start), buttonData(start, /^lang:en/), "sendMessage", /time zone/i);
    await user.say("UTC", /Time zone: .*UTC/);

    for (const [text, when, expectMin] of [
      [SOON, "in 1 minute", 1],
      [LATER, "in 1 hour", 60],
    ] as const) {
      const draft = await user.say(`${when} ${text}`, new RegExp(text));
      const ok = buttonData(draft, /^ok:\d+$/);
      const id = Number(ok.slice(3));
      await user.press(messageIdOf(draft), ok, "editMessageText", new RegExp(text));
      const row = (
        await psql(`SELECT status, round(extract(epoch FROM due_at - now()) / 60) FROM reminders WHERE id = ${id}`)
      )
        .split("|")
        .map((x) => x.trim());
      expect(row[0], `reminder ${id} ("${text}") after the confirm button`).to.equal("active");
      expect(Number(row[1]), `reminder ${id} due in about ${expectMin} min`).to.be.within(expectMin - 1, expectMin);
      if (text === SOON) soonId = id;
      else laterId = id;
    }
    laterDue = await psql(`SELECT due_at FROM reminders WHERE id = ${laterId}`);
    confirmedAt = await user.api.cursor();
  });

  it("delivers the first reminder on time, once", async () => {
    const t0 = Date.now();
    const sent = await user.waitFor("sendMessage", new RegExp(SOON), confirmedAt, 180_000, `the delivery of "${SOON}"`);
    logDuration("waiting for the first delivery", Date.now() - t0);
    expect(String(sent.params["text"])).to.not.match(/late|опозд/i);
    expect(
      await psql(
        `SELECT count(*) || ' ' || coalesce(bool_or(late)::text, '-') FROM deliveries WHERE reminder_id = ${soonId}`,
      ),
    ).to.equal("1 false");
    expect(await psql(`SELECT status FROM reminders WHERE id = ${soonId}`)).to.equal("done");
  });

  it("after a reboot of the server the bot comes back by itself; the second reminder is still there", async () => {
    const t0 = Date.now();
    await restartSandbox();
    await waitFor("remindbot.service active after the reboot", 180_000, async () => {
      const r = await sandboxSsh("systemctl is-active remindbot.service");
      return r.stdout.trim() === "active" ? true : undefined;
    });
    await waitFor("the bot healthy after the reboot", 180_000, async () => {
      const bot = await runningBot();
      if (!bot) return undefined;
      const r = await sandboxSsh(`docker inspect --format '{{.State.Health.Status}}' ${bot}`);
      return r.stdout.trim() === "healthy" ? true : undefined;
    });
    logDuration("reboot until the bot is healthy", Date.now() - t0);
    await expectAnswersStart("after the reboot");
    expect(await psql(`SELECT status || ' ' || due_at FROM reminders WHERE id = ${laterId}`)).to.equal(
      `active ${laterDue}`,
    );
    const sends = (await user.api.calls({ method: "sendMessage", chatId: user.id, since: confirmedAt })).filter(
      (c) => c.response.ok && String(c.params["text"]).includes(SOON),
    );
    expect(sends.length, "the first reminder is not sent again after the reboot").to.equal(1);
  });

  it("deploys tag B", async () => {
    const r = await cli(["deploy", "--tag", "b", "--yes"]);
    expect(r.code, show(r)).to.equal(0);
    expect(await s.currentTag()).to.equal("b");
    await expectAnswersStart("after deploying B");
    expect(await psql(`SELECT status FROM reminders WHERE id = ${laterId}`)).to.equal("active");
    logDuration("deploy B", r.ms);
  });

  it("rolls back to A", async () => {
    const r = await cli(["rollback", "--to", "a", "--yes"]);
    expect(r.code, show(r)).to.equal(0);
    expect(await s.currentTag()).to.equal("a");
    await expectAnswersStart("after the rollback to A");
    expect(await psql(`SELECT status FROM reminders WHERE id = ${laterId}`)).to.equal("active");
    logDuration("rollback to A", r.ms);
  });

  it("backs up, lists and pulls; after a change, restore brings the data back as at the backup", async () => {
    const c = await cli(["backup", "create", "--json"], 5 * 60_000);
    expect(c.code, show(c)).to.equal(0);
    backupName = summaryOf(c).figures["backup"] ?? "";
    expect(backupName, c.stdout).to.match(/^\d{8}T\d{6}Z_a_manual\.dump$/);

    const l = await cli(["backup", "list", "--json"], 60_000);
    expect(l.code, show(l)).to.equal(0);
    const listed = (JSON.parse(l.stdout) as Array<{ name: string; sizeBytes: number }>).find(
      (b) => b.name === backupName,
    );
    expect(listed, `backup list shows ${backupName}: ${l.stdout}`).to.not.equal(undefined);
    const dest = join(s.dir, "pulled.dump");
    const p = await cli(["backup", "pull", backupName, "--output", dest], 2 * 60_000);
    expect(p.code, show(p)).to.equal(0);
    expect(statSync(dest).size, "the pulled file has the listed size").to.equal(listed!.sizeBytes);
    expect(readFileSync(dest).subarray(0, 5).toString(), "a pg_dump custom-format file").to.equal("PGDMP");

    // the change: the second reminder is gone, a new user appeared
    await psql(`DELETE FROM reminders WHERE id = ${laterId}; INSERT INTO users (id, lang) VALUES (4343434343, 'ru')`);
    const r = await cli(["backup", "restore", backupName, "--yes"], 5 * 60_000);
    expect(r.code, show(r)).to.equal(0);
    expect(await psql(`SELECT status || ' ' || due_at FROM reminders WHERE id = ${laterId}`)).to.equal(
      `active ${laterDue}`,
    );
    expect(await psql("SELECT count(*) FROM users WHERE id = 4343434343"), "the user added after the backup").to.equal(
      "0",
    );
    await expectAnswersStart("after the restore");
    logDuration("backup + restore", c.ms + r.ms);
  });

  it("the units are enabled, the backup timer active with the next run within 6 h; .env is 0600 owned by deploy", async () => {
    expect(await root("systemctl is-enabled remindbot.service remindbot-backup.timer", "is-enabled")).to.equal(
      "enabled\nenabled",
    );
    expect(await root("systemctl is-active remindbot-backup.timer", "is-active")).to.equal("active");
    const st = await cli(["status", "--json"], 60_000);
    expect(st.code, show(st)).to.equal(0);
    const status = JSON.parse(st.stdout) as { nextBackup?: string; currentRelease?: string };
    expect(status.currentRelease).to.equal("a");
    const next = Date.parse(status.nextBackup ?? "");
    expect(next, `next backup ${status.nextBackup}`).to.be.above(Date.now());
    // OnCalendar every 6 h, plus RandomizedDelaySec=5min
    expect(next - Date.now(), `next backup ${status.nextBackup}`).to.be.at.most((6 * 60 + 5) * 60_000);
    expect(await root(`stat -c '%a %U' ${APP_DIR}/shared/.env`, "stat .env")).to.equal("600 deploy");
  });

  it("PostgreSQL is reachable from its compose network only: no published port, no other network", async () => {
    const listening = await root("ss -Hltn", "ss -ltn");
    expect(listening, "a listener on port 5432 on the server").to.not.match(/:5432\b/);
    const ports = await root(
      `docker inspect -f '{{json .HostConfig.PortBindings}} {{json .NetworkSettings.Ports}}' ${POSTGRES_CONTAINER}`,
      "postgres ports",
    );
    expect(ports, "postgres publishes no port").to.not.match(/HostPort/);
    const networks = JSON.parse(
      await root(`docker inspect -f '{{json .NetworkSettings.Networks}}' ${POSTGRES_CONTAINER}`, "networks"),
    ) as Record<string, { IPAddress: string }>;
    expect(Object.keys(networks), "postgres's networks").to.deep.equal(["remindbot-net"]);
    const probe = (network: string, ip: string) =>
      sandboxSsh(
        `docker run --rm --network ${network} --entrypoint pg_isready postgres:17-bookworm -h ${ip} -p 5432 -t 3`,
        { timeoutMs: 60_000 },
      );
    // a container on the same network gets an answer: the probe itself works
    for (const { IPAddress } of Object.values(networks)) {
      const inside = await probe("remindbot-net", IPAddress);
      expect(inside.code, `pg_isready from remindbot-net: ${inside.stdout}${inside.stderr}`).to.equal(0);
      const outside = await probe("bridge", IPAddress);
      // 2: no response (Docker drops traffic between networks); 0 or 1 would be an answer
      expect(outside.code, `pg_isready from Docker's default bridge: ${outside.stdout}${outside.stderr}`).to.equal(2);
    }
  });

  it("every container logs json-file with rotation and has the limits of docker-compose.prod.yml", async () => {
    const compose = parseYaml(readFileSync(join(s.repo, "docker-compose.prod.yml"), "utf8")) as {
      services: Record<string, ComposeService>;
    };
    // the services that run here (the opt-in /health publisher, behind its profile, does not)
    const running = Object.entries(compose.services).filter(([, svc]) => !svc.profiles);
    expect(running.map(([name]) => name).sort()).to.deep.equal(["bot", "postgres"]);
    for (const [name, svc] of running) {
      const container = name === "bot" ? await botContainer() : POSTGRES_CONTAINER;
      const got = JSON.parse(
        await root(
          `docker inspect -f '{"log":{{json .HostConfig.LogConfig}},"memory":{{.HostConfig.Memory}},"nanoCpus":{{.HostConfig.NanoCpus}}}' ${container}`,
          `docker inspect ${container}`,
        ),
      ) as { log: { Type: string; Config: Record<string, string> }; memory: number; nanoCpus: number };
      const limits = svc.deploy?.resources?.limits ?? {};
      expect(svc.logging?.driver, `${name}: the compose file's logging`).to.equal("json-file");
      expect(svc.logging?.options, `${name}: the compose file's rotation`).to.deep.equal({
        "max-size": "10m",
        "max-file": "3",
      });
      expect(got.log.Type, `${container} log driver`).to.equal(svc.logging?.driver);
      expect(got.log.Config, `${container} log options`).to.deep.include(svc.logging?.options ?? {});
      expect(limits.memory, `${name}: a memory limit in the compose file`).to.be.a("string");
      expect(limits.cpus, `${name}: a CPU limit in the compose file`).to.be.a("string");
      expect(got.memory, `${container} memory limit`).to.equal(bytesOf(limits.memory!));
      expect(got.nanoCpus, `${container} CPU limit`).to.equal(Math.round(Number(limits.cpus) * 1e9));
    }
  });

  it("the containers run as non-root: the bot as its image's user, PostgreSQL's server as postgres", async () => {
    const bot = await botContainer();
    const configured = await root(`docker inspect -f '{{.Config.User}}' ${bot}`, "bot's user");
    expect(configured, "the bot image's USER").to.not.be.oneOf(["", "root", "0", "0:0"]);
    expect(await root(`docker exec ${bot} id -u`, "id -u in the bot")).to.not.equal("0");
    const pgUid = await root(`docker exec ${POSTGRES_CONTAINER} id -u postgres`, "postgres's uid");
    expect(pgUid).to.not.equal("0");
    const top = await root(`docker top ${POSTGRES_CONTAINER} -eo uid,pid,args`, "docker top postgres");
    const servers = top
      .split("\n")
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.slice(2).join(" ").startsWith("postgres"));
    expect(servers.length, `postgres processes:\n${top}`).to.be.above(0);
    for (const f of servers) expect(f[0], `a postgres process runs as root:\n${top}`).to.equal(pgUid);
  });
});
