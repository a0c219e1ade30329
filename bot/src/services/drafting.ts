/**
 * From a user's message to a decision: what to store and what to ask. Pure (the parser is a port),
 * so every refusal path is testable without Telegram or a database.
 */
import { DateTime } from "luxon";
import type { Lang, Recurrence } from "../parse/types.js";
import { MAX_INPUT_LENGTH, checkText, cleanText, isValidDue, textLength } from "./limits.js";
import type { QuietHours, TimeParser } from "./time-parser.js";

export interface Author {
  lang: Lang;
  zone: string;
  quiet: QuietHours;
}

export type Decision =
  | { kind: "empty" }
  | { kind: "too-long"; length: number }
  | { kind: "no-time" }
  | { kind: "past"; due: Date }
  | {
      kind: "ready";
      text: string;
      due: Date;
      recurrence: Recurrence | null;
      urgent: boolean;
      /** Quiet hours moved the time. */
      quietMoved: boolean;
      /** The time in the zone the user named ("09:00 по Москве"), shown beside theirs. */
      zoneNote?: string;
    }
  | {
      kind: "choose";
      question: "needs-time" | "ambiguous";
      text: string;
      options: Date[];
      recurrence: Recurrence | null;
      /** The day asked about (needs-time), for the question. */
      day: Date | null;
      /** Words that looked like a time but were not understood: the question names them. */
      doubt?: string;
    };

/** Times offered when the user named a day but no time: never a silent noon. */
export const SUGGESTED_HOURS = [9, 12, 15, 18, 21];

export function decide(raw: string, author: Author, parser: TimeParser, now: Date): Decision {
  if (raw.length > MAX_INPUT_LENGTH) return { kind: "too-long", length: textLength(raw) };
  const input = cleanText(raw);
  if (!input) return { kind: "empty" };
  let result;
  try {
    result = parser.parseReminder(input, { now, zone: author.zone, lang: author.lang });
  } catch {
    // A parser bug on odd input must not cost the user more than a rephrase.
    return { kind: "no-time" };
  }
  const text = cleanText(result.text ?? "");
  if (result.kind === "no-time") return { kind: "no-time" };
  const problem = checkText(text);
  if (problem) return problem.kind === "empty" ? { kind: "empty" } : { kind: "too-long", length: problem.length };

  switch (result.kind) {
    case "past":
      return { kind: "past", due: result.due };
    case "ok": {
      const due = parser.applyQuietHours(result.due, author.zone, author.quiet, result.urgent);
      if (!isValidDue(result.due, now) || !isValidDue(due, now)) return { kind: "past", due: result.due };
      return {
        kind: "ready",
        text,
        due,
        recurrence: result.recurrence ?? null,
        urgent: result.urgent,
        quietMoved: due.getTime() !== result.due.getTime(),
        ...(result.zoneNote !== undefined ? { zoneNote: result.zoneNote } : {}),
      };
    }
    case "needs-time": {
      const day = DateTime.fromObject(result.date, { zone: author.zone });
      if (!day.isValid) return { kind: "no-time" };
      const options = SUGGESTED_HOURS.map((hour) => day.set({ hour, minute: 0 }).toJSDate()).filter((d) =>
        isValidDue(d, now),
      );
      if (options.length === 0) return { kind: "past", due: day.endOf("day").toJSDate() };
      return {
        kind: "choose",
        question: "needs-time",
        text,
        options,
        recurrence: result.recurrence ?? null,
        day: day.toJSDate(),
      };
    }
    case "ambiguous": {
      const options = result.options.filter((d) => isValidDue(d, now)).slice(0, 6);
      if (options.length === 0) return { kind: "past", due: result.options[0] ?? now };
      return {
        kind: "choose",
        question: "ambiguous",
        text,
        options,
        recurrence: result.recurrence ?? null,
        day: null,
        ...(result.doubt !== undefined ? { doubt: result.doubt } : {}),
      };
    }
  }
}

/** A recurring rule's time of day set to the local time of `at` (after the user picked a time). */
export function withTimeOf(recurrence: Recurrence | null, at: Date, zone: string): Recurrence | null {
  if (!recurrence || recurrence.kind === "interval") return recurrence;
  const local = DateTime.fromJSDate(at, { zone });
  return { ...recurrence, time: { hour: local.hour, minute: local.minute } };
}
