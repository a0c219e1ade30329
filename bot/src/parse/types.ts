/**
 * What the natural-language parser understands of a message. Pure data: the bot's services decide
 * what to do with it (confirm, ask, refuse). Instants are UTC Dates; wall-clock fields are in the
 * user's IANA zone.
 */

export type Lang = "ru" | "en";

export interface ParseContext {
  /** The current instant (injected, so tests fix it). */
  now: Date;
  /** The user's IANA time zone, e.g. "Europe/Moscow". */
  zone: string;
  /** The user's language; the parser still tries the other one when this one finds nothing. */
  lang: Lang;
}

/** Local wall-clock time of day. */
export interface TimeOfDay {
  hour: number;
  minute: number;
}

/** How a reminder repeats; every rule is evaluated in the user's zone, so DST keeps local times. */
export type Recurrence =
  | { kind: "daily"; time: TimeOfDay }
  /**
   * weekdays: ISO numbers 1 (Monday) .. 7 (Sunday). everyWeeks > 1 ("every other week"): only the
   * weeks (Monday-based) an exact multiple of everyWeeks away from the week of `from` (YYYY-MM-DD).
   */
  | { kind: "weekly"; weekdays: number[]; time: TimeOfDay; everyWeeks?: number; from?: string }
  /** day 31 is every month's last day (shorter months clamp). */
  | { kind: "monthly"; day: number; time: TimeOfDay }
  /** The nth (1..4, or -1 for the last) given ISO weekday of every month: "first Monday of the month". */
  | { kind: "monthly-weekday"; nth: number; weekday: number; time: TimeOfDay }
  | { kind: "yearly"; month: number; day: number; time: TimeOfDay }
  /** Fixed interval from the first occurrence, e.g. every 2 hours. */
  | { kind: "interval"; minutes: number };

export type ParseResult =
  | {
      kind: "ok";
      /** The reminder's text with the time expression removed, trimmed. */
      text: string;
      /** First occurrence (UTC instant). */
      due: Date;
      recurrence?: Recurrence;
      /** The user wrote "urgent"/"срочно": delivered even inside quiet hours. */
      urgent: boolean;
      /** The time as written in an explicit zone ("09:00 MSK"), shown beside the user's own. */
      zoneNote?: string;
    }
  /**
   * A date was found but no time of day ("завтра позвонить маме"): ask, never guess noon. A
   * recurring one carries its rule with a placeholder time of 00:00: complete it with
   * `completeWithTime` once the user answers.
   */
  | { kind: "needs-time"; text: string; date: { year: number; month: number; day: number }; recurrence?: Recurrence }
  /**
   * The time is ambiguous ("в 7": morning or evening?): offer both. For a recurring reminder,
   * `recurrence` is the first option's rule and `optionRecurrences[i]` the rule of `options[i]`.
   */
  | {
      kind: "ambiguous";
      text: string;
      options: Date[];
      recurrence?: Recurrence;
      optionRecurrences?: Recurrence[];
      /**
       * Set when the question is not morning-or-evening but doubt: words that look like a time
       * were left unused, or two readings disagree. The words, as written, for the question.
       */
      doubt?: string;
      /** The time of an explicit zone ("9:00 MSK"), to show beside the user's: "9:00 MSK = 07:00 yours". */
      zoneNote?: string;
    }
  /** The time is already past. */
  | { kind: "past"; text: string; due: Date }
  /**
   * No usable time expression. `reason` (optional, added compatibly) says why when something
   * time-like was there: a date that does not exist ("31 февраля") or one beyond ten years.
   */
  | { kind: "no-time"; text: string; reason?: "invalid-date" | "out-of-range" };

/** Quiet hours: local [start, end); spans midnight when end <= start ("23:00-08:00"). */
export interface QuietHours {
  start: TimeOfDay;
  end: TimeOfDay;
}
