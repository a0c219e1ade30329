/**
 * The TimeParser port wired to bot/src/parse. Zones are normalised to IANA names here: the parse
 * layer answers a UTC offset as "UTC+3", stored as "Etc/GMT-3" (IANA's sign is inverted);
 * half-hour offsets have no Etc/ name and stay "UTC+5:30", which luxon and Intl accept too.
 */
import {
  applyQuietHours,
  describeRecurrence,
  formatDue,
  fromMinutes,
  nextOccurrence,
  parseReminder,
  resolveZone,
  zoneFromLocation,
} from "./parse/index.js";
import type { TimeParser } from "./services/time-parser.js";

export function toIana(zone: string): string {
  const m = /^UTC([+-])(\d{1,2})$/.exec(zone);
  if (!m) return zone;
  const hours = Number(m[2]);
  if (hours === 0) return "UTC";
  // Etc/GMT-3 is UTC+3.
  return `Etc/GMT${m[1] === "+" ? "-" : "+"}${hours}`;
}

export const parser: TimeParser = {
  parseReminder,
  nextOccurrence: (rule, after, zone) => nextOccurrence(rule, after, zone),
  resolveZone: (input) => {
    const zone = resolveZone(input);
    return zone ? toIana(zone) : null;
  },
  zoneFromLocation: (lat, lon) => toIana(zoneFromLocation(lat, lon)),
  // Stored (and handed over by the scheduler) as minutes after local midnight.
  applyQuietHours: (due, zone, quiet, urgent) =>
    quiet.start == null || quiet.end == null
      ? due
      : applyQuietHours(due, { start: fromMinutes(quiet.start), end: fromMinutes(quiet.end) }, zone, urgent),
  formatDue,
  describeRecurrence,
};
