import { expect } from "chai";
import pg from "pg";
import { freshDatabase } from "./postgres.js";

describe("test helper: freshDatabase", () => {
  it("gives each caller its own real, empty PostgreSQL database", async () => {
    const a = await freshDatabase("helper");
    const b = await freshDatabase("helper");
    expect(a.name).to.not.equal(b.name);
    const ca = new pg.Client({ connectionString: a.url });
    const cb = new pg.Client({ connectionString: b.url });
    await ca.connect();
    await cb.connect();
    try {
      await ca.query("CREATE TABLE t (id int primary key)");
      await ca.query("INSERT INTO t VALUES (1), (2)");
      const { rows } = await ca.query<{ n: string; db: string }>(
        "SELECT count(*) AS n, current_database() AS db FROM t",
      );
      expect(rows[0]).to.deep.equal({ n: "2", db: a.name });
      // The other database does not see the table: isolation between test files.
      const other = await cb.query("SELECT to_regclass('public.t') AS t");
      expect(other.rows[0].t).to.equal(null);
      const version = await ca.query<{ server_version_num: string }>("SHOW server_version_num");
      expect(Number(version.rows[0]?.server_version_num)).to.be.greaterThan(120000);
    } finally {
      await ca.end();
      await cb.end();
    }
    await a.drop();
    await b.drop();
    const c = new pg.Client({ connectionString: b.url });
    let error: unknown;
    await c.connect().catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/does not exist/);
  });
});
