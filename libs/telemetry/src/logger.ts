import pino, { Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; callers bind runId / phase / taskId with logger.child({...}). */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, base: { service, pid: process.pid } });
}
