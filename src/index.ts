/**
 * scrapewire as a library, for Node services and agents that embed it.
 *
 * - {@link Collector}: the whole agent (discovery, scrape loop, plugins, remote write, web
 *   endpoints) from a configuration file or object. In a service: `listen: false`, its endpoints
 *   mounted on the service's server with {@link Collector.handler}, the service's prom-client
 *   registry as an in-process target (`localTargets`), typed events.
 * - {@link Core}: the WebAssembly parser and remote-write encoder alone (also `scrapewire/core`,
 *   which loads no dependency).
 * - {@link RemoteWriter} / {@link createRemoteWriter}: delivery with batching, retries and a disk
 *   queue, usable alone (also `scrapewire/remote`).
 * - The scraper ({@link HttpScraper}, {@link LocalScraper}, {@link scrapeIntoCore},
 *   {@link ScrapeManager}), discovery ({@link providersOf}, {@link JobTargets}) and plugins
 *   ({@link Plugin}, {@link PluginRegistry}, {@link PluginHost}).
 * - {@link parseConfig} / {@link loadConfigFile} / {@link configFromDocument}: Prometheus-format
 *   configuration, validated once.
 * - {@link enableGcPacing}: a minor GC after every few MiB of scraped body (the collector
 *   binary's default), off unless the agent turns it on.
 *
 * @packageDocumentation
 * @module scrapewire
 */
export { Core, ScrapewireError, decodeLabels, encodeLabels, DEFAULT_MAX_MEMORY_BYTES } from './core';
export type { ScrapewireErrorOptions } from './errors';
export type {
  CoreOptions, CoreMemoryStats, EncodeOptions, ErrorCode, ExpositionFormat, Label, MetricType, NewSeries,
  NewSeriesResolver, RemoteWriteProtocol, EncodedRequest, ScrapeOptions, ScrapeSummary, SeriesDecision, SnapshotView,
} from './core';
export { RW1, RW2 } from './remote-write-protocol';

// The collector.
export {
  Collector, DEFAULT_SCRAPE_INTERVAL_MS, withLocalTargets, type CollectorOptions, type LocalTarget, type StopOptions,
} from './collector/collector';
export type { MountOptions, RequestListener } from './server/web-handler';
export type { TargetStatus, TargetHealth, Logger } from './server/types';
export type { LogFn } from './logger';
export { silentLogger } from './logger';
export type { ClusterOptions } from './cluster/sharding';
export type { WebLimits } from './server/limits';
export type { SinkLimits } from './collector/sink';
export { createSelfMetricsRegistry, type SelfMetricsOptions } from './server/self-metrics';
export { createLogger, type LoggerOptions, type LogLevel } from './server/logger';

// Events.
export { TypedEmitter, DELIVERY_EVENTS } from './events';
export type {
  CollectorEvents, DeliveryEvents, ScrapeEvent, SentEvent, FailedEvent, RetriedEvent, DroppedEvent, QueueEvent,
} from './events';

// Configuration.
export { parseConfig, loadConfigFile, defaultConfig, type ParseOptions } from './config/load';
export { configFromDocument } from './config/document';
export type {
  ConfigDocument, ScrapeConfigOptions, RemoteWriteOptions, BasicAuthOptions, AuthorizationOptions, TlsOptions,
  RelabelRuleOptions, DurationText, SizeText,
} from './config/document';
export { ConfigError } from './config/errors';
export type { ConfigProblem } from './config/yaml-reader';
export type {
  Config, ScrapeConfig, RemoteWriteConfig, GlobalConfig, QueueConfig, MetadataConfig, PluginsConfig, StaticConfig,
  Authorization, BasicAuth, TlsConfig, FileSdConfig, HttpSdConfig, KubeletSdConfig, KubernetesSdConfig, OnParseError,
  HttpClientConfig, ScrapeLimits, DiscoveryLimits, KubernetesRole, KubernetesSelector,
} from './config/types';
export type { ScrapeProtocol, EscapingScheme } from './config/scrape-protocols';
export { compileRelabelConfigs, Relabeler } from './relabel/relabeler';
export type { CompileOptions } from './relabel/compile';
export type { NameValidation } from './relabel/label-names';
export type { RelabelConfig, RelabelAction } from './relabel/types';

// Delivery.
export { RemoteWriter, type RemoteWriterOptions } from './remote/remote-writer';
export { createRemoteWriter, validateEndpoints, type CreateRemoteWriterOptions, type CreatedRemoteWriter } from './remote/create';
export type { SendQueue, SendQueueStats, SendQueueOptions, EnqueueResult } from './remote/send-queue';
export type { RemoteWriteMetrics, UnpersistedSource } from './remote/metrics';
export type { DeliveryEventSink } from './events';
export type { OutgoingRequest } from './remote/outgoing-request';

// Scraping.
export { HttpScraper, type ScrapeResponse } from './scrape/http-scraper';
export { ConnectionPools, type ConnectionLease, type ConnectionSettings } from './scrape/connection-pools';
export type { HttpTargetOptions, HttpTlsOptions, HttpBasicAuth } from './scrape/http-target-options';
export {
  LocalScraper, LocalSources, LOCAL_SCHEME,
  type LocalSource, type MetricsRegistry, type ExpositionFunction, type ExpositionBody, type ExpositionResponse, type LocalScrapeContext,
} from './scrape/local-source';
export { createFetcher, type Fetcher } from './scrape/fetcher';
export { scrapeIntoCore, type CoreScrape, type ScrapeIntoCoreOptions } from './scrape/scrape-into-core';
export { ScrapeManager, type ScrapeManagerOptions } from './scrape/scrape-manager';
export type { TargetView } from './scrape/workers/scrape-workers';
export type { TargetScraper, TargetSpec, ScrapeOutcome, TargetScraperOptions } from './scrape/target';
export type { TargetReaders, FetchResult } from './scrape/scrape-loop';
export { scrapeMetrics, type ScrapeMetrics } from './scrape/scrape-metrics';
export type { DroppedTarget } from './scrape/scrape-manager';
export type { TargetRelabelers } from './scrape/target-labels';
export type { HttpTargetDescription } from './scrape/http-target-options';
export type { SampleSink, SinkRequest } from './scrape/sample-sink';

// Discovery.
export { providersOf, type ProviderOptions } from './discovery/providers';
export { JobTargets, type JobTargetsOptions, type ActiveTarget, type CapName } from './discovery/job-targets';
export type { DiscoveryProvider, DiscoveredGroup, DiscoveryContext, GroupsListener, LabelSet } from './discovery/types';

// Plugins.
export { PluginRegistry, type RegisteredPlugin } from './plugins/registry';
export { PluginHost, type PluginHostOptions, type PluginOutcome, type PluginStatus } from './plugins/plugin-host';
export { BUILTIN_PLUGINS } from './plugins/builtin';
export type { Plugin, PluginSnapshot, TargetSnapshot, PluginSeries, Emitter, EmittedType, PluginFactory, NameFilter } from './plugins/types';

// Process-wide GC pacing.
export { enableGcPacing, disableGcPacing, gcPacingStats } from './runtime/gc-pacing';
