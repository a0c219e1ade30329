/**
 * The scheduler's statements read indexes, not the table, at a realistic size: asserted on the
 * plan's shape (which index, no sequential scan of reminders), never on a timing. The timings at
 * 1,000,000 active rows are in the capacity bench (capacity.bench.ts, docs/BENCHMARKS.md).
 */
import { expect } from "chai";
import { migratedDatabase, type MigratedDatabase } from "./testing/fixtures.js";
import { COUNT_TOWARDS_LIMIT } from "../services/reminders.js";
import * as sql from "./sql.js";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe("scheduler/sql: plans at 100,000 active reminders (real PostgreSQL)", function () {
  this.timeout(60_000);
  let m: MigratedDatabase;
  const at = new Date();

  before(async () => {
    m = await migratedDatabase("scheduler_sql");
    // 100,000 active over the next 30 days, 2,000 more due now (500 of them claimed); 50,000 done.
    await m.ds.query(
      `
      INSERT INTO reminders (user_id, chat_id, chat_type, text, zone, status, due_at)
      SELECT g % 20000, g % 20000, 'private', 'r', 'UTC', 'active', $1::timestamptz + interval '1 hour' + g * interval '24 seconds'
      FROM generate_series(1, 100000) g`,
      [at],
    );
    await m.ds.query(
      `
      INSERT INTO reminders (user_id, chat_id, chat_type, text, zone, status, due_at, claimed_by, claimed_until)
      SELECT g % 2000, g % 2000, 'private', 'r', 'UTC', 'active', $1::timestamptz - g * interval '1 second',
             CASE WHEN g <= 500 THEN 'other' END, CASE WHEN g <= 500 THEN $1::timestamptz + interval '1 minute' END
      FROM generate_series(1, 2000) g`,
      [at],
    );
    await m.ds.query(
      `
      INSERT INTO reminders (user_id, chat_id, chat_type, text, zone, status, due_at)
      SELECT g % 20000, g % 20000, 'private', 'r', 'UTC', 'done', $1::timestamptz - g * interval '1 minute'
      FROM generate_series(1, 50000) g`,
      [at],
    );
    await m.ds.query(`ANALYZE reminders`);
  });
  after(async () => {
    await m?.close();
  });

  async function plan(text: string, params: unknown[]): Promise<PlanNode[]> {
    const [row] = (await m.ds.query(`EXPLAIN (FORMAT JSON) ${text}`, params)) as {
      "QUERY PLAN": { Plan: PlanNode }[];
    }[];
    return nodes(row!["QUERY PLAN"][0]!.Plan);
  }

  const scansOfReminders = (all: PlanNode[]) => all.filter((n) => n["Relation Name"] === "reminders");

  it("the claim reads the due rows from the partial due index, never the whole table", async () => {
    const all = await plan(sql.CLAIM, ["me", 100, 60_000, at, [1, 2, 3], 2]);
    const scans = scansOfReminders(all);
    expect(scans.map((n) => n["Node Type"])).to.not.include("Seq Scan");
    expect(scans.some((n) => /Index/.test(n["Node Type"]) && n["Index Name"] === "reminders_due_active_idx")).to.equal(
      true,
    );
  });

  it("the next wake reads one entry of the due index and one of the claimed index", async () => {
    const all = await plan(sql.NEXT_WAKE, [at]);
    const scans = scansOfReminders(all);
    expect(scans.map((n) => n["Node Type"])).to.not.include("Seq Scan");
    expect(scans.map((n) => n["Index Name"])).to.include.members([
      "reminders_due_active_idx",
      "reminders_claimed_active_idx",
    ]);
    expect(all.filter((n) => n["Node Type"] === "Limit")).to.have.length(2);
  });

  it("the per-user limit counts through the user index", async () => {
    const all = await plan(COUNT_TOWARDS_LIMIT, [42, null]);
    expect(scansOfReminders(all).map((n) => n["Node Type"])).to.not.include("Seq Scan");
    expect(all.map((n) => n["Index Name"])).to.include("reminders_user_status_idx");
  });
});
