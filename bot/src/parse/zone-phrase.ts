/**
 * An explicit time zone written beside a time: "по Москве", "мск", "по московскому времени",
 * "UTC", "GMT+3", "9am PST", "Moscow time", "pacific time". The time is then read in that zone.
 * Abbreviations are fixed offsets as written (people write "EST" in summer too).
 */
import { resolveZone } from "./resolve-zone.js";
import { WB } from "./words.js";

export interface ZonePhrase {
  zone: string;
  /** How to name the zone beside the time in the confirmation. */
  label: string;
  start: number;
  end: number;
}

const ABBREVIATIONS: Readonly<Record<string, string>> = {
  utc: "UTC",
  gmt: "UTC",
  cet: "UTC+1",
  cest: "UTC+2",
  bst: "UTC+1",
  eet: "UTC+2",
  est: "UTC-5",
  edt: "UTC-4",
  cst: "UTC-6",
  cdt: "UTC-5",
  mst: "UTC-7",
  mdt: "UTC-6",
  pst: "UTC-8",
  pdt: "UTC-7",
  et: "America/New_York",
  pt: "America/Los_Angeles",
  msk: "Europe/Moscow",
  мск: "Europe/Moscow",
  екб: "Asia/Yekaterinburg",
};
const REGIONS: Readonly<Record<string, string>> = {
  pacific: "America/Los_Angeles",
  eastern: "America/New_York",
  central: "America/Chicago",
  mountain: "America/Denver",
  московскому: "Europe/Moscow",
  moscow: "Europe/Moscow",
};

const PHRASE = new RegExp(
  `${WB}(?:` +
    // 1: abbreviation, 2: its offset ("GMT+3", "UTC-5")
    `(?:по\\s+)?(${Object.keys(ABBREVIATIONS).join("|")})(?:\\s*([+-]\\s*\\d{1,2}(?::?\\d{2})?))?` +
    // 3: "по Москве", "по московскому времени"
    `|по\\s+(\\p{L}+)(?:\\s+времени)?` +
    // 4: "Moscow time", "pacific time"
    `|(\\p{L}+)\\s+time` +
    `)(?![\\p{L}\\p{N}_+])`,
  "giu",
);

/** The first explicit zone in the text, or undefined. */
export function findZonePhrase(text: string): ZonePhrase | undefined {
  PHRASE.lastIndex = 0;
  for (let m = PHRASE.exec(text); m !== null; m = PHRASE.exec(text)) {
    const zone = zoneOf(m);
    if (zone !== undefined) return { zone, label: m[0], start: m.index, end: m.index + m[0].length };
  }
  return undefined;
}

function zoneOf(m: RegExpExecArray): string | undefined {
  const abbr = m[1]?.toLowerCase();
  if (abbr !== undefined) {
    const base = ABBREVIATIONS[abbr];
    if (m[2] === undefined) return base;
    return abbr === "utc" || abbr === "gmt" ? resolveZone(`UTC${m[2].replace(/\s+/g, "")}`) : undefined;
  }
  const word = (m[3] ?? m[4] ?? "").toLowerCase();
  if (REGIONS[word] !== undefined) return REGIONS[word];
  if (m[3] === undefined) return resolveZone(word);
  // After "по" a city is dative: "по Киеву", "по Лондону" (resolveZone knows the "-е" forms).
  const stem = word.replace(/[ую]$/u, "");
  return resolveZone(word) ?? (stem === word ? undefined : (resolveZone(stem) ?? resolveZone(`${stem}ь`)));
}
