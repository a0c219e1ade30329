/**
 * What the bot needs from the natural-language layer (bot/src/parse). Services take this port as an
 * argument, so the wiring to the parser's actual functions lives in one place (../parser.ts).
 */
import type { Lang, ParseContext, ParseResult, Recurrence } from "../parse/types.js";

export interface QuietHours {
  start: number | null;
  end: number | null;
}

export interface TimeParser {
  parseReminder(input: string, ctx: ParseContext): ParseResult;
  /** The first occurrence strictly after `after`, in `zone`. */
  nextOccurrence(recurrence: Recurrence, after: Date, zone: string): Date;
  /** A city name or UTC offset to an IANA zone; null when unknown. */
  resolveZone(input: string): string | null;
  zoneFromLocation(latitude: number, longitude: number): string | null;
  /** Moves `due` to the end of the quiet window when it falls inside (unless urgent). */
  applyQuietHours(due: Date, zone: string, quiet: QuietHours, urgent: boolean): Date;
  formatDue(due: Date, zone: string, lang: Lang, now: Date): string;
  describeRecurrence(recurrence: Recurrence, lang: Lang): string;
}
