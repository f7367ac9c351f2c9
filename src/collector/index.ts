/**
 * `scrapewire/collector`: the whole agent and its configuration, without the rest of the
 * library API. Loads everything the collector runs on (undici, prom-client, pino, yaml, re2js);
 * `scrapewire/core` is the entry point that loads none of them.
 */
export { Collector, DEFAULT_SCRAPE_INTERVAL_MS, type CollectorOptions } from './collector';
export { parseConfig, loadConfigFile, defaultConfig, type ParseOptions } from '../config/load';
export { ConfigError } from '../config/errors';
export type { Config, ScrapeConfig, RemoteWriteConfig, GlobalConfig } from '../config/types';
export { ScrapewireError, type ErrorCode } from '../errors';
