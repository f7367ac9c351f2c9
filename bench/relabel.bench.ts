/**
 * Relabeling throughput: a realistic metric_relabel_configs list (6 rules: drop by metric name,
 * labeldrop, two replaces, labelmap, labeldrop) over 100k cAdvisor-like label sets, compiled once
 * (src/relabel/) against the obvious implementation that builds each RegExp on every call.
 *
 *   npm run build && node dist/bench/relabel.bench.js
 *   (or: npm run build:ts && node --expose-gc dist/bench/relabel.bench.js)
 *
 * BENCH_ITERATIONS sets passes per task (default 5). "cold" builds a fresh Relabeler before each
 * pass (empty caches, as after a config reload); "warm" reuses one across passes, as a
 * long-running scrape loop does. "distinct" relabels 100k series that each come from a pod of
 * their own (every namespace/pod, image and id value new), so no regex result repeats: the cost of
 * the regex engine itself on a new series, which the per-rule result caches cannot hide. Both
 * paths' outputs are compared before timing.
 */
import type { Label } from '../src/labels';
import { compileRelabelConfigs, type Relabeler, type RelabelConfig } from '../src/relabel';
import { formatCount, iterationsFromEnv, markdownTable, measureTasks } from './lib/measure';

const SERIES = 100_000;

const RULES: RelabelConfig[] = [
  {
    source_labels: ['__name__'],
    regex: 'container_(network_tcp_usage_total|network_udp_usage_total|tasks_state|memory_failures_total|blkio_device_usage_total)',
    action: 'drop',
  },
  { regex: 'id|name', action: 'labeldrop' },
  {
    source_labels: ['namespace', 'pod'],
    separator: '/',
    regex: '(.+)/(.+)-[a-z0-9]{8,10}-[a-z0-9]{5}',
    target_label: 'workload',
    replacement: '$1/$2',
  },
  { source_labels: ['image'], regex: '.*:(.+)', target_label: 'image_tag' },
  { regex: 'container_label_io_kubernetes_(.+)', replacement: 'k8s_$1', action: 'labelmap' },
  { regex: 'container_label_.+', action: 'labeldrop' },
];

const METRICS = [
  'container_cpu_usage_seconds_total', 'container_cpu_cfs_periods_total', 'container_cpu_cfs_throttled_seconds_total',
  'container_memory_working_set_bytes', 'container_memory_rss', 'container_memory_cache', 'container_memory_failures_total',
  'container_network_receive_bytes_total', 'container_network_transmit_bytes_total', 'container_network_tcp_usage_total',
  'container_fs_reads_bytes_total', 'container_fs_writes_bytes_total', 'container_tasks_state', 'container_last_seen',
  'container_spec_memory_limit_bytes', 'container_blkio_device_usage_total',
];
const NAMESPACES = ['kube-system', 'monitoring', 'payments', 'checkout', 'search', 'default'];
const APPS = ['api', 'worker', 'frontend', 'redis', 'coredns', 'node-exporter', 'ingest', 'scheduler'];

/** Deterministic pseudo-random generator (mulberry32), so every run relabels the same sets. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function token(next: () => number, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(next() * alphabet.length)];
  return s;
}

/**
 * 100k label sets shaped like kubelet /metrics/cadvisor series (~12 labels each), from `podCount`
 * pods: 500 is a node's worth (each pod's values repeat across its 200 series), SERIES gives every
 * series a pod of its own.
 */
