import { pino, type Logger } from 'pino';
import type { Config } from './config/index.js';

export type { Logger };

/** The part of a logger that helpers need: satisfied by the server's logger and by a request's. */
export type LogSink = Pick<Logger, 'info' | 'warn' | 'error'>;

/**
 * JSON lines for machines; pino-pretty when a person watches a terminal (format: auto) or asks for it.
 * Secrets never reach a log line: the redact list covers the places they travel.
 */
export function createLogger(config: Pick<Config, 'log'>, destination?: NodeJS.WritableStream): Logger {
  const pretty =
    config.log.format === 'pretty' || (config.log.format === 'auto' && process.stdout.isTTY && !destination);
  const options = {
    level: config.log.level,
    base: { app: 'mizugiwa' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'password', '*.password', 'secret', '*.secret'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:standard', ignore: 'pid,hostname,app' } },
    });
  }
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
