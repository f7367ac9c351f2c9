/**
 * The collector as a node agent, in process, against real loopback parts: an HTTPS kubelet
 * stand-in (service-account token and CA on disk) serving /metrics, /metrics/cadvisor and /pods,
 * an annotated application pod, the built-in workload-cpu plugin plus a plugin registered by the
 * embedding code, and a remote-write receiver that decodes what it gets.
 */
import { Collector } from '../../src/collector/collector';
import { parseConfig } from '../../src/config/load';
import { WORKLOAD_CPU_METRIC } from '../../src/plugins/builtin';
import type { Plugin } from '../../src/plugins/types';
import { decodeRw1 } from '../helpers/remote-write-proto';
import { ok204, ScriptedReceiver } from '../remote/scripted-receiver';
import { startHttpServer, type LoopbackServer } from '../scrape/support/loopback-server';
import { pod, startKubeletStandIn, type KubeletStandIn } from '../sources/kubernetes/support/kubelet-stand-in';

let kubelet: KubeletStandIn;
let app: LoopbackServer;
let receiver: ScriptedReceiver;

beforeAll(async () => {
  kubelet = await startKubeletStandIn();
  app = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('# TYPE orders_total counter\norders_total 42\n');
  });
  kubelet.podList.items = [
    pod({ name: 'shop-7d9f8c6b5-x2x9z', namespace: 'shop', podIP: '127.0.0.1', annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': new URL(app.origin).port }, containers: [{ name: 'web' }] }),
    pod({ name: 'quiet-0', namespace: 'shop', podIP: '127.0.0.1' }),
  ];
  receiver = await new ScriptedReceiver(() => ok204).start();
});
afterAll(async () => {
  await receiver.stop();
  await app.close();
  await kubelet.close();
});

test('kubelet, cAdvisor and annotated pods are scraped, and plugins derive their series from the shared scrapes', async () => {
  const config = parseConfig(
    [
      'global: {scrape_interval: 1s, scrape_timeout: 1s}',
      'scrape_configs:',
      '  - job_name: containers',
      '    source: cadvisor',
      '    metric_relabel_configs: [{source_labels: [__name__], regex: container_fs_.*, action: drop}]',
      'sources:',
      '  - {name: kubelet, kind: kubelet, scrape_interval: 1s}',
      '  - {name: cadvisor, kind: cadvisor, scrape_interval: 1s}',
      '  - {name: kubernetes-pods, kind: pods}',
      'plugins:',
      '  enabled: ".+"',
      '  settings:',
      '    workload-cpu: {nodeName: datagen-1-35}',
      'remote_write:',
      `  - url: ${receiver.url}`,
      '    queue_config: {min_backoff: 100ms, max_backoff: 1s, batch_send_deadline: 100ms}',
    ].join('\n'),
    'node-agent.yml',
  );
  const runningPods: Plugin = {
    name: 'running-pods-doubled',
    sources: ['kubelet'],
    collect(snapshot, emit) {
      emit.family('example_running_pods_doubled', 'gauge', 'kubelet_running_pods times two.');
      snapshot.source('kubelet').forEachSeries('kubelet_running_pods', (_series, value) => emit.sample('example_running_pods_doubled', {}, value * 2));
    },
  };
  const collector = await Collector.start({ config, listenAddress: '127.0.0.1:0', node: kubelet.node, plugins: [runningPods] });
  try {
    await new Promise((resolve) => setTimeout(resolve, 4000));
  } finally {
    await collector.stop(5000);
  }
  const series: Record<string, string>[] = [];
  const values = new Map<string, number[]>();
  for (const request of receiver.requests) {
    for (const ts of decodeRw1(request.body).timeseries ?? []) {
      const labels = Object.fromEntries(ts.labels.map((l: { name: string; value: string }) => [l.name, l.value]));
      series.push(labels);
      const name = labels.__name__;
      for (const s of ts.samples) if (!Number.isNaN(s.value)) values.set(name, [...(values.get(name) ?? []), s.value]);
    }
  }
  const jobs = new Set(series.map((s) => s.job));
  expect(jobs.has('kubelet')).toBe(true);
  // cAdvisor is delivered by the job that names it, with that job's rules.
  expect(jobs.has('containers')).toBe(true);
  expect(jobs.has('cadvisor')).toBe(false);
  expect(series.some((s) => s.job === 'containers' && s.__name__ === 'container_cpu_usage_seconds_total')).toBe(true);
  expect(series.some((s) => s.__name__.startsWith('container_fs_'))).toBe(false);
  expect(jobs.has('kubernetes-pods')).toBe(true);
  const orders = series.find((s) => s.__name__ === 'orders_total')!;
  expect(orders).toMatchObject({ namespace: 'shop', pod: 'shop-7d9f8c6b5-x2x9z', container: 'web', job: 'kubernetes-pods' });
  expect(values.get('orders_total')?.[0]).toBe(42);
  expect(values.get('example_running_pods_doubled')?.[0]).toBe(22);
  expect(series.some((s) => s.__name__ === WORKLOAD_CPU_METRIC)).toBe(true);
  // Every kubelet request carried the service-account token.
  expect(kubelet.authorizations().every((a) => a === 'Bearer token-1')).toBe(true);
});
