/**
 * Inline-button payloads: short ("op:id:arg", well under Telegram's 64 bytes) and parsed strictly,
 * so a forged or stale payload is recognised as such and changes nothing.
 */
export type Action =
  | { op: "confirm"; id: number }
  | { op: "change"; id: number }
  | { op: "cancel"; id: number }
  /** Pick a time for a draft (needs-time / ambiguous): epoch minutes. */
  | { op: "pick"; id: number; minutes: number }
  /** `owner`: who asked for the list; in a group only they may turn its pages. */
  | { op: "page"; page: number; owner?: number }
  | { op: "delete"; id: number; page: number }
  | { op: "pause"; id: number; page: number }
  | { op: "resume"; id: number; page: number }
  | { op: "edit"; id: number }
  | { op: "done"; id: number }
  | { op: "snooze"; id: number; what: "10m" | "1h" | "morning" }
  | { op: "lang"; lang: "ru" | "en"; onboarding: boolean }
  | { op: "settings"; what: "lang" | "zone" | "quiet" }
  | { op: "quiet"; start: number; end: number }
  | { op: "quiet-off" };

const ID = "(\\d{1,15})";
const SMALL = "(\\d{1,4})";

const decoders: Array<[RegExp, (m: string[]) => Action | null]> = [
  [new RegExp(`^ok:${ID}$`), (m) => ({ op: "confirm", id: num(m[1]) })],
  [new RegExp(`^ch:${ID}$`), (m) => ({ op: "change", id: num(m[1]) })],
  [new RegExp(`^no:${ID}$`), (m) => ({ op: "cancel", id: num(m[1]) })],
  [new RegExp(`^at:${ID}:(\\d{1,10})$`), (m) => ({ op: "pick", id: num(m[1]), minutes: num(m[2]) })],
  [
    new RegExp(`^l:${SMALL}(?::${ID})?$`),
    (m) => ({ op: "page", page: num(m[1]), ...(m[2] === undefined ? {} : { owner: num(m[2]) }) }),
  ],
  [new RegExp(`^ld:${ID}:${SMALL}$`), (m) => ({ op: "delete", id: num(m[1]), page: num(m[2]) })],
  [new RegExp(`^lp:${ID}:${SMALL}$`), (m) => ({ op: "pause", id: num(m[1]), page: num(m[2]) })],
  [new RegExp(`^lr:${ID}:${SMALL}$`), (m) => ({ op: "resume", id: num(m[1]), page: num(m[2]) })],
  [new RegExp(`^le:${ID}$`), (m) => ({ op: "edit", id: num(m[1]) })],
  [new RegExp(`^d:${ID}$`), (m) => ({ op: "done", id: num(m[1]) })],
  [
    new RegExp(`^s:${ID}:(10m|1h|mo)$`),
    (m) => ({ op: "snooze", id: num(m[1]), what: m[2] === "mo" ? "morning" : (m[2] as "10m" | "1h") }),
  ],
  [/^lang:(ru|en)(:o)?$/, (m) => ({ op: "lang", lang: m[1] as "ru" | "en", onboarding: m[2] === ":o" })],
  [/^set:(lang|zone|quiet)$/, (m) => ({ op: "settings", what: m[1] as "lang" | "zone" | "quiet" })],
  [/^q:(\d{1,4}):(\d{1,4})$/, (m) => quiet(num(m[1]), num(m[2]))],
  [/^q:off$/, () => ({ op: "quiet-off" })],
];

function num(s: string | undefined): number {
  return Number(s);
}

function quiet(start: number, end: number): Action | null {
  const ok = (n: number) => Number.isInteger(n) && n >= 0 && n < 24 * 60;
  return ok(start) && ok(end) && start !== end ? { op: "quiet", start, end } : null;
}

export function decodeAction(data: string | undefined): Action | null {
  if (typeof data !== "string" || data.length > 64) return null;
  for (const [re, build] of decoders) {
    const m = re.exec(data);
    if (m) {
      const action = build(m);
      if (action && "id" in action && !Number.isSafeInteger(action.id)) return null;
      if (action?.op === "page" && action.owner !== undefined && !Number.isSafeInteger(action.owner)) return null;
      return action;
    }
  }
  return null;
}

export function encodeAction(a: Action): string {
  switch (a.op) {
    case "confirm":
      return `ok:${a.id}`;
    case "change":
      return `ch:${a.id}`;
    case "cancel":
      return `no:${a.id}`;
    case "pick":
      return `at:${a.id}:${a.minutes}`;
    case "page":
      return a.owner === undefined ? `l:${a.page}` : `l:${a.page}:${a.owner}`;
    case "delete":
      return `ld:${a.id}:${a.page}`;
    case "pause":
      return `lp:${a.id}:${a.page}`;
    case "resume":
      return `lr:${a.id}:${a.page}`;
    case "edit":
      return `le:${a.id}`;
    case "done":
      return `d:${a.id}`;
    case "snooze":
      return `s:${a.id}:${a.what === "morning" ? "mo" : a.what}`;
    case "lang":
      return `lang:${a.lang}${a.onboarding ? ":o" : ""}`;
    case "settings":
      return `set:${a.what}`;
    case "quiet":
      return `q:${a.start}:${a.end}`;
    case "quiet-off":
      return "q:off";
  }
}
