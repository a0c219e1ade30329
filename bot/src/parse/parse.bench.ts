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

// Time per message. Ours and plain chrono-node's parseDate are timed in turn on each phrase, so
// load from other processes on a shared machine hits both alike; the ratio is the figure to trust.
// "raw" is over every single call (GC pauses and preemption included); "typical" takes each
// phrase's median over the rounds, so it shows which phrases are slow rather than when the host was.
const ROUNDS = 21;
const oursRaw: number[] = [];
const chronoRaw: number[] = [];
const oursMed: number[] = [];
const chronoMed: number[] = [];
const time = (fn: () => unknown) => {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
const calls = entries.map((e) => {
  const ctx = { now: CORPUS_NOW, zone: CORPUS_ZONE[e.lang], lang: e.lang };
  return {
    ours: () => parseReminder(e.phrase, ctx),
    // The wall-clock reference is part of the call, as it is of ours.
    chrono: () =>
      chrono[e.lang].casual.parseDate(e.phrase, wallClockReference(CORPUS_NOW, CORPUS_ZONE[e.lang]), {
        forwardDate: true,
      }),
  };
});
for (const c of calls)
  for (let i = 0; i < 3; i++) {
    c.ours();
    c.chrono();
  }
const perPhrase = calls.map(() => ({ ours: [] as number[], chrono: [] as number[] }));
for (let round = 0; round < ROUNDS; round++)
  calls.forEach((c, i) => {
    const a = time(c.ours);
    const b = time(c.chrono);
    oursRaw.push(a);
    chronoRaw.push(b);
    perPhrase[i]?.ours.push(a);
    perPhrase[i]?.chrono.push(b);
  });
for (const p of perPhrase) {
  oursMed.push(median(p.ours));
  chronoMed.push(median(p.chrono));
}
const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
const ms = (x: number) => `${x.toFixed(3)} ms`;
const line = (name: string, a: number[], b: number[]) =>
  `${name}: ours p50 ${ms(q(a, 0.5))}, p99 ${ms(q(a, 0.99))}, max ${ms(q(a, 1))}; ` +
  `chrono-node alone p50 ${ms(q(b, 0.5))}, p99 ${ms(q(b, 0.99))} (ours/chrono p50 ${(q(a, 0.5) / q(b, 0.5)).toFixed(2)}x, p99 ${(q(a, 0.99) / q(b, 0.99)).toFixed(2)}x)`;
console.log(`time per message, ${oursRaw.length} parses each:`);
console.log("  " + line("raw", oursRaw, chronoRaw));
console.log("  " + line("typical (median per phrase)", oursMed, chronoMed));
