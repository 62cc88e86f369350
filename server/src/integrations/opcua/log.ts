import { hostname } from "node:os";

/** The levels of HOM_LOG_LEVEL, with pino's numbers so feed lines sit beside Fastify's. */
const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
export type LogLevel = keyof typeof LEVELS;

export interface FeedLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * A machine feed runs outside any request, so it has no Fastify logger to borrow: it writes
 * the same JSON lines (pino's fields) to stdout, named after the feed.
 */
export function feedLogger(name: string, level: LogLevel): FeedLogger {
  const threshold = LEVELS[level];
  const host = hostname();
  const write = (at: number) => (fields: object, message: string) => {
    if (at < threshold) return;
    const line = { level: at, time: Date.now(), pid: process.pid, hostname: host, name, ...fields, msg: message };
    process.stdout.write(`${JSON.stringify(line, errorsAsText)}\n`);
  };
  return { debug: write(LEVELS.debug), info: write(LEVELS.info), warn: write(LEVELS.warn), error: write(LEVELS.error) };
}

function errorsAsText(_key: string, value: unknown): unknown {
  return value instanceof Error ? { type: value.name, message: value.message } : value;
}

/** Logs nothing: for feeds built in tests or tools that do not want the noise. */
export const silentLogger: FeedLogger = feedLogger("silent", "silent");
