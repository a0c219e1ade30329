/**
 * Disaster-recovery bench (issue 14), on the sandbox: the ready VDS is the server, the bare VDS the
 * off-site host (test/support/offsite.ts). Figures, printed with their targets, never asserted:
 *
 * 1. `backup create` of a database with BENCH_REMINDERS (default 1,000,000) reminders, with its
 *    encrypted off-site copy (dump, sha256, row counts, age, send, read back);
 * 2. "the server is gone": a new server (sandbox reset + up, reported apart), then `provision`,
 *    `deploy`, `backup restore --from` the off-site copy (download, check, decrypt here, upload,
 *    restore, health): the time from provision to a healthy bot with the data (target < 3 min on a
 *    warm machine), and the restore from off-site alone.
 *
 * Needs root + Docker; otherwise one line and exit 0. Take the sandbox lock first:
 * `flock /tmp/remindbot-sandbox.lock npm run bench -- dr.bench`. Leaves the ready VDS deployed.
 */
import { loadavg } from "node:os";
import {
  APP_DIR,
  compileCli,
  psql as psqlIn,
  scratchRepo,
  show,
  summaryOf,
} from "../../../test/support/deployer-cli.js";
import {
  ageKeyPair,
  far,
  FAR_DIR,
  FAR_FROM_HERE,
  prepareFarHost,
  prepareServerForCopies,
  writeDrTarget,
} from "../../../test/support/offsite.js";
import { dockerAvailable, ensureSandbox } from "../../../test/support/sandbox.js";

const REMINDERS = Math.max(1, Number(process.env.BENCH_REMINDERS ?? 1_000_000));
const LONG_MS = 20 * 60_000;

const avail = await dockerAvailable();
if (!avail.ok) {
  console.log(`dr bench: skipped: ${avail.reason}`);
  process.exit(0);
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(" / ");
const psql = (sql: string) => psqlIn(sql, LONG_MS);
const figures: Array<[string, string]> = [];
function fig(name: string, value: string, target?: string, met?: boolean): void {
  const line = target ? `${value} (target ${target}: ${met ? "met" : "NOT MET"})` : value;
  figures.push([name, line]);
  console.log(`  ${name}: ${line}`);
}

const t0 = Date.now();
await ensureSandbox({ flavour: "bare" });
await ensureSandbox({ fresh: true }); // last: .sandbox/target.json names the ready VDS
const s = await scratchRepo("dr-bench-");
try {
  await s.git("tag", "a");
  await compileCli();
  const { identity, recipient } = ageKeyPair(s.dir);
  writeDrTarget(s.repo, "drbench", recipient);
  await prepareFarHost();
  const cli = async (args: string[]) => {
    const r = await s.start([...args, "--target", "drbench"]).done(LONG_MS);
    if (r.code !== 0) throw new Error(`${args.join(" ")} failed:\n${show(r)}`);
    return r;
  };
  await cli(["provision", "--yes"]);
  await cli(["deploy", "--tag", "a", "--yes"]);
  await prepareServerForCopies();
  console.log(`dr bench: setup (both servers, provision, first deploy) ${secs(Date.now() - t0)}; load ${load()}`);

  const filled = Date.now();
  await psql(
    `INSERT INTO users (id, lang, zone) SELECT 900000000 + g, 'en', 'UTC' FROM generate_series(0, 999) g;
     INSERT INTO reminders (user_id, chat_id, chat_type, text, zone, status, due_at)
     SELECT 900000000 + g % 1000, 900000000 + g % 1000, 'private', 'bench reminder number ' || g, 'UTC', 'active',
            date_trunc('second', now()) + interval '1 day' + g * interval '1 second'
     FROM generate_series(1, ${REMINDERS}) g`,
  );
  const rows = await psql("SELECT count(*) FROM reminders");
  const lastDue = await psql("SELECT max(due_at) FROM reminders");
  console.log(
    `\n1. ${rows} reminders (filled in ${secs(Date.now() - filled)}); backup with an encrypted off-site copy:`,
  );

  const bk = await cli(["backup", "create", "--json"]);
  const name = summaryOf(bk).figures["backup"]!;
  const dumpBytes = Number(await far(`stat -c %s ${FAR_DIR}/${name}.age`, "the copy's size"));
  const listed = JSON.parse((await cli(["backup", "list", "--json"])).stdout) as Array<{
    name: string;
    sizeBytes: number;
  }>;
  const localBytes = listed.find((b) => b.name === name)?.sizeBytes ?? NaN;
  fig(
    "backup create + encrypted off-site copy (time; dump; .age)",
    `${secs(bk.ms)}; ${mb(localBytes)}; ${mb(dumpBytes)}`,
  );

  console.log("\n2. The server is gone: a new server, provision, deploy, restore from the off-site copy:");
  const gone = Date.now();
  await ensureSandbox({ fresh: true });
  fig("a new server (sandbox reset + up; a provider's part, not ours)", secs(Date.now() - gone));
  const started = Date.now();
  const pr = await cli(["provision", "--yes"]);
  const dp = await cli(["deploy", "--tag", "a", "--yes"]);
  const rs = await cli(["backup", "restore", name, "--from", FAR_FROM_HERE, "--identity", identity, "--yes"]);
  const total = Date.now() - started;
  const back = await psql("SELECT count(*) || ' ' || max(due_at) FROM reminders");
  fig(
    "provision to a healthy bot with the data",
    `${secs(total)} (provision ${secs(pr.ms)}, deploy ${secs(dp.ms)}, restore from off-site ${secs(rs.ms)})`,
    "< 3 min",
    total < 180_000,
  );
  fig("restore from off-site alone (download, check, decrypt, upload, restore, health)", secs(rs.ms));
  fig("rows and last due time after the restore", back, `${rows} ${lastDue}`, back === `${rows} ${lastDue}`);

  console.log(`\nSummary (figures printed, not asserted; load ${load()}; ${APP_DIR} on a new server):`);
  for (const [k, v] of figures) console.log(`  ${k}: ${v}`);
} finally {
  s.remove();
}
process.exit(0);
