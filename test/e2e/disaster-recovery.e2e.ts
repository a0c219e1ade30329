// e2e, issue 14: disaster recovery on the sandbox. The ready VDS is the server; the bare VDS is the
// off-site host (an account `backup` that only the server's key reaches, host key pinned). In order,
// each row building on the one before: deploy with data; a backup changed on disk is refused by
// checksum; off-site copies without an age recipient are refused and nothing reaches the far host;
// with one, only ciphertext arrives, checked; then "the server is gone": a new server, provision,
// deploy, restore from the off-site copy (decrypted on this machine), and the bot lists the same
// reminders with their due times. Root + Docker; skipped with one line otherwise.
import { expect } from "chai";
import { message } from "@remindbot/fake-telegram/client";
import { APP_DIR, compileCli, logDuration, psql, root, scratchRepo, show, summaryOf } from "../support/deployer-cli.js";
import type { ScratchRepo } from "../support/deployer-cli.js";
import {
  ageKeyPair,
  far,
  FAR_DIR,
  FAR_FROM_HERE,
  FAR_FROM_SERVER,
  prepareFarHost,
  prepareServerForCopies,
  writeDrTarget,
} from "../support/offsite.js";
import { ensureSandbox, fakeBotApi, sandboxEnv, sandboxSsh, useSandbox } from "../support/sandbox.js";

const USER_ID = 700_000_000 + Math.floor(Math.random() * 1_000_000);
const REMINDERS = ["call mom about the tickets", "dentist appointment"];

