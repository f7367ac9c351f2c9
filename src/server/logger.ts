/**
 * The process's logger: pino, structured JSON on one line per record, with secrets censored by
 * key wherever they sit in a logged object.
 */
import pino, { type DestinationStream, type Level, type Logger as PinoLogger } from 'pino';
import { SECRET_PLACEHOLDER } from '../config/redact';
import { ScrapewireError } from '../errors';

/** Keys whose values are secrets: config fields (basic_auth.password, authorization.credentials,
 * bearer_token) and HTTP headers. An `authorization` object or header is censored whole. */
export const SECRET_KEYS = [
  'password',
  'bearer_token',
  'credentials',
  'authorization',
  'Authorization',
  'proxy-authorization',
  'Proxy-Authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'Set-Cookie',
];

/**
 * pino's redaction wildcards match one level each, so each key is listed at depths 0 to
 * MAX_SECRET_DEPTH: deep enough for `config.scrape_configs[0].basic_auth.password` (4 levels
 * above the key) and `req.headers.authorization`. Redaction runs only for objects that are
 * logged, never on the scrape path.
 */
export const MAX_SECRET_DEPTH = 5;

export function secretPaths(): string[] {
  const paths: string[] = [];
  for (const key of SECRET_KEYS) {
    const leaf = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    for (let depth = 0; depth <= MAX_SECRET_DEPTH; depth++) {
      const prefix = '*.'.repeat(depth);
      paths.push(leaf.startsWith('[') ? (depth === 0 ? leaf : prefix.slice(0, -1) + leaf) : prefix + leaf);
    }
  }
  return paths;
}

/** A pino level, or silent. */
export type LogLevel = Level | 'silent';

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** The level and destination of createLogger's logger. */
export interface LoggerOptions {
  level: LogLevel;
  /** A file path, a file descriptor or a stream; standard output when absent. */
  destination?: string | number | DestinationStream;
}

/** The collector's JSON logger (pino), with secrets redacted. */
export function createLogger({ level, destination }: LoggerOptions): PinoLogger {
  if (!LEVELS.includes(level)) {
    throw new ScrapewireError('ERR_USAGE', `log level "${level}" is not one of ${LEVELS.join(', ')}`);
  }
  const options: pino.LoggerOptions = {
    name: 'scrapewire',
    level,
    redact: { paths: secretPaths(), censor: SECRET_PLACEHOLDER },
    // "level":"info" rather than 30, as Prometheus's own JSON logs read.
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination === undefined) return pino(options);
  if (typeof destination === 'string' || typeof destination === 'number') {
    return pino(options, pino.destination({ dest: destination }));
  }
  return pino(options, destination);
}
