import os from "node:os";
import type { Config } from "../../config.ts";

/**
 * The feed runs in the runtime, before (and without) a Fastify app, so it cannot use the app's
 * pino logger. This writes the same JSON lines as pino (level numbers, `time`, `pid`,
 * `hostname`, `msg`) with `name: "mqtt"`, at HOM_LOG_LEVEL, so one log pipeline reads both.
 */
export interface FeedLogger {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;

export function feedLogger(level: Config["logLevel"], name: string): FeedLogger {
  const threshold = LEVELS[level];
  const write = (value: number, fields: Record<string, unknown>, msg: string) => {
    if (value < threshold) return;
    const line: Record<string, unknown> = { level: value, time: Date.now(), pid: process.pid, hostname, name };
    for (const [key, field] of Object.entries(fields))
      line[key] = field instanceof Error ? serializeError(field) : field;
    line.msg = msg;
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (fields, msg) => write(LEVELS.debug, fields, msg),
    info: (fields, msg) => write(LEVELS.info, fields, msg),
    warn: (fields, msg) => write(LEVELS.warn, fields, msg),
    error: (fields, msg) => write(LEVELS.error, fields, msg),
  };
}

const hostname = os.hostname();

function serializeError(error: Error): Record<string, unknown> {
  return { type: error.name, message: error.message, stack: error.stack };
}
