/**
 * The one logger type every part writes to (delivery, discovery, scraping, plugins, the server):
 * the subset of pino's API scrapewire uses, so a pino logger (or a child of one) can be passed as
 * is. Log objects never contain credentials or headers; URLs are logged without userinfo or query.
 */
export interface LogFn {
  (obj: object, msg?: string): void;
}

/** The logger scrapewire writes to: a pino logger (or a child of one) fits. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const noop: LogFn = () => {};
/** Writes nothing: the default where no logger is given. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
