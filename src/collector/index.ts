/**
 * `scrapewire/collector`: the whole agent and its configuration, without the rest of the
 * library API. Loads everything the collector runs on (undici, prom-client, pino, yaml; re2js
 * only when a relabel regex is first compiled); `scrapewire/core` is the entry point that loads none
 * of them.
 *
 * @packageDocumentation
 * @module scrapewire/collector
 */
export {
  Collector, DEFAULT_SCRAPE_INTERVAL_MS, withLocalTargets, type CollectorOptions, type LocalTarget, type StopOptions,
} from './collector';
export { parseConfig, loadConfigFile, defaultConfig, type ParseOptions } from '../config/load';
export { configFromDocument } from '../config/document';
export type { ConfigDocument, ScrapeConfigOptions, RemoteWriteOptions } from '../config/document';
export { ConfigError } from '../config/errors';
export type { Config, ScrapeConfig, RemoteWriteConfig, GlobalConfig } from '../config/types';
export { ScrapewireError, type ErrorCode } from '../errors';
export type { MountOptions, RequestListener } from '../server/web-handler';
export type { TargetStatus, TargetHealth, Logger } from '../server/types';
export type { LocalSource, MetricsRegistry, ExpositionFunction, ExpositionBody, ExpositionResponse, LocalScrapeContext } from '../scrape/local-source';
export type { CollectorEvents, ScrapeEvent, SentEvent, FailedEvent, RetriedEvent, DroppedEvent, QueueEvent } from '../events';
export type { Plugin, PluginSnapshot, TargetSnapshot, PluginSeries, Emitter } from '../plugins/types';
