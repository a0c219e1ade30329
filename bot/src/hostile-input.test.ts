/** 2,000 random and hostile messages: each gets a reply, the bot keeps running, nothing bad is stored. */
import { expect } from "chai";
import { startHarness } from "./bot-harness.test.js";
import type { Harness } from "./bot-harness.test.js";
import { message } from "@remindbot/fake-telegram";

/** mulberry32: a small seeded PRNG, so a failure reproduces. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "завтра в 9 ",
  "через 2 часа ",
  "in 20 minutes ",
  "every day at 9 ",
  "каждый понедельник в 10 ",
  "tomorrow ",
  "в 7 ",
  "<b>",
  "</i>",
  '<a href="javascript:x">',
  "&amp;",
  "*bold*",
  "_x_",
  "`code`",
  "\u0000",
  "\u0007",
  "\u202e",
  "\u200b",
  "\ufeff",
  "\r\n",
  "\t",
  "😀",
  "👨‍👩‍👧",
  "مرحبا",
  "שלום",
  "漢字",
  "ऄ",
  "Ω",
  "🏳️‍🌈",
  "31 февраля ",
  "25:61 ",
  "-5 минут ",
  "через 99999999999 лет ",
  "/",
  "/start@",
  "@@@",
  "%s%n",
  "${x}",
  "' OR 1=1 --",
  "\\",
  "null",
  "NaN",
  "９",
  "𝟗 ",
  "ь",
  " ",
];

function hostile(rand: () => number): string {
  const kind = Math.floor(rand() * 5);
  if (kind === 0) return "A".repeat(1 + Math.floor(rand() * 5000));
  if (kind === 1)
    return Array.from({ length: 1 + Math.floor(rand() * 40) }, () =>
      String.fromCharCode(Math.floor(rand() * 0xd7ff)),
    ).join("");
  const n = 1 + Math.floor(rand() * 8);
  let s = Array.from({ length: n }, () => PIECES[Math.floor(rand() * PIECES.length)]).join("");
  if (kind === 2) s += "x".repeat(Math.floor(rand() * 1200));
  return s.length > 0 ? s : "?";
}

describe("bot: hostile input", function () {
  this.timeout(240_000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  it("answers each of 2,000 seeded random/hostile messages and stores no garbage", async () => {
    await h.deps.users.ensure(4001, "ru");
    await h.deps.users.setZone(4001, "Europe/Moscow");
    const rand = prng(20240601);
    const silent: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const text = hostile(rand);
      // Telegram caps a message at 4096 characters.
      const calls = await h.send(message(4001, text.slice(0, 4096), { languageCode: i % 2 ? "ru" : "en" }));
      const replied = calls.some((c) => c.method === "sendMessage" && c.response.ok);
      if (!replied) silent.push(JSON.stringify(text.slice(0, 80)));
    }
    expect(silent, `no reply to: ${silent.slice(0, 5).join(", ")}`).to.deep.equal([]);
    const [bad] = (await h.ds.query(
      `SELECT count(*)::int AS n FROM reminders
       WHERE length(btrim(text)) = 0 OR char_length(text) > 1000 OR due_at IS NULL
          OR due_at = 'infinity' OR due_at = '-infinity' OR due_at > now() + interval '11 years'
          OR text ~ '[\\x00-\\x08\\x0B-\\x1F\\x7F]'`,
    )) as Array<{ n: number }>;
    expect(bad!.n).to.equal(0);
    // still alive: a normal request still works
    const calls = await h.send(message(4001, "через 2 часа выпить воды", { languageCode: "ru" }));
    expect(calls.some((c) => String(c.params.text).includes("выпить воды"))).to.equal(true);
  });
});
