/**
 * Turning what a user types or shares into a zone the rest of the bot can compute with: a city
 * from the built-in table, an IANA name, or a UTC offset (returned as luxon's fixed-offset form,
 * e.g. "UTC+3", "UTC-3:30").
 */
import { CITIES } from "./city-zones.js";
import { isValidZone } from "./local-time.js";

/** Lower case, ё→е, hyphens/dots/underscores to spaces, one space between words. */
export function normaliseName(input: string): string {
  return input
    .toLowerCase()
    .replace(/ё/g, "е")
    .replace(/[-‐‑–—_.,'’"«»()]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

const CITY_INDEX: ReadonlyMap<string, string> = new Map(
  CITIES.flatMap((c) => c.names.map((n) => [normaliseName(n), c.zone] as const)),
);

// Russian case endings users type after a preposition ("в Москве", "в Берлине"): tried as a fallback.
const RU_CASE_ENDINGS: ReadonlyArray<[RegExp, string[]]> = [
  [/е$/, ["а", "я", "ь", ""]],
  [/и$/, ["ь", "я", "а"]],
];

const OFFSET = /^(?:utc|gmt)?\s*([+\-−])\s*(\d{1,2})(?::?(\d{2}))?$/i;

/** A zone for a city name (Russian or English), an IANA name, or a UTC offset; undefined otherwise. */
export function resolveZone(input: string): string | undefined {
  if (typeof input !== "string") return undefined;
  const raw = input.trim().slice(0, 100);
  if (raw.length === 0) return undefined;
  const offset = parseOffset(raw);
  if (offset !== undefined) return offset;
  if (/^(utc|gmt|z)$/i.test(raw)) return "UTC";
  if (raw.includes("/")) {
    const canonical = canonicalIana(raw.replace(/\s+/g, "_"));
    if (canonical !== undefined) return canonical;
  }
  let name = normaliseName(raw).replace(/^(?:в|во|г|город|in|city of)\s+/, "");
  const direct = CITY_INDEX.get(name);
  if (direct !== undefined) return direct;
  for (const [ending, replacements] of RU_CASE_ENDINGS) {
    if (!ending.test(name)) continue;
    for (const r of replacements) {
      const hit = CITY_INDEX.get(name.replace(ending, r));
      if (hit !== undefined) return hit;
    }
  }
  name = name.replace(/\s+/g, "");
  for (const [key, zone] of CITY_INDEX) if (key.replace(/\s+/g, "") === name) return zone;
  return undefined;
}

/** "UTC+3", "+03:00", "GMT-5", "utc+5:30" -> "UTC+3", "UTC+5:30"; undefined when not an offset or out of range. */
export function parseOffset(input: string): string | undefined {
  const m = OFFSET.exec(input.trim());
  if (!m) return undefined;
  const sign = m[1] === "+" ? 1 : -1;
  const hours = Number(m[2]);
  const minutes = m[3] === undefined ? 0 : Number(m[3]);
  if (minutes >= 60 || (minutes !== 0 && minutes !== 30 && minutes !== 45)) return undefined;
  const total = sign * (hours * 60 + minutes);
  if (total < -12 * 60 || total > 14 * 60) return undefined;
  if (total === 0) return "UTC";
  const mm = minutes === 0 ? "" : `:${String(minutes).padStart(2, "0")}`;
  return `UTC${sign > 0 ? "+" : "-"}${hours}${mm}`;
}

function canonicalIana(name: string): string | undefined {
  try {
    const resolved = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
    return isValidZone(resolved) ? resolved : undefined;
  } catch {
    return undefined;
  }
}

const EARTH_RADIUS_KM = 6371;
/** Beyond this distance from every city in the table, the longitude's nominal offset is a better guess. */
const MAX_CITY_DISTANCE_KM = 1500;

/**
 * The zone of the nearest city in the table, for a location shared in Telegram. A limitation:
 * near a border (or a zone boundary inside Russia, the US, ...) the nearest big city may be across
 * it; far from every city (oceans, the Arctic), the longitude's nominal offset ("UTC+N") is used.
 */
export function zoneFromLocation(lat: number, lon: number): string {
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return "UTC";
  let best = CITIES[0];
  let bestKm = Infinity;
  for (const c of CITIES) {
    const km = distanceKm(lat, lon, c.lat, c.lon);
    if (km < bestKm) {
      bestKm = km;
      best = c;
    }
  }
  if (best !== undefined && bestKm <= MAX_CITY_DISTANCE_KM) return best.zone;
  const hours = Math.max(-12, Math.min(12, Math.round(lon / 15)));
  return hours === 0 ? "UTC" : `UTC${hours > 0 ? "+" : "-"}${Math.abs(hours)}`;
}

function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}
