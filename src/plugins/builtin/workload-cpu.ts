/**
 * workload-cpu: CPU time per workload, from cAdvisor.
 *
 * Reads `container_cpu_usage_seconds_total{namespace, pod, container}` from the cadvisor source
 * and emits
 *
 *     scrapewire_workload_cpu_usage_seconds_total{namespace, workload}
 *
 * the sum over the workload's containers on this node; the workload is the pod name with its
 * controller's suffix stripped (workload-name.ts documents the heuristic).
 *
 * Which series count (the plugin's relabel rules, run once per new series): only containers,
 * i.e. `container` neither empty (cAdvisor's pod-level and system cgroups, which already
 * include their containers: counting them would double the sum) nor `POD` (the pause container
 * of older runtimes); only `cpu="total"` (or no cpu label), in case the kubelet still exposes
 * per-CPU series.
 *
 * The result is typed counter. Like any sum of counters it drops when a pod goes away, which
 * rate() takes for a reset; a workload's rate over a window where pods came and went is an
 * approximation, exactly as with `sum by (workload) (container_cpu_usage_seconds_total)`.
 *
 * Settings (`plugins.settings.workload-cpu`):
 *   source:   name of the cAdvisor source (default `cadvisor`);
 *   nodeName: this node's name (the downward API's spec.nodeName), to recognise static pods.
 */
import { ScrapewireError } from '../../core/errors';
import type { Plugin, PluginSeries } from '../types';
import { workloadOf } from './workload-name';

export const WORKLOAD_CPU_PLUGIN = 'workload-cpu';
export const WORKLOAD_CPU_METRIC = 'scrapewire_workload_cpu_usage_seconds_total';
const INPUT_METRIC = 'container_cpu_usage_seconds_total';

export interface WorkloadCpuSettings {
  source?: string;
  nodeName?: string;
}

/** One output series; series states point at it, so a sample costs one addition. */
interface WorkloadGroup {
  readonly namespace: string;
  readonly workload: string;
  sum: number;
  /** The round that last added to it. */
  round: number;
  /** Pruned: series still pointing at it must look their group up again. */
  retired: boolean;
}

function stringSetting(settings: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = settings[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new ScrapewireError('ERR_CONFIG', `plugins.settings.${WORKLOAD_CPU_PLUGIN}.${key}: must be a non-empty string`);
  }
  return value;
}

export function workloadCpuPlugin(settings: Readonly<Record<string, unknown>> = {}): Plugin {
  for (const key of Object.keys(settings)) {
    if (key !== 'source' && key !== 'nodeName') {
      throw new ScrapewireError('ERR_CONFIG', `plugins.settings.${WORKLOAD_CPU_PLUGIN}.${key}: unknown setting (source, nodeName)`);
    }
  }
  const source = stringSetting(settings, 'source') ?? 'cadvisor';
  const nodeName = stringSetting(settings, 'nodeName');

  const groups = new Map<string, WorkloadGroup>();
  let round = 0;

  const groupOf = (series: PluginSeries): WorkloadGroup => {
    const namespace = series.get('namespace');
    const workload = workloadOf(series.get('pod'), nodeName).name;
    // Once per series: the key string is built when the series is new, never per sample.
    const key = `${namespace}/${workload}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { namespace, workload, sum: 0, round: 0, retired: false };
      groups.set(key, group);
    }
    return group;
  };

  return {
    name: WORKLOAD_CPU_PLUGIN,
    sources: [source],
    relabel: [
      { source_labels: ['__name__'], regex: INPUT_METRIC, action: 'keep' },
      { source_labels: ['container'], regex: '|POD', action: 'drop' },
      { source_labels: ['pod'], regex: '', action: 'drop' },
      { source_labels: ['cpu'], regex: 'total|', action: 'keep' },
    ],
    collect(snapshot, emit) {
      round++;
      const touched: WorkloadGroup[] = [];
      snapshot.source(source).forEachSeries(INPUT_METRIC, (series, value) => {
        let group = series.state as WorkloadGroup | undefined;
        if (group === undefined || group.retired) {
          group = groupOf(series);
          series.state = group;
        }
        if (group.round !== round) {
          group.round = round;
          group.sum = 0;
          touched.push(group);
        }
        group.sum += value;
      });
      emit.family(WORKLOAD_CPU_METRIC, 'counter', 'CPU time consumed by the containers of a workload on this node, in seconds.');
      for (const group of touched) {
        emit.sample(WORKLOAD_CPU_METRIC, { namespace: group.namespace, workload: group.workload }, group.sum);
      }
      // Workloads that left the node: forget them so the map follows the live pods.
      for (const [key, group] of groups) {
        if (group.round !== round) {
          group.retired = true;
          groups.delete(key);
        }
      }
    },
  };
}