function cadvisorLabelSets(podCount: number): Label[][] {
  const next = random(42);
  const pods = Array.from({ length: podCount }, (_, i) => {
    const namespace = NAMESPACES[i % NAMESPACES.length];
    const app = APPS[Math.floor(next() * APPS.length)];
    const pod = `${app}-${token(next, 9)}-${token(next, 5)}`;
    const uid = `${token(next, 8)}-${token(next, 4)}-${token(next, 4)}-${token(next, 4)}-${token(next, 12)}`;
    return { namespace, app, pod, uid, containerId: token(next, 64) };
  });
  const sets: Label[][] = [];
  for (let i = 0; i < SERIES; i++) {
    const p = pods[i % pods.length];
    const metric = METRICS[(podCount === SERIES ? i : Math.floor(i / pods.length)) % METRICS.length];
    const map: Record<string, string> = {
      __name__: metric,
      container: p.app,
      container_label_io_kubernetes_container_name: p.app,
      container_label_io_kubernetes_pod_namespace: p.namespace,
      container_label_maintainer: 'team-platform',
      cpu: `cpu${Math.floor(i / (pods.length * METRICS.length)) % 64}`,
      id: `/kubepods/burstable/pod${p.uid}/${p.containerId}`,
      image: `registry.example.com/${p.namespace}/${p.app}:v1.${i % 17}.${podCount === SERIES ? i : i % 5}`,
      instance: `node-${i % 20}:10250`,
      job: 'kubernetes-cadvisor',
      name: `k8s_${p.app}_${p.pod}_${p.namespace}_${p.uid}_0`,
      namespace: p.namespace,
      pod: p.pod,
    };
    sets.push(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return sets;
}

/**
 * The obvious implementation: labels in a Map, every rule builds its RegExp on each call, and
 * groups are substituted with String.prototype.replace. Enough for the rules above (plain `$n`
 * references, no RE2-only syntax); the comparison below checks it agrees on this data set.
 */
function naiveRelabel(labels: readonly Label[], rules: readonly RelabelConfig[]): Label[] | null {
  const set = new Map<string, string>(labels);
  for (const rule of rules) {
    const regex = new RegExp(`^(?:${rule.regex ?? '(.*)'})$`, 's');
    const action = rule.action ?? 'replace';
    const value = (rule.source_labels ?? []).map((name) => set.get(name) ?? '').join(rule.separator ?? ';');
    if (action === 'drop' && regex.test(value)) return null;
    if (action === 'keep' && !regex.test(value)) return null;
    if (action === 'replace' && regex.test(value)) {
      const result = value.replace(regex, rule.replacement ?? '$1');
      if (result === '') set.delete(rule.target_label!);
      else set.set(rule.target_label!, result);
    }
    if (action === 'labeldrop') for (const name of [...set.keys()]) if (regex.test(name)) set.delete(name);
    if (action === 'labelmap') {
      for (const [name, v] of [...set]) if (regex.test(name)) set.set(name.replace(regex, rule.replacement ?? '$1'), v);
    }
  }
  return [...set].filter(([, v]) => v !== '').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function runCompiled(relabeler: Relabeler, sets: readonly Label[][]): number {
  let kept = 0;
  for (let i = 0; i < sets.length; i++) if (relabeler.process(sets[i]) !== null) kept++;
  return kept;
}

function runNaive(sets: readonly Label[][]): number {
  let kept = 0;
  for (let i = 0; i < sets.length; i++) if (naiveRelabel(sets[i], RULES) !== null) kept++;
  return kept;
}

async function main(): Promise<void> {
  const sets = cadvisorLabelSets(500);
  const distinctSets = cadvisorLabelSets(SERIES);
  const bytesOf = (all: Label[][]): number => {
    let bytes = 0;
    for (const set of all) for (const [name, value] of set) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    return bytes;
  };
  const bytes = bytesOf(sets);
  const distinctBytes = bytesOf(distinctSets);

  for (const [name, data] of [['500 pods', sets], ['distinct pods', distinctSets]] as const) {
    const check = compileRelabelConfigs(RULES, 'bench');
    let mismatches = 0;
    for (const set of data) {
      if (JSON.stringify(check.process(set)) !== JSON.stringify(naiveRelabel(set, RULES))) mismatches++;
    }
    const kept = runCompiled(compileRelabelConfigs(RULES, 'bench'), data);
    console.log(`${name}: ${SERIES} label sets, ${(bytesOf(data) / 1e6).toFixed(1)} MB of label text, ${RULES.length} rules; ${kept} kept; naive vs compiled mismatches: ${mismatches}`);
    if (mismatches !== 0) process.exitCode = 1;
  }

  let fresh = compileRelabelConfigs(RULES, 'bench');
  const warm = compileRelabelConfigs(RULES, 'bench');
  runCompiled(warm, sets);
  const rows = await measureTasks(
    [
      {
        name: 'naive (RegExp built per call)',
        run: () => runNaive(sets),
        bytes,
        series: SERIES,
      },
      {
        name: 'compiled, cold (fresh Relabeler per pass)',
        beforeEach: () => {
          fresh = compileRelabelConfigs(RULES, 'bench');
        },
        run: () => runCompiled(fresh, sets),
        bytes,
        series: SERIES,
      },
      {
        name: 'compiled, warm (reused Relabeler)',
        run: () => runCompiled(warm, sets),
        bytes,
        series: SERIES,
      },
      {
        name: 'compiled, distinct (every series its own pod, fresh Relabeler per pass)',
        beforeEach: () => {
          fresh = compileRelabelConfigs(RULES, 'bench');
        },
        run: () => runCompiled(fresh, distinctSets),
        bytes: distinctBytes,
        series: SERIES,
      },
    ],
    iterationsFromEnv(5),
  );
  console.log();
  console.log(markdownTable(rows, 'naive (RegExp built per call)'));
  const naive = rows[0];
  for (const row of rows.slice(1)) {
    console.log(`${row.name}: ${formatCount(row.seriesPerSecond)} series/s, ${(naive.meanMs / row.meanMs).toFixed(1)}x naive`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
