// e2e, the zero-downtime handover (issue 12) on the run's shared ready sandbox (root + Docker;
// skipped with one line otherwise): a release from before the polling lease is replaced stop-first
// once; after that each deploy starts a standby beside the running bot, gates it while the old one
// serves, and hands polling over. The fault rows kill the standby during the gate, kill the old bot
// during the handover, and cut the deployer's SSH connection during the handover. After each:
// exactly one bot polls (one container answers /health as "active"), every /start pushed meanwhile
// is answered exactly once, and `status` tells the truth. Timings are printed, never asserted
// (the bench measures them).
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { message, type FakeBotApiClient } from "@remindbot/fake-telegram/client";
import { REPO_ROOT } from "../../deployer/src/local/repo-root.js";
import { compileCli, logDuration, root, scratchRepo, show, waitFor } from "../support/deployer-cli.js";
import type { CliResult, ScratchRepo, StartedCli } from "../support/deployer-cli.js";
import { fakeBotApi, sandboxEnv, sandboxSsh, useSandbox } from "../support/sandbox.js";

/** The last commit before the polling lease: its bot knows nothing of a handover. */
const BEFORE_LEASE = "e0123b39cf61d7a73e0f2626f7b48fccec9d4076";
const PUSH_EVERY_MS = 250;
const BOT_STATE = readFileSync(join(REPO_ROOT, "remote", "bin", "bot-state.sh"), "utf8");

