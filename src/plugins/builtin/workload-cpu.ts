/**
 * workload-cpu: CPU time per workload, from cAdvisor.
 *
 * Reads `container_cpu_usage_seconds_total{namespace, pod, container}` from the targets of the
 * cAdvisor job (a kubelet's /metrics/cadvisor) and emits, per target,
 *
 *     scrapewire_workload_cpu_usage_seconds_total{instance, node, namespace, workload}
 *
 * the sum over the workload's containers on that target's node; the workload is the pod name
 * with its controller's suffix stripped (workload-name.ts documents the heuristic). `instance`
 * (and `node`, when the target has that label) are the target's, so the sums of several nodes
 * never collide.
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
 *   job:      the scrape_configs job that scrapes cAdvisor (default `cadvisor`);
 *   nodeName: this node's name (the downward API's spec.nodeName), to recognise static pods;
 *             default: the target's `node` label, if it has one.
 */
import { ScrapewireError } from '../../errors';
import type { Plugin, PluginSeries } from '../types';
import { workloadOf } from './workload-name';

export const WORKLOAD_CPU_PLUGIN = 'workload-cpu';
export const WORKLOAD_CPU_METRIC = 'scrapewire_workload_cpu_usage_seconds_total';
const INPUT_METRIC = 'container_cpu_usage_seconds_total';
const SETTINGS = ['job', 'nodeName'];

export interface WorkloadCpuSettings {
  job?: string;
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

/** What the plugin keeps per target (TargetSnapshot.state). */
interface TargetState {
  groups: Map<string, WorkloadGroup>;
  round: number;
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
    if (!SETTINGS.includes(key)) {
      throw new ScrapewireError('ERR_CONFIG', `plugins.settings.${WORKLOAD_CPU_PLUGIN}.${key}: unknown setting (${SETTINGS.join(', ')})`);
    }
  }
  const job = stringSetting(settings, 'job') ?? 'cadvisor';
  const configuredNode = stringSetting(settings, 'nodeName');

  return {
    name: WORKLOAD_CPU_PLUGIN,
    jobs: [job],
    relabel: [
      { source_labels: ['__name__'], regex: INPUT_METRIC, action: 'keep' },
      { source_labels: ['container'], regex: '|POD', action: 'drop' },
      { source_labels: ['pod'], regex: '', action: 'drop' },
      { source_labels: ['cpu'], regex: 'total|', action: 'keep' },
    ],
    collect(snapshot, emit) {
      emit.family(WORKLOAD_CPU_METRIC, 'counter', 'CPU time consumed by the containers of a workload on a node, in seconds.');
      for (const target of snapshot.targets) {
        const state = (target.state ??= { groups: new Map(), round: 0 }) as TargetState;
        const round = ++state.round;
        const { groups } = state;
        const nodeName = configuredNode ?? target.labels.node;
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
        const touched: WorkloadGroup[] = [];
        target.forEachSeries(INPUT_METRIC, (series, value) => {
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
        const where = { instance: target.labels.instance ?? '', node: target.labels.node ?? '' };
        for (const group of touched) {
          emit.sample(WORKLOAD_CPU_METRIC, { ...where, namespace: group.namespace, workload: group.workload }, group.sum);
        }
        // Workloads that left the node: forget them so the map follows the live pods.
        for (const [key, group] of groups) {
          if (group.round !== round) {
            group.retired = true;
            groups.delete(key);
          }
        }
      }
    },
  };
}
