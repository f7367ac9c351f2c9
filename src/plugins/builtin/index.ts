/** The plugins shipped with scrapewire, by name, as factories of their settings. */
import type { PluginFactory } from '../types';
import { WORKLOAD_CPU_PLUGIN, workloadCpuPlugin } from './workload-cpu';

export { WORKLOAD_CPU_METRIC, WORKLOAD_CPU_PLUGIN, workloadCpuPlugin, type WorkloadCpuSettings } from './workload-cpu';
export { workloadOf, type Workload, type WorkloadKind } from './workload-name';

/** The built-in plugins' factories, by name. */
export const BUILTIN_PLUGINS: Readonly<Record<string, PluginFactory>> = Object.freeze({
  [WORKLOAD_CPU_PLUGIN]: workloadCpuPlugin,
});
