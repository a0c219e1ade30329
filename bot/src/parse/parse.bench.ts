/**
 * `npm run bench -- parse`: our reading of the corpus (corpus/ru.ts, corpus/en.ts) beside plain
 * chrono-node's (casual parser of the language, forwardDate), and the parse time per message.
 * BENCH_PARSE_LIST=wrong|asked|missed|text|all also lists those phrases.
 */
process.env.TZ = "UTC"; // chrono reads the wall-clock reference in the host's zone: keep it fixed.
const chrono = await import("chrono-node");
const { parseReminder } = await import("./parse-reminder.js");
const { wallClockReference } = await import("./chrono-adapter.js");
const { CORPUS_NOW, CORPUS_ZONE, corpus, grade, gradeChrono, stamp } = await import("./corpus/corpus.js");
type Lang = "ru" | "en";

const entries = corpus();
const list = process.env.BENCH_PARSE_LIST ?? "";
const pct = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(1)} %`;

for (const lang of ["ru", "en"] as Lang[]) {
  const mine = entries.filter((e) => e.lang === lang);
  const zone = CORPUS_ZONE[lang];
  const ref = wallClockReference(CORPUS_NOW, zone);
  const nowLocal = stamp(CORPUS_NOW, zone);
  const ours = { correct: 0, asked: 0, missed: 0, wrong: 0 };
  const theirs = { correct: 0, missed: 0, wrong: 0 };
  let textChecked = 0;
  let textRight = 0;
  for (const e of mine) {
    const r = parseReminder(e.phrase, { now: CORPUS_NOW, zone, lang });
    const g = grade(e, r);
    ours[g]++;
    const textOk = e.text === undefined || g !== "correct" || r.text === e.text;
    if (e.text !== undefined && g === "correct") {
      textChecked++;
      if (textOk) textRight++;
    }
    const c = gradeChrono(e, chrono[lang].casual.parseDate(e.phrase, ref, { forwardDate: true }), nowLocal);
    theirs[c]++;
    if (list === "all" || list === g || (list === "text" && !textOk)) {
      const got =
        r.kind === "ok" || r.kind === "past"
          ? `${r.kind} ${stamp(r.due, zone)}${"recurrence" in r && r.recurrence ? " " + JSON.stringify(r.recurrence) : ""}`
          : r.kind === "ambiguous"
            ? `ask ${r.options.map((o) => stamp(o, zone)).join(" ; ")}${r.doubt ? ` (doubt: ${r.doubt})` : ""}`
            : r.kind === "needs-time"
              ? `day ${r.date.year}-${r.date.month}-${r.date.day}${r.recurrence ? " " + JSON.stringify(r.recurrence) : ""}`
              : r.kind;
      console.log(`  ${g.padEnd(7)} ${e.phrase}  ->  ${got}  [text: ${r.text}]`);
    }
  }
  console.log(
    `${lang}: ${mine.length} phrases. ours: right ${pct(ours.correct, mine.length)}, asked otherwise ${pct(ours.asked, mine.length)}, ` +
      `no time found ${pct(ours.missed, mine.length)}, WRONG WITHOUT ASKING ${ours.wrong} (${pct(ours.wrong, mine.length)}); ` +
      `text right ${textRight}/${textChecked}. chrono-node: right ${pct(theirs.correct, mine.length)}, wrong ${theirs.wrong} (${pct(theirs.wrong, mine.length)}), none ${theirs.missed}`,
  );
}

// Time per message: every phrase many times, after a warm-up; p50/p99/max over single calls.
function timings(fn: (e: (typeof entries)[number]) => unknown, rounds: number): number[] {
  for (const e of entries) fn(e);
  const out: number[] = [];
  for (let i = 0; i < rounds; i++)
    for (const e of entries) {
      const t = process.hrtime.bigint();
      fn(e);
      out.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  return out.sort((a, b) => a - b);
}
const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
const ms = (x: number) => `${x.toFixed(3)} ms`;
const oursT = timings((e) => parseReminder(e.phrase, { now: CORPUS_NOW, zone: CORPUS_ZONE[e.lang], lang: e.lang }), 20);
const chronoT = timings(
  (e) =>
    chrono[e.lang].casual.parseDate(e.phrase, wallClockReference(CORPUS_NOW, CORPUS_ZONE[e.lang]), {
      forwardDate: true,
    }),
  20,
);
console.log(
  `time per message over ${oursT.length} parses: ours p50 ${ms(q(oursT, 0.5))}, p99 ${ms(q(oursT, 0.99))}, max ${ms(q(oursT, 1))}; ` +
    `chrono-node alone p50 ${ms(q(chronoT, 0.5))}, p99 ${ms(q(chronoT, 0.99))} (ours/chrono p99 ${(q(oursT, 0.99) / q(chronoT, 0.99)).toFixed(2)}x)`,
);
