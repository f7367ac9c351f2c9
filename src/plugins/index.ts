/** The plugin API (types.ts), its registry, the host that runs plugins over shared scrapes, and the built-in plugins. */
export type {
  EmittedType, Emitter, Label, NameFilter, Plugin, PluginFactory, PluginLogger, PluginSeries, PluginSnapshot,
  RelabelConfig, SourceSnapshot,
} from './types';
export { PluginRegistry, compileEnabledPattern, type RegisteredPlugin } from './registry';
export {
  PluginHost, type PluginHostOptions, type PluginOutcome, type PluginStatus, type ProvidedScrape, type ScrapeProvider,
} from './plugin-host';
export { SourceSeriesCache } from './series-cache';
export { CollectingEmitter } from './emitter';
export {
  BUILTIN_PLUGINS, WORKLOAD_CPU_METRIC, WORKLOAD_CPU_PLUGIN, workloadCpuPlugin, workloadOf, type Workload, type WorkloadKind,
  type WorkloadCpuSettings,
} from './builtin';
