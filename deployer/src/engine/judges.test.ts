import { expect } from "chai";
import { remoteChecks } from "../commands/checks.js";
import { layout } from "../commands/layout.js";
import {
  active,
  backupTaken,
  check,
  drillPassed,
  gate,
  lastLine,
  newContainer,
  parseBotState,
  migrationStatus,
} from "./judges.js";

const res = (stdout: string, code = 0) => ({ code, stdout, stderr: "" });
const state = (s: Record<string, unknown>, restarts = 0, http?: string, body?: unknown) =>
  res([`${JSON.stringify(s)}\t${restarts}`, http ?? "-", body === undefined ? "" : JSON.stringify(body)].join("\n"));
const running = { Status: "running", Running: true, Health: { Status: "starting" } };

describe("judges", () => {
  it("the deploy's clock check never fails a deploy: synchronised is a note, anything else a warning", () => {
    const c = remoteChecks(layout("/opt/remindbot")).find((x) => x.id === "clock")!;
    const judge = check(c, 1024);
    const clock = (synced: string, offset = "") =>
      judge(res(`source=timesyncd\nactive=yes\nsynchronized=${synced}\noffset_ms=${offset}\n`));
    expect(clock("yes", "0.412")).to.deep.equal({ ok: true, note: "clock synchronised (timesyncd, offset +0.4 ms)" });
    const why = "reminders are only as punctual as this clock (provision turns time synchronisation on)";
    expect(clock("no")).to.deep.equal({
      ok: true,
      note: "clock NOT synchronised (timesyncd)",
      warn: `the server's clock: NOT synchronised (timesyncd); ${why}`,
    });
    expect(judge(res("source=none\nactive=no\nsynchronized=unknown\noffset_ms=\n"))).to.deep.include({
      ok: true,
      warn: `the server's clock: unknown (no time service); ${why}`,
    });
    // an older server without `checks.sh clock`, or one whose script failed: still a warning, not a failure
    expect(judge({ code: 2, stdout: "", stderr: "checks.sh: error: unknown command 'clock'" })).to.deep.equal({
      ok: true,
      note: "cannot read the clock's state",
      warn: `the server's clock: its state could not be read; ${why}`,
    });
  });

  it("parseBotState reads Docker's state, the restart count and the bot's /health answer", () => {
    const s = parseBotState(state(running, 2, "HTTP/1.1 200 OK", { ok: true, role: "standby" }).stdout)!;
    expect(s).to.deep.include({ running: true, restarts: 2, http: 200, dockerHealth: "starting" });
    expect(s.body?.role).to.equal("standby");
    expect(parseBotState("not json")).to.equal(undefined);
  });

  it("gate: ready as standby passes; starting waits; exited, restarted, OOM or unhealthy fail with exit 4", () => {
    expect(gate(state(running, 0, "HTTP/1.1 200 OK", { ok: true, role: "standby" }))).to.deep.include({ ok: true });
    expect(
      gate(state(running, 0, "HTTP/1.1 503 Service Unavailable", { ok: false, reason: "database" })),
    ).to.have.property("wait");
    expect(gate(state(running))).to.have.property("wait");
    for (const bad of [
      state({ Status: "exited", Running: false, ExitCode: 1 }),
      state(running, 1),
      state({ ...running, OOMKilled: true }),
      state({ ...running, Health: { Status: "unhealthy" } }),
    ])
      expect(gate(bad)).to.deep.include({ ok: false, exitCode: 4 });
  });

  it("active: only a bot that says it holds the lease and polls; the gap becomes a figure", () => {
    expect(active(state(running, 0, "HTTP/1.1 200 OK", { ok: true, role: "standby" }))).to.have.property("wait");
    const v = active(state(running, 0, "HTTP/1.1 200 OK", { ok: true, role: "active", handover: { gapMs: 120 } }));
    expect(v).to.deep.include({ ok: true });
    expect((v as { figures?: Record<string, string> }).figures?.["polling gap"]).to.match(/^0\.12 s/);
    expect(active(state({ Status: "exited", Running: false }))).to.deep.include({ ok: false });
  });

  it("newContainer: exactly one id that was not there before is the standby", () => {
    const old = "a".repeat(64);
    const nu = "b".repeat(64);
    expect(newContainer([old], "standby")(res(`${old}\n${nu}\n`))).to.deep.include({ ok: true, set: { standby: nu } });
    expect(newContainer([old], "standby")(res(`${old}\n`))).to.deep.include({ ok: false });
  });

  it("migrationStatus: a pending breaking migration stops a handover before anything is migrated", () => {
    const out = res(JSON.stringify({ known: ["m1", "m2"], applied: ["m1"], breaking: ["m2"] }));
    expect(migrationStatus(true)(out)).to.deep.include({ ok: false });
    expect(migrationStatus(false)(out)).to.deep.include({
      ok: true,
      set: { "revert-count": "0", "pending-count": "1" },
    });
    const older = res(JSON.stringify({ known: ["m1"], applied: ["m1", "m2", "m3"] }));
    expect(migrationStatus(true)(older)).to.deep.include({
      ok: true,
      set: { "revert-count": "2", "pending-count": "0" },
    });
  });

  it("backupTaken: a failed off-site copy is a warning beside a good backup", () => {
    const stdout = "/opt/remindbot/backups/20261203T120000Z_a_manual.dump\n";
    expect(backupTaken({ code: 0, stdout, stderr: "backup.sh: backup written\n" })).to.not.have.property("warn");
    expect(
      backupTaken({
        code: 0,
        stdout,
        stderr:
          "offsite.sh: error: off-site copy refused: no age recipient (…); nothing left the server\n" +
          "backup.sh: warning: the off-site copy did not complete (exit 3); the local backup is complete\n",
      }),
    ).to.deep.include({
      ok: true,
      note: "20261203T120000Z_a_manual.dump",
      warn: "off-site copy: off-site copy refused: no age recipient (…); nothing left the server",
    });
  });

  it("drillPassed: the script's last line is the note or the error", () => {
    expect(
      drillPassed({
        code: 0,
        stdout: "",
        stderr: "drill.sh: restore drill of x.dump: 4 tables restored, row counts match\n",
      }),
    ).to.deep.equal({ ok: true, note: "drill.sh: restore drill of x.dump: 4 tables restored, row counts match" });
    expect(
      drillPassed({
        code: 1,
        stdout: "",
        stderr: "drill.sh: error: restore drill of x.dump failed: checksum mismatch: …\n",
      }),
    ).to.deep.equal({
      ok: false,
      error: "the restore drill failed: drill.sh: error: restore drill of x.dump failed: checksum mismatch: …",
    });
    expect(drillPassed({ code: 3, stdout: "", stderr: "" })).to.deep.equal({
      ok: false,
      error: "no backup to rehearse",
    });
  });

  it("lastLine: an error line made of a command's raw output carries no terminal sequence", () => {
    expect(lastLine("ok\n\x1b]52;c;aGk=\x07\x1b[31mboom\x1b[0m\n")).to.equal(": boom");
    expect(lastLine("")).to.equal("");
  });
});
