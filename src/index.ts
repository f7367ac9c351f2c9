/**
 * scrapewire as a library, for Node agents that embed it.
 *
 * - `Collector`: the whole agent (scrape loop, remote write, web server) from a config file or a
 *   config object; `start()`, `reload()`, `stop()`.
 * - `Core`: the WebAssembly parser and remote-write encoder alone.
 * - `parseConfig` / `loadConfigFile`: Prometheus-format configuration, validated.
 * - `enableGcPacing`: a minor GC after every few MiB of scraped body (the collector default),
 *   which keeps a large page's socket buffers from piling up; off unless the agent turns it on.
 */
export { Core, ScrapewireError, decodeLabels, encodeLabels } from './core';
export type {
  CoreOptions, CoreMemoryStats, EncodeOptions, ErrorCode, ExpositionFormat, Label, MetricType, NewSeries,
  NewSeriesResolver, RemoteWriteProtocol, EncodedRequest, ScrapeOptions, ScrapeSummary, SeriesDecision, SnapshotView,
} from './core';
export { RW1, RW2 } from './remote-write-protocol';
export { Collector, type CollectorOptions } from './collector/collector';
export { parseConfig, loadConfigFile, defaultConfig } from './config/load';
export type { Config, ScrapeConfig, RemoteWriteConfig, GlobalConfig } from './config/types';
export { compileRelabelConfigs } from './relabel/relabeler';
export type { RelabelConfig } from './relabel/types';
export { PluginRegistry } from './plugins/registry';
export { BUILTIN_PLUGINS } from './plugins/builtin';
export { enableGcPacing, disableGcPacing, gcPacingStats } from './runtime/gc-pacing';
export type { Plugin, PluginSnapshot, TargetSnapshot, PluginSeries, Emitter, PluginFactory, NameFilter } from './plugins/types';
