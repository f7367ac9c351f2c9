/** The plugin API (types.ts), its registry, the host that runs plugins over shared scrapes, and the built-in plugins. */
export type {
  EmittedType, Emitter, Label, NameFilter, Plugin, PluginFactory, PluginSeries, PluginSnapshot,
  RelabelConfig, TargetSnapshot,
} from './types';
export { PluginRegistry, checkPluginJobs, compileEnabledPattern, type RegisteredPlugin } from './registry';
export {
  PluginHost, type PluginHostOptions, type PluginOutcome, type PluginStatus,
} from './plugin-host';
export { TargetSeriesCache } from './series-cache';
export { CollectingEmitter } from './emitter';
export {
  BUILTIN_PLUGINS, WORKLOAD_CPU_METRIC, WORKLOAD_CPU_PLUGIN, workloadCpuPlugin, workloadOf, type Workload, type WorkloadKind,
  type WorkloadCpuSettings,
} from './builtin';
