import { expect } from "chai";
import { displayText, expanded, PARSE_CACHE_SIZE, parsed, parseLine, timeText } from "./log-format.js";

const BOT =
  'bot-1 | 2026-12-01T22:15:22.653214189Z {"apiRoot":"[REDACTED]","level":"info","message":"reminder delivered","chat":42,"text":"buy milk","timestamp":"2026-12-01T22:15:22.650Z"}';
const PG = "postgres-1 | 2026-12-01T22:15:23.000000000Z 2026-12-01 22:15:23.000 UTC [27] ERROR:  relation missing";
const plusOne = () => 60;

describe("log lines as people read them", () => {
  it("shows the bot's JSON as time level message key=value, the message first", () => {
    const l = parseLine(BOT);
    expect(l.level).to.equal("info");
    expect(l.body).to.equal('info  reminder delivered apiRoot=[REDACTED] chat=42 text="buy milk"');
    expect(displayText(l, false, plusOne)).to.equal(`23:15:22 ${l.body}`);
    expect(displayText(l, true)).to.equal(`2026-12-01T22:15:22.653Z ${l.body}`);
  });

  it("takes the level from the record, the time from the record when compose gave none", () => {
    const l = parseLine('{"level":"warn","message":"slow","timestamp":"2026-12-01T10:00:00.000Z"}');
    expect(l.level).to.equal("warn");
    expect(timeText(l.at, false, () => -120)).to.equal("08:00:00");
    expect(parseLine('bot-1 | {"level":"debug","message":"x"}').level).to.equal("debug");
  });

  it("leaves other lines (PostgreSQL, broken JSON) as they came, their level guessed", () => {
    const pg = parseLine(PG);
    expect(displayText(pg, false)).to.equal(PG);
    expect(pg.level).to.equal("error");
    const broken = 'bot-1 | {"level":"info", cut';
    expect(displayText(parseLine(broken), true)).to.equal(broken);
  });

  it("expands a JSON line as indented JSON, another line as itself", () => {
    expect(expanded({ ...parseLine(BOT), text: BOT })).to.include('  "message": "reminder delivered",');
    expect(expanded({ ...parseLine(PG), text: PG })).to.deep.equal([PG]);
  });

  it("parses a line once while it is drawn again and again, and keeps a bounded number parsed", () => {
    const first = parsed(BOT);
    expect(parsed(BOT), "the cached parse").to.equal(first);
    for (let i = 0; i < PARSE_CACHE_SIZE; i++) parsed(`line ${i}`);
    expect(parsed(BOT), "evicted by newer lines, parsed again").not.to.equal(first);
    expect(parsed(BOT)).to.deep.equal(first);
  });
});
