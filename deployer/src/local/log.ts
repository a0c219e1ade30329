/**
 * The local log of one run: JSON lines under .deployer/logs/, written with winston, holding every
 * event and output line (already redacted; the redactor here is a second guard).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import winston from "winston";

export interface RunLog {
  path: string;
  write(entry: Record<string, unknown>): void;
  close(): Promise<void>;
}

/** A copy of value with every string in it (keys too) passed through redact. */
function redactStrings(value: unknown, redact: (s: string) => string): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, redact));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactStrings(v, redact)]));
  return value;
}

export function openRunLog(dir: string, command: string, redact: (s: string) => string, now = new Date()): RunLog {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const safe = command.replace(/[^a-z0-9-]/gi, "_");
  const path = join(dir, `${stamp}-${safe}-${process.pid}.jsonl`);
  const logger = winston.createLogger({
    level: "info",
    format: winston.format.printf((info) => {
      const { level: _level, message: _message, ...rest } = info;
      // Strings are redacted before JSON escapes them (a secret with " or \ changes there), the
      // JSON text again in case a secret spans a key and a value.
      return redact(JSON.stringify(redactStrings(rest, redact)));
    }),
    transports: [new winston.transports.File({ filename: path, options: { mode: 0o600 } })],
  });
  return {
    path,
    write(entry) {
      logger.info("", { t: new Date().toISOString(), ...entry });
    },
    close() {
      return new Promise((resolve) => {
        logger.on("finish", () => resolve());
        logger.end();
        // winston's finish may not fire when nothing was written; do not hang on it.
        setTimeout(resolve, 2000).unref();
      });
    },
  };
}
