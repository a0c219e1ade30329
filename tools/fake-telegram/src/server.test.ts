import { autoRetry } from "@grammyjs/auto-retry";
import { expect } from "chai";
import { Bot } from "grammy";
import { callbackQuery, location, message } from "./builders.ts";
import { FakeBotApiClient } from "./client.ts";
import { startFakeBotApi } from "./server.ts";
import type { FakeBotApi } from "./server.ts";

const TOKEN = "123:test";

interface ApiAnswer {
  status: number;
  body: {
    ok: boolean;
    result?: unknown;
    error_code?: number;
    description?: string;
    parameters?: { retry_after?: number };
  };
}

/** One Bot API call over real HTTP, encoded as JSON (default), a form, or a GET query. */
async function call(
  fake: FakeBotApi,
  method: string,
  params: Record<string, unknown> = {},
  opts: { token?: string; as?: "json" | "form" | "get" } = {},
): Promise<ApiAnswer> {
  const base = `${fake.url}/bot${opts.token ?? TOKEN}/${method}`;
  const asStrings = Object.fromEntries(
    Object.entries(params).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)]),
  );
  const as = opts.as ?? "json";
  const res =
    as === "get"
      ? await fetch(`${base}?${new URLSearchParams(asStrings).toString()}`)
      : await fetch(base, {
          method: "POST",
          headers: { "content-type": as === "json" ? "application/json" : "application/x-www-form-urlencoded" },
          body: as === "json" ? JSON.stringify(params) : new URLSearchParams(asStrings).toString(),
        });
  return { status: res.status, body: (await res.json()) as ApiAnswer["body"] };
}

const updateIds = (answer: ApiAnswer): number[] =>
  (answer.body.result as Array<{ update_id: number }>).map((u) => u.update_id);