describe("zero-downtime handover (issue 12) on the sandbox VDS (e2e)", function () {
  let s: ScratchRepo;
  let api: FakeBotApiClient;
  let token = "";
  const run = Date.now().toString(36);
  const tag = (name: string) => `h${run}-${name}`;
  const OLD = tag("old");
  const [A, B, C, D, E] = ["a", "b", "c", "d", "e"].map(tag) as [string, string, string, string, string];
  const cli = (args: string[], timeoutMs?: number) => s.cli(args, timeoutMs);

  /** Running bot containers of the stack, with what each says on /health. */
  async function bots(): Promise<Array<{ id: string; role: string; tag: string }>> {
    const ids = (
      await root(
        "docker ps -q --no-trunc --filter label=com.docker.compose.project=remindbot --filter label=com.docker.compose.service=bot --filter label=com.docker.compose.oneoff=False --filter status=running",
        "docker ps bot",
      )
    )
      .split("\n")
      .filter(Boolean);
    const out: Array<{ id: string; role: string; tag: string }> = [];
    for (const id of ids) {
      const st = await sandboxSsh(["bash", "-s", "--", id], { input: BOT_STATE });
      const body = st.stdout.split("\n")[2] ?? "";
      let role = "none";
      try {
        role = (JSON.parse(body) as { role?: string }).role ?? "none";
      } catch {
        role = "none";
      }
      const image = await root(`docker inspect -f '{{.Config.Image}}' ${id}`, "bot image");
      out.push({ id, role, tag: image.replace(/^remindbot-bot:/, "") });
    }
    return out;
  }

  /** Exactly one running bot says it holds the lease and polls (waits for a handover in flight). */
  async function expectOnePoller(): Promise<{ id: string; tag: string }> {
    const active = await waitFor(
      "exactly one bot active",
      60_000,
      async () => {
        const bs = await bots();
        const act = bs.filter((b) => b.role === "active");
        return act.length === 1 && bs.every((b) => b.role === "active" || b.role === "standby") ? act[0] : undefined;
      },
      500,
    );
    const polling = await api.pollingState(token);
    expect(polling.polling, "the fake Bot API sees a poll open").to.equal(true);
    return active;
  }

  /** Pushes /start from a new chat every PUSH_EVERY_MS until stopped; then each must be answered once. */
  function pushStarts() {
    const chats: number[] = [];
    let on = true;
    let sinceP = api.cursor();
    const loop = (async () => {
      await sinceP;
      while (on) {
        const chat = 660_000_000 + Math.floor(Math.random() * 100_000_000);
        chats.push(chat);
        await api.pushUpdate(message(chat, "/start"), token).catch(() => undefined);
        await new Promise((r) => setTimeout(r, PUSH_EVERY_MS));
      }
    })();
    return async () => {
      on = false;
      await loop;
      const since = await sinceP;
      const answers = new Map<number, number>();
      await waitFor(
        `all ${chats.length} /start answered`,
        90_000,
        async () => {
          answers.clear();
          for (const c of await api.calls({ since, method: "sendMessage", token })) {
            const chat = Number(c.params["chat_id"]);
            if (c.response.ok && chats.includes(chat)) answers.set(chat, (answers.get(chat) ?? 0) + 1);
          }
          return chats.every((c) => answers.has(c)) ? true : undefined;
        },
        1000,
      );
      const twice = chats.filter((c) => (answers.get(c) ?? 0) > 1);
      expect(twice, "a /start answered twice").to.deep.equal([]);
      sinceP = Promise.resolve(since);
      return chats.length;
    };
  }

  /** Starts a deploy, runs `during` once its output matches `when`, and waits for it (or kills it). */
  async function deployWhile(t: string, when: RegExp, during: (c: StartedCli) => Promise<void>): Promise<CliResult> {
    const c = s.start(["deploy", "--tag", t, "--yes", "--target", "sandbox"]);
    const ended = c.done(10 * 60_000);
    await waitFor(`deploy ${t} reaching ${when}`, 8 * 60_000, async () => (when.test(c.out()) ? true : undefined), 50);
    await during(c);
    return ended;
  }

  before(async function () {
    await useSandbox(this);
    api = fakeBotApi();
    token = sandboxEnv()["BOT_TOKEN"]!;
    s = await scratchRepo("handover-e2e-");
    await s.git("tag", OLD, BEFORE_LEASE);
    await s.tagWith(A, (src) => `${src}\n// ${A}\n`);
    await s.tagWith(B, (src) => `${src}\n// ${B}\n`);
    // C's bot is slow to be ready, so the standby is surely killed during its gate.
    await s.tagWith(C, (src) => {
      const slow = src.replace(
        "async function main(): Promise<void> {",
        "async function main(): Promise<void> {\n  await new Promise((r) => setTimeout(r, 15_000));",
      );
      expect(slow, "main() found in bot/src/main.ts").to.not.equal(src);
      return slow;
    });
    await s.tagWith(D, (src) => `${src}\n// ${D}\n`);
    await s.tagWith(E, (src) => `${src}\n// ${E}\n`);
    await compileCli();
    if ((await sandboxSsh(["test", "-e", "/opt/remindbot/lock"])).code === 0) {
      const u = await cli(["unlock", "--yes"], 60_000);
      expect(u.code, show(u)).to.equal(0);
    }
    const r = await cli(["deploy", "--tag", OLD, "--yes"], 14 * 60_000);
    expect(r.code, show(r)).to.equal(0);
    logDuration(`deploy ${OLD} (a release from before the lease)`, r.ms);
  });

  after(() => s?.remove());

  it("a running release from before the lease is replaced stop-first, once, and the plan says so", async () => {
    const p = await cli(["plan", "deploy", "--tag", A]);
    expect(p.code, show(p)).to.equal(0);
    expect(p.stdout).to.contain("does not know the polling lease").and.contain("stop-first");
    const r = await cli(["deploy", "--tag", A, "--yes"], 14 * 60_000);
    expect(r.code, show(r)).to.equal(0);
    expect((await expectOnePoller()).tag).to.equal(A);
  });

  it("the next deploy hands over: the old bot serves until the new one is proven; every /start answered once", async () => {
    const p = await cli(["plan", "deploy", "--tag", B]);
    expect(p.stdout).to.contain("as a standby beside the running bot").and.contain("Handover");
    const stop = pushStarts();
    const r = await cli(["deploy", "--tag", B, "--yes"], 14 * 60_000);
    const pushed = await stop();
    expect(r.code, show(r)).to.equal(0);
    expect(r.stdout).to.match(/polling gap: \d+\.\d\d s/);
    logDuration(`deploy ${B} with a handover (${pushed} /start pushed, all answered once)`, r.ms);
    const bs = await bots();
    expect(
      bs.map((b) => b.tag),
      "one bot container after the deploy",
    ).to.deep.equal([B]);
    expect((await expectOnePoller()).tag).to.equal(B);
  });

  it("kill -9 of the standby during the gate: exit 4, nothing changed for users, the old bot serves", async () => {
    const before = await expectOnePoller();
    const stop = pushStarts();
    const r = await deployWhile(C, /✓ Start .* as a standby/, async () => {
      const standby = (await bots()).find((b) => b.id !== before.id);
      expect(standby, "the standby is running").to.not.equal(undefined);
      await root(`docker kill -s KILL ${standby!.id}`, "kill -9 the standby");
    });
    await stop();
    expect(r.code, show(r)).to.equal(4);
    expect(r.stdout + r.stderr).to.contain("nothing changed for users");
    const after = await expectOnePoller();
    expect(after.id).to.equal(before.id);
    expect((await bots()).length).to.equal(1);
    const st = await cli(["status"]);
    expect(st.stdout).to.contain(`current release: ${B}`).and.not.contain("a deploy was interrupted");
  });

  it("kill -9 of the old bot during the handover: the new one takes over; nothing lost or doubled", async () => {
    const before = await expectOnePoller();
    const stop = pushStarts();
    // At the gate's end the old bot still serves; the kill lands in the handover's window (before or
    // during the step-down, whichever comes first: the invariants below hold for both).
    const r = await deployWhile(D, /✓ Gate: the standby is ready/, async () => {
      await sandboxSsh(`docker kill -s KILL ${before.id}`);
    });
    await stop();
    expect(r.code, show(r)).to.equal(0);
    expect((await expectOnePoller()).tag).to.equal(D);
    expect((await bots()).map((b) => b.tag)).to.deep.equal([D]);
  });

  it("the SSH connection cut during the handover: one bot polls, status tells the truth, the next deploy settles it", async () => {
    const stop = pushStarts();
    const r = await deployWhile(E, /✓ Switch current to/, async (c) => {
      c.child.kill("SIGKILL");
    });
    await stop();
    expect(r.code, "the CLI was killed").to.equal(null);
    const active = await expectOnePoller();
    const st = await cli(["status"]);
    expect(st.code, show(st)).to.equal(0);
    expect(st.stdout).to.contain(`current release: ${E}`);
    if (active.tag !== E || (await bots()).length > 1) expect(st.stdout).to.contain("a deploy was interrupted");
    expect(st.stdout).to.match(/lock/i);
    const u = await cli(["unlock", "--yes"], 60_000);
    expect(u.code, show(u)).to.equal(0);
    const again = await cli(["deploy", "--tag", E, "--yes"], 14 * 60_000);
    expect(again.code, show(again)).to.equal(0);
    expect((await bots()).map((b) => b.tag)).to.deep.equal([E]);
    expect((await expectOnePoller()).tag).to.equal(E);
  });
});
