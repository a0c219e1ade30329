/**
 * "через 2 часа", "через полчаса", "через 1 час 30 минут", "in 20 minutes", "in an hour", "in 1h30m":
 * offsets from now in seconds, minutes and hours. Days and weeks are left to chrono: they name a
 * calendar day, whose time of day the user still has to give.
 */
import { NUM, UNIT, WB, WE, numberValue, unitMinutes } from "./words.js";

export interface RelativeOffset {
  /** Offset from now in minutes (may be fractional for seconds). */
  minutes: number;
  start: number;
  end: number;
}

const PART = `(?:${NUM}\\s*)?${UNIT}`;
const SPECIAL = "(?:полчаса|полтора\\s+часа|полторы\\s+минуты|half\\s+an\\s+hour|an\\s+hour\\s+and\\s+a\\s+half)";
const RELATIVE = new RegExp(
  `${WB}(?:через|in)\\s+(${SPECIAL}|${PART}(?:(?:\\s*,?\\s*(?:и|and)?\\s*)${PART})*)${WE}`,
  "giu",
);
const PART_GLOBAL = new RegExp(`(${NUM})?\\s*(${UNIT})(?![\\p{L}])`, "giu");

const SPECIAL_MINUTES: ReadonlyArray<[RegExp, number]> = [
  [/^полчаса$/iu, 30],
  [/^полтора\s+часа$/iu, 90],
  [/^полторы\s+минуты$/iu, 1.5],
  [/^half\s+an\s+hour$/iu, 30],
  [/^an\s+hour\s+and\s+a\s+half$/iu, 90],
];

/** The first relative offset in the text, or undefined. */
export function findRelativeOffset(text: string): RelativeOffset | undefined {
  RELATIVE.lastIndex = 0;
  for (let m = RELATIVE.exec(text); m !== null; m = RELATIVE.exec(text)) {
    const body = m[1] ?? "";
    const minutes = offsetMinutes(body);
    if (minutes !== undefined) return { minutes, start: m.index, end: m.index + m[0].length };
  }
  return undefined;
}

function offsetMinutes(body: string): number | undefined {
  const special = SPECIAL_MINUTES.find(([re]) => re.test(body.trim()));
  if (special) return special[1];
  let total = 0;
  let parts = 0;
  PART_GLOBAL.lastIndex = 0;
  for (let p = PART_GLOBAL.exec(body); p !== null; p = PART_GLOBAL.exec(body)) {
    // A bare unit ("через час", "in an hour" is matched by NUM "an") means one of it.
    const n = p[1] === undefined ? 1 : numberValue(p[1]);
    const unit = unitMinutes(p[2] ?? "");
    if (!Number.isFinite(n) || !Number.isFinite(unit)) return undefined;
    total += n * unit;
    parts++;
  }
  return parts > 0 && Number.isFinite(total) ? total : undefined;
}