describe("fake Bot API", function () {
  let fake: FakeBotApi;

  beforeEach(async function () {
    fake = await startFakeBotApi();
  });

  afterEach(async function () {
    await fake.stop();
  });

  describe("getUpdates", function () {
    it("confirms updates below offset, honours limit and a negative offset", async function () {
      const [a, b, c] = fake.pushUpdate([message(1, "a"), message(1, "b"), message(1, "c")], TOKEN);
      expect(updateIds(await call(fake, "getUpdates"))).to.deep.equal([a?.update_id, b?.update_id, c?.update_id]);
      expect(updateIds(await call(fake, "getUpdates", { limit: 1 }))).to.deep.equal([a?.update_id]);
      expect(updateIds(await call(fake, "getUpdates", { offset: b?.update_id }))).to.deep.equal([
        b?.update_id,
        c?.update_id,
      ]);
      // a is confirmed now: asking from 0 again does not bring it back
      expect(updateIds(await call(fake, "getUpdates", { offset: 0 }))).to.deep.equal([b?.update_id, c?.update_id]);
      expect(updateIds(await call(fake, "getUpdates", { offset: -1 }))).to.deep.equal([c?.update_id]);
      expect(updateIds(await call(fake, "getUpdates", { offset: (c?.update_id ?? 0) + 1 }))).to.deep.equal([]);
    });

    it("waits up to timeout seconds, then answers []", async function () {
      const started = Date.now();
      const answer = await call(fake, "getUpdates", { timeout: 1 });
      expect(answer.body).to.deep.equal({ ok: true, result: [] });
      expect(Date.now() - started).to.be.at.least(900);
    });

    it("answers a waiting poll when an update arrives, with that update", async function () {
      const poll = call(fake, "getUpdates", { timeout: 30 });
      await waitUntil(() => fake.pollingState(TOKEN).polling);
      const [pushed] = fake.pushUpdate(message(5, "hello"), TOKEN);
      const answer = await poll;
      const result = answer.body.result as Array<{
        update_id: number;
        message: { text: string; chat: { id: number } };
      }>;
      expect(result).to.have.length(1);
      expect(result[0]?.update_id).to.equal(pushed?.update_id);
      expect(result[0]?.message.text).to.equal("hello");
      expect(result[0]?.message.chat.id).to.equal(5);
    });

    it("answers 409 to the older of two concurrent polls, like Telegram", async function () {
      const first = call(fake, "getUpdates", { timeout: 30 });
      await waitUntil(() => fake.pollingState(TOKEN).polling);
      const second = call(fake, "getUpdates", { timeout: 30 });
      const conflict = await first;
      expect(conflict.status).to.equal(409);
      expect(conflict.body.ok).to.equal(false);
      expect(conflict.body.error_code).to.equal(409);
      expect(conflict.body.description).to.match(/^Conflict: terminated by other getUpdates request/);
      fake.pushUpdate(message(1, "x"), TOKEN);
      expect((await second).body.result).to.have.length(1);
    });

    it("keeps updates per bot, so two bots share one fake", async function () {
      fake.pushUpdate(message(1, "for A"), "1:a");
      fake.pushUpdate(message(2, "for B"), "2:b");
      const a = (await call(fake, "getUpdates", {}, { token: "1:a" })).body.result as Array<{
        message: { text: string };
      }>;
      const b = (await call(fake, "getUpdates", {}, { token: "2:b" })).body.result as Array<{
        message: { text: string };
      }>;
      expect(a.map((u) => u.message.text)).to.deep.equal(["for A"]);
      expect(b.map((u) => u.message.text)).to.deep.equal(["for B"]);
    });

    it("delivers only the update kinds of the last allowed_updates", async function () {
      await call(fake, "getUpdates", { allowed_updates: ["callback_query"] });
      fake.pushUpdate([message(1, "ignored"), callbackQuery(1, 1, "press")], TOKEN);
      const result = (await call(fake, "getUpdates")).body.result as Array<Record<string, unknown>>;
      expect(result.map((u) => Object.keys(u).find((k) => k !== "update_id"))).to.deep.equal(["callback_query"]);
    });

    it("ends a poll the bot hangs up on, recording it as aborted", async function () {
      const abort = new AbortController();
      const poll = fetch(`${fake.url}/bot${TOKEN}/getUpdates?timeout=30`, { signal: abort.signal });
      await waitUntil(() => fake.pollingState(TOKEN).polling);
      abort.abort();
      await poll.catch(() => undefined);
      await waitUntil(() => !fake.pollingState(TOKEN).polling);
      const [record] = fake.calls({ method: "getUpdates" });
      expect(record?.aborted).to.equal(true);
      // nothing was delivered to the hung-up poll: a pushed update waits for the next one
      fake.pushUpdate(message(1, "kept"), TOKEN);
      expect((await call(fake, "getUpdates")).body.result).to.have.length(1);
    });

    it("refuses getUpdates while a webhook is set", async function () {
      await call(fake, "setWebhook", { url: "https://example.org/hook" });
      const answer = await call(fake, "getUpdates");
      expect(answer.status).to.equal(409);
      expect(answer.body.description).to.match(/webhook is active/);
      await call(fake, "deleteWebhook");
      expect((await call(fake, "getUpdates")).body.ok).to.equal(true);
    });

    it("records when a bot last polled (now while a poll waits)", async function () {
      expect(fake.lastGetUpdatesAt(TOKEN)).to.equal(undefined);
      const poll = call(fake, "getUpdates", { timeout: 30 });
      await waitUntil(() => fake.pollingState(TOKEN).polling);
      const before = Date.now();
      expect(fake.lastGetUpdatesAt(TOKEN)).to.be.at.least(before);
      fake.pushUpdate(message(1, "x"), TOKEN);
      await poll;
      const ended = fake.lastGetUpdatesAt(TOKEN) ?? 0;
      await sleep(20);
      expect(fake.lastGetUpdatesAt(TOKEN)).to.equal(ended);
      const [record] = fake.calls({ method: "getUpdates" });
      expect(record?.endAt).to.be.at.least(record?.at ?? Infinity);
      expect(record?.response.updateIds).to.have.length(1);
    });
  });

  describe("Bot API methods and errors", function () {
    it("answers getMe with a stable bot user per token", async function () {
      const me = (await call(fake, "getMe")).body.result as { id: number; is_bot: boolean; username: string };
      expect(me).to.include({ id: 123, is_bot: true, username: "test_bot" });
      expect((await call(fake, "getMe")).body.result).to.deep.equal(me);
    });

    it("sends messages with per-chat ids, echoing text and reply_markup", async function () {
      const markup = { inline_keyboard: [[{ text: "OK", callback_data: "ok" }]] };
      const one = (await call(fake, "sendMessage", { chat_id: 7, text: "hi", reply_markup: markup })).body.result as {
        message_id: number;
        chat: { id: number };
        text: string;
        reply_markup: unknown;
        date: number;
      };
      const two = (await call(fake, "sendMessage", { chat_id: 7, text: "again" }, { as: "form" })).body.result as {
        message_id: number;
      };
      const other = (await call(fake, "sendMessage", { chat_id: 8, text: "x" }, { as: "get" })).body.result as {
        message_id: number;
      };
      expect(one).to.include({ text: "hi" });
      expect(one.chat.id).to.equal(7);
      expect(one.reply_markup).to.deep.equal(markup);
      expect(one.date).to.be.closeTo(Date.now() / 1000, 5);
      expect(two.message_id).to.equal(one.message_id + 1);
      expect(other.message_id).to.equal(1);
      const sent = fake.calls({ method: "sendMessage", chatId: 7 });
      expect(sent.map((c) => c.params["text"])).to.deep.equal(["hi", "again"]);
      // form-encoded JSON fields are parsed in the record too
      expect(sent[0]?.params["reply_markup"]).to.deep.equal(markup);
    });

    it("rejects bad messages with Telegram's errors", async function () {
      fake.setChatMissing(404);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ chat_id: 1, text: "" }, "Bad Request: message text is empty"],
        [{ chat_id: 1 }, "Bad Request: message text is empty"],
        [{ chat_id: 1, text: "x".repeat(4097) }, "Bad Request: message is too long"],
        [{ text: "x" }, "Bad Request: chat_id is empty"],
        [{ chat_id: 404, text: "x" }, "Bad Request: chat not found"],
        [{ chat_id: "nope", text: "x" }, "Bad Request: chat not found"],
        [
          { chat_id: 1, text: "<b>x", parse_mode: "HTML" },
          `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`,
        ],
        [
          { chat_id: 1, text: "<blink>x</blink>", parse_mode: "HTML" },
          `Bad Request: can't parse entities: Unsupported start tag "blink" at byte offset 0`,
        ],
        [
          {
            chat_id: 1,
            text: "x",
            reply_markup: { inline_keyboard: [[{ text: "a", callback_data: "d".repeat(65) }]] },
          },
          "Bad Request: BUTTON_DATA_INVALID",
        ],
      ];
      for (const [params, description] of cases) {
        const answer = await call(fake, "sendMessage", params);
        expect(answer, JSON.stringify(params).slice(0, 80)).to.deep.equal({
          status: 400,
          body: { ok: false, error_code: 400, description },
        });
      }
      expect((await call(fake, "sendMessage", { chat_id: 1, text: "x".repeat(4096) })).body.ok).to.equal(true);
    });

    it("answers unknown methods 404 and unknown tokens 401 when given an allow-list", async function () {
      expect(await call(fake, "sendTelepathy")).to.deep.equal({
        status: 404,
        body: { ok: false, error_code: 404, description: "Not Found: method not found" },
      });
      const strict = await startFakeBotApi({ tokens: [TOKEN] });
      try {
        expect((await call(strict, "getMe")).body.ok).to.equal(true);
        expect(await call(strict, "getMe", {}, { token: "999:other" })).to.deep.equal({
          status: 401,
          body: { ok: false, error_code: 401, description: "Unauthorized" },
        });
      } finally {
        await strict.stop();
      }
    });

    it("edits and deletes like Telegram: not modified, not found", async function () {
      const sent = (await call(fake, "sendMessage", { chat_id: 3, text: "v1" })).body.result as { message_id: number };
      const edit = (text: string): Promise<ApiAnswer> =>
        call(fake, "editMessageText", { chat_id: 3, message_id: sent.message_id, text });
      expect(((await edit("v2")).body.result as { text: string }).text).to.equal("v2");
      expect((await edit("v2")).body.description).to.match(/^Bad Request: message is not modified/);
      const markup = { inline_keyboard: [[{ text: "b", callback_data: "b" }]] };
      const withMarkup = await call(fake, "editMessageReplyMarkup", {
        chat_id: 3,
        message_id: sent.message_id,
        reply_markup: markup,
      });
      expect((withMarkup.body.result as { reply_markup: unknown }).reply_markup).to.deep.equal(markup);
      expect((await call(fake, "deleteMessage", { chat_id: 3, message_id: sent.message_id })).body.result).to.equal(
        true,
      );
      expect(
        (await call(fake, "deleteMessage", { chat_id: 3, message_id: sent.message_id })).body.description,
      ).to.equal("Bad Request: message to delete not found");
      expect((await edit("v3")).body.description).to.equal("Bad Request: message to edit not found");
      const [userMessage] = fake.pushUpdate(message(3, "mine"), TOKEN);
      const notMine = await call(fake, "editMessageText", {
        chat_id: 3,
        message_id: userMessage?.message?.message_id,
        text: "changed",
      });
      expect(notMine.body.description).to.equal("Bad Request: message can't be edited");
    });

    it("answers a callback query once", async function () {
      const [update] = fake.pushUpdate(callbackQuery(3, 1, "press"), TOKEN);
      const id = update?.callback_query?.id;
      expect((await call(fake, "answerCallbackQuery", { callback_query_id: id })).body.result).to.equal(true);
      expect((await call(fake, "answerCallbackQuery", { callback_query_id: id })).body.description).to.match(
        /query is too old/,
      );
    });

    it("accepts the setup calls a bot makes", async function () {
      const commands = [{ command: "start", description: "Start" }];
      expect((await call(fake, "setMyCommands", { commands })).body.result).to.equal(true);
      expect((await call(fake, "getMyCommands")).body.result).to.deep.equal(commands);
      expect(
        (await call(fake, "setMyCommands", { commands: [{ command: "Bad!", description: "x" }] })).status,
      ).to.equal(400);
      expect((await call(fake, "setMyDescription", { description: "Reminders" })).body.result).to.equal(true);
      expect((await call(fake, "sendChatAction", { chat_id: 1, action: "typing" })).body.result).to.equal(true);
      expect((await call(fake, "deleteWebhook", { drop_pending_updates: true })).body.result).to.equal(true);
      expect((await call(fake, "getWebhookInfo")).body.result).to.deep.include({ url: "", pending_update_count: 0 });
    });
  });

  describe("update builders", function () {
    it("build group messages, replies and button presses as Telegram reports them", async function () {
      const sent = (await call(fake, "sendMessage", { chat_id: -100, text: "question" })).body.result as {
        message_id: number;
      };
      const [reply, press] = fake.pushUpdate(
        [
          message(-100, "/remind@test_bot tomorrow", { from: { id: 77, first_name: "Ann" }, replyTo: sent.message_id }),
          callbackQuery(-100, sent.message_id, "ok", 77),
        ],
        TOKEN,
      );
      const msg = reply?.message;
      expect(msg?.chat).to.deep.include({ id: -100, type: "group" });
      expect(msg?.from).to.deep.include({ id: 77, first_name: "Ann", is_bot: false });
      expect(msg?.message_id).to.equal(sent.message_id + 1);
      expect(msg?.entities).to.deep.equal([{ type: "bot_command", offset: 0, length: 16 }]);
      expect(msg?.reply_to_message?.text).to.equal("question");
      expect(press?.callback_query?.message?.text).to.equal("question");
      expect(press?.callback_query?.from.id).to.equal(77);
      expect(press?.callback_query?.id).to.be.a("string");
    });

    it("reads multipart/form-data text fields", async function () {
      const form = new FormData();
      form.append("chat_id", "6");
      form.append("text", "from a form");
      const res = await fetch(`${fake.url}/bot${TOKEN}/sendMessage`, { method: "POST", body: form });
      expect(((await res.json()) as { result: { text: string } }).result.text).to.equal("from a form");
    });
  });

  describe("faults and rate limits", function () {
    it("injects 403 for one chat, for the next N calls", async function () {
      fake.injectFault({ method: "sendMessage", status: 403, chatId: 9, count: 2 });
      for (let i = 0; i < 2; i++) {
        expect(await call(fake, "sendMessage", { chat_id: 9, text: "x" })).to.deep.equal({
          status: 403,
          body: { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" },
        });
      }
      expect((await call(fake, "sendMessage", { chat_id: 10, text: "other chat" })).body.ok).to.equal(true);
      expect((await call(fake, "sendMessage", { chat_id: 9, text: "x" })).body.ok).to.equal(true);
    });

    it("injects a fault for a duration, and removes one on demand", async function () {
      fake.injectFault({ method: "getMe", status: 502, durationMs: 150 });
      expect((await call(fake, "getMe")).status).to.equal(502);
      await sleep(200);
      expect((await call(fake, "getMe")).status).to.equal(200);
      const id = fake.injectFault({ status: 500 });
      expect((await call(fake, "deleteWebhook")).body.description).to.equal("Internal Server Error");
      fake.removeFault(id);
      expect((await call(fake, "deleteWebhook")).status).to.equal(200);
    });

    it("answers 429 with retry_after, and grammY's auto-retry then succeeds", async function () {
      fake.injectFault({ method: "sendMessage", status: 429, retryAfter: 1, count: 1 });
      const raw = await call(fake, "sendMessage", { chat_id: 1, text: "x" });
      expect(raw).to.deep.equal({
        status: 429,
        body: {
          ok: false,
          error_code: 429,
          description: "Too Many Requests: retry after 1",
          parameters: { retry_after: 1 },
        },
      });
      fake.injectFault({ method: "sendMessage", status: 429, retryAfter: 1, count: 1 });
      const bot = new Bot(TOKEN, { client: { apiRoot: fake.url } });
      bot.api.config.use(autoRetry());
      const sent = await bot.api.sendMessage(1, "after the flood");
      expect(sent.text).to.equal("after the flood");
      const attempts = fake.calls({ method: "sendMessage" }).slice(1);
      expect(attempts.map((c) => c.response.error_code ?? 200)).to.deep.equal([429, 200]);
      expect((attempts[1]?.at ?? 0) - (attempts[0]?.endAt ?? 0)).to.be.at.least(900);
    });

    it("limits sends to the configured rate overall and per chat", async function () {
      fake.setRateLimit({ global: 30, perChat: 1 });
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => call(fake, "sendMessage", { chat_id: 100 + i, text: "x" })),
      );
      const limited = answers.filter((a) => a.status === 429);
      // 40 local requests take far less than the one-second window
      expect(answers.filter((a) => a.status === 200)).to.have.length(30);
      expect(limited).to.have.length(10);
      expect(limited[0]?.body.parameters?.retry_after).to.equal(1);
      fake.setRateLimit({ perChat: 1 });
      const sameChat = await Promise.all([1, 2, 3].map(() => call(fake, "sendMessage", { chat_id: 5, text: "x" })));
      expect(sameChat.map((a) => a.status).sort()).to.deep.equal([200, 429, 429]);
      // chat actions are not messages
      expect((await call(fake, "sendChatAction", { chat_id: 5, action: "typing" })).status).to.equal(200);
    });
  });

  describe("with grammY", function () {
    it("serves a polling bot: updates in, replies recorded, clean stop", async function () {
      const bot = new Bot(TOKEN, { client: { apiRoot: fake.url } });
      bot.command("start", (ctx) => ctx.reply("welcome"));
      bot.on("message:text", (ctx) => ctx.reply(`echo: ${ctx.message.text}`, { parse_mode: "HTML" }));
      bot.on("message:location", (ctx) => ctx.reply(`at ${ctx.message.location.latitude}`));
      bot.on("callback_query:data", async (ctx) => {
        await ctx.answerCallbackQuery();
        await ctx.editMessageText(`pressed ${ctx.callbackQuery.data}`);
      });
      const running = bot.start({ timeout: 10 });
      try {
        fake.pushUpdate(message(42, "/start", { languageCode: "ru" }));
        expect((await fake.waitForMessage(42)).params["text"]).to.equal("welcome");
        let since = fake.cursor();
        fake.pushUpdate(message(42, "hello"));
        const reply = await fake.waitForMessage(42, 5000, { since });
        expect(reply.params["text"]).to.equal("echo: hello");
        since = fake.cursor();
        fake.pushUpdate(location(42, 55.75, 37.61));
        expect((await fake.waitForMessage(42, 5000, { since })).params["text"]).to.equal("at 55.75");
        const messageId = (reply.response.result as { message_id: number }).message_id;
        fake.pushUpdate(callbackQuery(42, messageId, "yes"));
        const edited = await fake.waitForCall((c) => c.method === "editMessageText" && c.response.ok);
        expect(edited.params).to.include({ chat_id: 42, message_id: messageId, text: "pressed yes" });
        expect(fake.calls({ method: "answerCallbackQuery" }).map((c) => c.response.ok)).to.deep.equal([true]);
      } finally {
        await bot.stop();
        await running;
      }
      expect(fake.pollingState(TOKEN).polling).to.equal(false);
    });

    it("ends a waiting long poll with [] on stop()", async function () {
      const poll = call(fake, "getUpdates", { timeout: 30 });
      await waitUntil(() => fake.pollingState(TOKEN).polling);
      await fake.stop();
      expect((await poll).body).to.deep.equal({ ok: true, result: [] });
    });

    it("keeps the call record bounded", async function () {
      const small = await startFakeBotApi({ maxCalls: 50 });
      try {
        for (let i = 0; i < 300; i++) await call(small, "sendMessage", { chat_id: 1 + (i % 7), text: `m${i}` });
        const calls = small.calls();
        expect(calls.length).to.be.at.most(50);
        expect(calls.at(-1)?.params["text"]).to.equal("m299");
        const stats = small.stats();
        expect(stats.calls).to.equal(300);
        expect(stats.byMethod["sendMessage"]).to.deep.equal({ ok: 300, failed: 0 });
        expect(stats.droppedCalls).to.equal(300 - calls.length);
        expect(stats.storedMessages).to.be.at.most(50);
      } finally {
        await small.stop();
      }
    });
  });

  describe("control plane", function () {
    it("mirrors the in-process API over HTTP through the client", async function () {
      const client = new FakeBotApiClient(fake.url);
      const [pushed] = await client.pushUpdate(message(11, "over http"), TOKEN);
      expect(pushed?.update_id).to.be.a("number");
      expect(pushed?.message?.message_id).to.equal(1);
      const poll = await call(fake, "getUpdates");
      expect(updateIds(poll)).to.deep.equal([pushed?.update_id]);
      expect(await client.lastGetUpdatesAt(TOKEN)).to.be.a("number");

      await client.injectFault({ method: "sendMessage", status: 400, chatId: 11, count: 1 });
      expect((await call(fake, "sendMessage", { chat_id: 11, text: "x" })).body.description).to.equal(
        "Bad Request: chat not found",
      );
      const since = await client.cursor();
      const waiting = client.waitForMessage(11, 5000, { since });
      await sleep(120);
      await call(fake, "sendMessage", { chat_id: 11, text: "late" });
      expect((await waiting).params["text"]).to.equal("late");
      expect((await client.calls({ method: "sendMessage", chatId: 11 })).map((c) => c.response.ok)).to.deep.equal([
        false,
        true,
      ]);

      await client.setRateLimit({ perChat: 1 });
      expect((await call(fake, "sendMessage", { chat_id: 12, text: "1" })).status).to.equal(200);
      expect((await call(fake, "sendMessage", { chat_id: 12, text: "2" })).status).to.equal(429);
      await client.reset();
      expect(await client.calls()).to.deep.equal([]);
      expect((await call(fake, "sendMessage", { chat_id: 12, text: "3" })).status).to.equal(200);
      await expectRejection(
        client.waitForCall((c) => c.method === "never", 200),
        /no matching call within 200 ms/,
      );
      await expectRejection(client.injectFault({ status: 200 }), /status must be an HTTP error status/);
    });

    it("delivers updates pushed before any bot polled to the first bot that calls", async function () {
      const client = new FakeBotApiClient(fake.url);
      await client.pushUpdate(message(1, "early"));
      const answer = (await call(fake, "getUpdates")).body.result as Array<{ message: { text: string } }>;
      expect(answer.map((u) => u.message.text)).to.deep.equal(["early"]);
    });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function expectRejection(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await promise;
  } catch (err) {
    expect((err as Error).message).to.match(pattern);
    return;
  }
  expect.fail(`expected a rejection matching ${pattern}`);
}
