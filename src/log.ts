/**
 * Logging: JSON lines on stderr (stdout carries only the ready line), with every field that could
 * hold a secret censored before it is written.
 */
import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/** Paths pino censors wherever they occur; keys, MACs, Data blobs and tokens never reach a log. */
const REDACT_PATHS = [
  "privateKeyPem",
  "*.privateKeyPem",
  "*.*.privateKeyPem",
  "hmacKey",
  "*.hmacKey",
  "blowfishKey",
  "*.blowfishKey",
  "aesKey",
  "*.aesKey",
  "authorization",
  "*.authorization",
  "*.headers.authorization",
  "req.headers.authorization",
  "adminToken",
  "*.adminToken",
  "password",
  "*.password",
  "masterKey",
  "*.masterKey",
];

export interface LoggerOptions {
  readonly level?: string;
  readonly name?: string;
  /** Where lines go; stderr by default. Tests pass a stream to read them back. */
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.KASSE_LOG_LEVEL ?? "info",
      ...(options.name ? { name: options.name } : {}),
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { pid: process.pid },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger that writes nothing; for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
