import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withLock } from "./lock.js";

describe("sandbox lock", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "sandbox-lock-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs one holder at a time and frees the lock after a failure", async () => {
    const lock = join(dir, "lock");
    const order: string[] = [];
    const step = (name: string) => async () => {
      order.push(`${name} in`);
      await new Promise((r) => setTimeout(r, 50));
      order.push(`${name} out`);
      if (name === "a") throw new Error("a failed");
    };
    const waits: string[] = [];
    const a = withLock("a", step("a"), () => undefined, lock);
    const b = withLock("b", step("b"), (l) => waits.push(l), lock);
    await Promise.allSettled([a, b]);
    expect(order).to.deep.equal(["a in", "a out", "b in", "b out"]);
    expect(waits[0]).to.match(/waiting for another sandbox operation \(a, pid \d+\)/);
    expect(existsSync(lock)).to.equal(false);
  });

  it("takes over a lock whose holder died", async () => {
    const lock = join(dir, "lock");
    mkdirSync(lock);
    writeFileSync(join(lock, "holder.json"), JSON.stringify({ pid: 2 ** 22 + 1, what: "up ready" }));
    expect(
      await withLock(
        "up",
        () => Promise.resolve("ran"),
        () => undefined,
        lock,
      ),
    ).to.equal("ran");
  });
});
