/**
 * The collector as a node agent, in process, against real loopback parts: an HTTPS kubelet
 * stand-in (service-account token and CA on disk) serving /metrics, /metrics/cadvisor and /pods,
 * an annotated application pod found through kubelet_sd_configs, the built-in workload-cpu
 * plugin plus a plugin registered by the embedding code, and a remote-write receiver that
 * decodes what it gets. Every target takes the one pipeline: discovery, relabel_configs, the
 * scrape with the global limits, metric relabeling, delivery.
 * (test/e2e/node-agent.test.ts runs the shipped DaemonSet ConfigMap as a child process.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collector } from '../../src/collector/collector';
import { parseConfig } from '../../src/config/load';
import { WORKLOAD_CPU_METRIC } from '../../src/plugins/builtin';
import type { Plugin } from '../../src/plugins/types';
import { decodeRw1 } from '../helpers/remote-write-proto';
import { ok204, ScriptedReceiver } from '../remote/scripted-receiver';
import { startHttpServer, type LoopbackServer } from '../scrape/support/loopback-server';
import { pod } from '../support/kube-apiserver/objects';
import { NodeKubelet } from './support/node-kubelet';

const NODE = 'datagen-1-35';
let kubelet: NodeKubelet;
let app: LoopbackServer;
let receiver: ScriptedReceiver;
let saDir: string;

beforeAll(async () => {
  kubelet = await NodeKubelet.start({ nodeName: NODE });
  saDir = mkdtempSync(join(tmpdir(), 'scrapewire-sa-'));
  kubelet.writeServiceAccount(saDir);
  app = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('# TYPE orders_total counter\norders_total 42\n');
  });
  kubelet.pods = [
    pod({
      name: 'shop-7d9f8c6b5-x2x9z', namespace: 'shop', nodeName: NODE, hostIP: '127.0.0.1', podIP: '127.0.0.1',
      labels: { app: 'shop' }, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': new URL(app.origin).port },
      owner: { kind: 'ReplicaSet', name: 'shop-7d9f8c6b5' }, containers: [{ name: 'web' }],
    }),
    pod({ name: 'quiet-0', namespace: 'shop', nodeName: NODE, hostIP: '127.0.0.1', podIP: '127.0.0.1', containers: [{ name: 'app' }] }),
  ];
  receiver = await new ScriptedReceiver(() => ok204).start();
});
afterAll(async () => {
  await receiver.stop();
  await app.close();
  await kubelet.close();
  rmSync(saDir, { recursive: true, force: true });
});

test('kubelet, cAdvisor and annotated pods go through one pipeline; plugins read jobs through the shared fetch', async () => {
  const https = [
    '    scheme: https',
    `    bearer_token_file: ${saDir}/token`,
    `    tls_config: {ca_file: ${saDir}/ca.crt}`,
    `    static_configs: [{targets: ['${kubelet.address}'], labels: {node: ${NODE}}}]`,
  ];
  const config = parseConfig(
    [
      'global: {scrape_interval: 1s, scrape_timeout: 1s, sample_limit: 100000, label_limit: 64}',
      'scrape_configs:',
      '  - job_name: kubelet',
      ...https,
      '  - job_name: cadvisor',
      '    metrics_path: /metrics/cadvisor',
      ...https,
      '    metric_relabel_configs: [{source_labels: [__name__], regex: container_fs_.*, action: drop}]',
      '  - job_name: kubernetes-pods',
      '    kubelet_sd_configs:',
      `      - url: ${kubelet.origin}`,
      `        bearer_token_file: ${saDir}/token`,
      `        tls_config: {ca_file: ${saDir}/ca.crt}`,
      '        refresh_interval: 1s',
      '    relabel_configs:',
      '      - {source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape], action: keep, regex: "true"}',
      '      - source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]',
      '        regex: ([^:]+)(?::\\d+)?;(\\d+)',
      '        replacement: $1:$2',
      '        target_label: __address__',
      '      - {action: labelmap, regex: __meta_kubernetes_pod_label_(.+)}',
      '      - {source_labels: [__meta_kubernetes_namespace], target_label: namespace}',
      '      - {source_labels: [__meta_kubernetes_pod_name], target_label: pod}',
      '      - {source_labels: [__meta_kubernetes_pod_node_name], target_label: node}',
      'plugins:',
      '  enabled: ".+"',
      'remote_write:',
      `  - url: ${receiver.url}`,
      '    queue_config: {min_backoff: 100ms, max_backoff: 1s, batch_send_deadline: 100ms}',
    ].join('\n'),
    'node-agent.yml',
  );
  const runningPods: Plugin = {
    name: 'running-pods-doubled',
    jobs: ['kubelet'],
    collect(snapshot, emit) {
      emit.family('example_running_pods_doubled', 'gauge', 'kubelet_running_pods times two.');
      snapshot.target('kubelet')!.forEachSeries('kubelet_running_pods', (_series, value) => emit.sample('example_running_pods_doubled', {}, value * 2));
    },
  };
  const collector = await Collector.start({ config, listenAddress: '127.0.0.1:0', plugins: [runningPods] });
  let targets;
  try {
    await new Promise((resolve) => setTimeout(resolve, 4000));
    targets = collector.targetStatuses();
  } finally {
    await collector.stop(5000);
  }
  const series: Record<string, string>[] = [];
  const values = new Map<string, number[]>();
  let cadvisorUps = 0;
  for (const request of receiver.requests) {
    for (const ts of decodeRw1(request.body).timeseries ?? []) {
      const labels = Object.fromEntries(ts.labels.map((l: { name: string; value: string }) => [l.name, l.value]));
      series.push(labels);
      const name = labels.__name__;
      for (const s of ts.samples) {
        if (Number.isNaN(s.value)) continue;
        values.set(name, [...(values.get(name) ?? []), s.value]);
        if (name === 'up' && labels.job === 'cadvisor') cadvisorUps++;
      }
    }
  }
  const jobs = new Set(series.map((s) => s.job));
  expect([...jobs].filter((j) => j !== undefined).sort()).toEqual(['cadvisor', 'kubelet', 'kubernetes-pods']);
  expect(series.some((s) => s.job === 'cadvisor' && s.__name__ === 'container_cpu_usage_seconds_total' && s.node === NODE)).toBe(true);
  expect(series.some((s) => s.__name__.startsWith('container_fs_'))).toBe(false);
  // The annotated pod, with the labels Prometheus's example rules give it; the quiet one is not scraped.
  const orders = series.find((s) => s.__name__ === 'orders_total')!;
  expect(orders).toEqual({
    __name__: 'orders_total', app: 'shop', instance: `127.0.0.1:${new URL(app.origin).port}`, job: 'kubernetes-pods',
    namespace: 'shop', node: NODE, pod: 'shop-7d9f8c6b5-x2x9z',
  });
  expect(values.get('orders_total')?.[0]).toBe(42);
  // One target per job: the quiet pod was dropped by relabeling (and is listed as dropped).
  expect(targets!.map((t) => t.job).sort()).toEqual(['cadvisor', 'kubelet', 'kubernetes-pods']);
  // Plugins: the embedding code's and the built-in one reading job cadvisor.
  expect(values.get('example_running_pods_doubled')?.[0]).toBe(2 * 2);
  expect(series.some((s) => s.__name__ === WORKLOAD_CPU_METRIC && s.node === NODE && s.instance === kubelet.address)).toBe(true);
  // Every kubelet request carried the service-account token; one request per interval per URL.
  expect(kubelet.requests.every((r) => r.authorization === 'Bearer token-1')).toBe(true);
  // (A scrape cut short by the stop may have reached the kubelet without an up sample.)
  expect(cadvisorUps).toBeGreaterThanOrEqual(2);
  expect(kubelet.count('/metrics/cadvisor')).toBeLessThanOrEqual(cadvisorUps + 1);
});