describe("disaster recovery (issue 14): checksums, encrypted off-site copies, the server is gone (e2e)", function () {
  let s: ScratchRepo;
  let recipient = "";
  let identity = "";
  let offsiteName = "";
  const dueTimes: string[] = [];
  const t0 = Date.now();
  const cli = (args: string[], timeoutMs = 8 * 60_000) => s.start([...args, "--target", "dr"]).done(timeoutMs);
  /** `status`'s text; a failed status fails the row with what it said. */
  const status = async () => {
    const r = await cli(["status"], 60_000);
    expect(r.code, show(r)).to.equal(0);
    return r.stdout;
  };

  before(async function () {
    await useSandbox(this, { flavour: "bare" });
    // A fresh server: what another file or developer left there (a database with other
    // credentials, releases without these scripts) is not this story's. Last: target.json names it.
    await useSandbox(this, { fresh: true });
    s = await scratchRepo("dr-e2e-");
    await s.git("tag", "a");
    await compileCli();
    ({ identity, recipient } = ageKeyPair(s.dir));
    writeDrTarget(s.repo, "dr", recipient);
    await prepareFarHost();
    logDuration("dr e2e setup (both servers up)", Date.now() - t0);
  });

  after(() => s?.remove());

  it("deploys, with a user and two reminders in the database", async () => {
    const p = await cli(["provision", "--yes"], 5 * 60_000);
    expect(p.code, show(p)).to.equal(0);
    const d = await cli(["deploy", "--tag", "a", "--yes"], 14 * 60_000);
    expect(d.code, show(d)).to.equal(0);
    await psql(
      `INSERT INTO users (id, lang, zone) VALUES (${USER_ID}, 'en', 'UTC') ON CONFLICT (id) DO NOTHING; ` +
        REMINDERS.map(
          (text, i) =>
            `INSERT INTO reminders (user_id, chat_id, chat_type, text, zone, status, due_at) VALUES ` +
            `(${USER_ID}, ${USER_ID}, 'private', '${text}', 'UTC', 'active', date_trunc('second', now()) + interval '${i + 2} days')`,
        ).join("; "),
    );
    for (const text of REMINDERS)
      dueTimes.push(await psql(`SELECT due_at FROM reminders WHERE user_id = ${USER_ID} AND text = '${text}'`));
    await prepareServerForCopies();
  });

  it("a backup changed on the server after it was written is refused by its sha256; nothing is touched", async () => {
    const c = await cli(["backup", "create", "--json"], 5 * 60_000);
    expect(c.code, show(c)).to.equal(0);
    const name = summaryOf(c).figures["backup"]!;
    const l = await cli(["backup", "list", "--json"], 60_000);
    const listed = (JSON.parse(l.stdout) as Array<{ name: string; checksum?: string; rule?: string }>).find(
      (b) => b.name === name,
    );
    expect(listed, l.stdout).to.deep.include({ checksum: "sha256", rule: "newest" });

    // One byte of the dump changed in place (a disk error, or someone's hand).
    await root(
      `printf '\\377' | dd of=${APP_DIR}/backups/${name} bs=1 seek=2000 conv=notrunc status=none`,
      "changing one byte",
    );
    await psql(`UPDATE reminders SET text = 'changed' WHERE user_id = ${USER_ID} AND text = '${REMINDERS[0]}'`);
    const r = await cli(["backup", "restore", name, "--yes"], 5 * 60_000);
    expect(r.code, show(r)).to.not.equal(0);
    expect(r.stdout + r.stderr).to.match(/checksum mismatch/);
    // Not restored: the change stands (and is undone by hand for the rows below).
    expect(await psql(`SELECT count(*) FROM reminders WHERE user_id = ${USER_ID} AND text = 'changed'`)).to.equal("1");
    await psql(`UPDATE reminders SET text = '${REMINDERS[0]}' WHERE user_id = ${USER_ID} AND text = 'changed'`);
    await root(`rm -f ${APP_DIR}/backups/${name} ${APP_DIR}/backups/${name}.*`, "removing the spoilt backup");
  });

  it("off-site copies without an age recipient are refused in one line; nothing reaches the far host", async () => {
    await far(`rm -f ${FAR_DIR}/*`, "emptying the far folder (the row before sent a copy)");
    const r = await sandboxSsh(
      `cd / && env APP_DIR=${APP_DIR} BACKUP_OFFSITE=${FAR_FROM_SERVER} BACKUP_MIN_FREE_MB=256 ${APP_DIR}/current/remote/bin/backup.sh`,
      { user: "deploy" },
    );
    expect(r.code, r.stderr).to.equal(0); // the local backup stands
    expect(r.stderr).to.match(/off-site copy refused: no age recipient .*nothing left the server/);
    expect(await far(`ls -A ${FAR_DIR}`, "the far folder")).to.equal("");
    expect(await status()).to.match(/off-site copy: REFUSED at /);
  });

  it("with the recipient, `backup create` sends an encrypted copy: only ciphertext arrives, its size and sha256 checked", async () => {
    const c = await cli(["backup", "create", "--json"], 10 * 60_000);
    expect(c.code, show(c)).to.equal(0);
    offsiteName = summaryOf(c).figures["backup"]!;
    const files = (await far(`ls -A ${FAR_DIR}`, "the far folder")).split("\n");
    expect(files).to.include.members([`${offsiteName}.age`, `${offsiteName}.age.sha256`]);
    expect(
      files.filter((f) => !f.endsWith(".age") && !f.endsWith(".age.sha256")),
      "no plaintext there",
    ).to.deep.equal([]);
    expect(await far(`head -c 21 ${FAR_DIR}/${offsiteName}.age`, "the header")).to.equal("age-encryption.org/v1");
    expect(await far(`cd ${FAR_DIR} && sha256sum -c ${offsiteName}.age.sha256`, "its sha256")).to.match(/: OK$/);
    expect(await status()).to.match(/off-site copy: ok at \S+ \(/);
  });

  it("a restore drill passes on the newest backup and fails, saying so, on a corrupted one; status shows the last", async () => {
    const ok = await cli(["backup", "drill", "--json"], 10 * 60_000);
    expect(ok.code, show(ok)).to.equal(0);
    expect(await status()).to.match(/last restore drill: ok at \S+ \(/);
    expect(await psql("SELECT count(*) FROM pg_database WHERE datname LIKE '%\\_drill'")).to.equal("0");

    // A copy of the newest backup with one byte changed becomes the newest: the drill takes it.
    const spoilt = offsiteName.replace(/^(\d{8}T\d{6})Z/, (_m, t: string) => `${t.slice(0, 8)}T235959Z`);
    await root(
      `cd ${APP_DIR}/backups && cp -p ${offsiteName} ${spoilt} && cp -p ${offsiteName}.sha256 ${spoilt}.sha256 && ` +
        `printf '\\377' | dd of=${spoilt} bs=1 seek=3000 conv=notrunc status=none && chown deploy ${spoilt}*`,
      "a spoilt newest backup",
    );
    const bad = await cli(["backup", "drill"], 10 * 60_000);
    expect(bad.code, show(bad)).to.not.equal(0);
    expect(bad.stdout + bad.stderr).to.match(/restore drill of .* failed: checksum mismatch/);
    expect(await status()).to.match(/last restore drill: FAILED at \S+ \(.*\): checksum mismatch/);
    await root(`rm -f ${APP_DIR}/backups/${spoilt} ${APP_DIR}/backups/${spoilt}.*`, "removing it");
  });

  it("the server is gone: a new server, provision, deploy, restore from the off-site copy; the bot lists the same reminders", async () => {
    const destroyed = Date.now();
    await ensureSandbox({ fresh: true }); // a new server: new disk, new host keys
    const started = Date.now();
    logDuration("a new server (sandbox reset + up)", started - destroyed);

    const p = await cli(["provision", "--yes"], 5 * 60_000);
    expect(p.code, show(p)).to.equal(0);
    const d = await cli(["deploy", "--tag", "a", "--yes"], 14 * 60_000);
    expect(d.code, show(d)).to.equal(0);
    expect(await psql(`SELECT count(*) FROM reminders WHERE user_id = ${USER_ID}`)).to.equal("0");

    const r = await cli(
      ["backup", "restore", offsiteName, "--from", FAR_FROM_HERE, "--identity", identity, "--yes"],
      10 * 60_000,
    );
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout).to.match(/\.age: sha256 matches/);
    expect(r.stdout).to.match(/decrypted .*\.age on this machine/);
    const recovered = Date.now();
    logDuration("the server is gone: provision to a healthy bot with the data", recovered - started);

    for (const [i, text] of REMINDERS.entries())
      expect(await psql(`SELECT due_at FROM reminders WHERE user_id = ${USER_ID} AND text = '${text}'`)).to.equal(
        dueTimes[i],
      );
    const api = fakeBotApi();
    const token = sandboxEnv()["BOT_TOKEN"]!;
    const since = await api.cursor();
    await api.pushUpdate(message(USER_ID, "/list", { languageCode: "en" }), token);
    const listed = await api.waitForCall(
      (c) => c.method === "sendMessage" && String(c.params["chat_id"]) === String(USER_ID) && c.response.ok,
      30_000,
      { since },
    );
    for (const text of REMINDERS) expect(String(listed.params["text"])).to.include(text);
    // provision installed the drill's timer and the backup unit with this target's copies.
    expect(await root("systemctl is-active remindbot-drill.timer remindbot-backup.timer", "timers")).to.equal(
      "active\nactive",
    );
    expect(await root("systemctl show -p Environment remindbot-backup.service", "the backup unit")).to.include(
      `BACKUP_OFFSITE=${FAR_FROM_SERVER}`,
    );
    // The key never went to the server.
    expect(
      await root(`grep -rl AGE-SECRET-KEY ${APP_DIR} /root /home 2>/dev/null || true`, "looking for the key"),
    ).to.equal("");
    logDuration("dr e2e file", Date.now() - t0);
  });
});
