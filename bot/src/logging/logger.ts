/**
 * winston logger: JSON lines in production, readable lines in development. The last format step
 * serialises the whole entry and redacts the token and the DB password wherever they appear
 * (message, metadata, error stacks).
 */
import { Writable } from "node:stream";
import winston from "winston";
import type { LogLevel } from "../config/config.js";
import { redactSecrets } from "./redact.js";

export type Logger = winston.Logger;

export interface LoggerOptions {
  level: LogLevel;
  production: boolean;
  secrets: readonly string[];
  /** Where lines go (tests capture them); stdout by default. */
  stream?: NodeJS.WritableStream;
}

const MESSAGE = Symbol.for("message");

/** Redacts the rendered line (winston keeps it under Symbol.for("message")). */
function redactLine(secrets: readonly string[]) {
  return winston.format((info) => {
    const rendered = (info as Record<symbol, unknown>)[MESSAGE];
    if (typeof rendered === "string") (info as Record<symbol, unknown>)[MESSAGE] = redactSecrets(rendered, secrets);
    return info;
  })();
}

function readable() {
  return winston.format.printf((info) => {
    const { level, message, timestamp, stack, ...rest } = info as Record<string, unknown>;
    const meta = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : "";
    return `${String(timestamp)} ${String(level)}: ${String(message)}${meta}${stack ? `\n${String(stack)}` : ""}`;
  });
}

export function createLogger(options: LoggerOptions): Logger {
  const base = [winston.format.errors({ stack: true }), winston.format.timestamp()];
  const shape = options.production ? winston.format.json() : readable();
  const stream = options.stream ?? process.stdout;
  return winston.createLogger({
    level: options.level,
    format: winston.format.combine(...base, shape, redactLine(options.secrets)),
    transports: [new winston.transports.Stream({ stream })],
  });
}

/** A logger that writes nowhere (tests that do not look at logs). */
export function silentLogger(): Logger {
  return winston.createLogger({
    level: "error",
    silent: true,
    transports: [new winston.transports.Stream({ stream: new Writable({ write: (_c, _e, cb) => cb() }) })],
  });
}
