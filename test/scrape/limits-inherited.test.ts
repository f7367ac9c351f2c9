/**
 * Limits on every target, as Prometheus applies them: the global sample_limit, label limits,
 * body_size_limit and target_limit reach every job that does not set its own, whatever
 * discovered its targets (static_configs, file_sd, kubelet_sd pods), and every scrape they fail
 * is counted (scrapewire_scrape_scrapes_total{result}). A job's own value wins over the global.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parseConfig } from '../../src/config/load';
import { ScrapeManager } from '../../src/scrape/scrape-manager';
import { scrapeMetrics } from '../../src/scrape/scrape-metrics';
import { NodeKubelet } from '../collector/support/node-kubelet';
import { pod } from '../support/kube-apiserver/objects';
import { DecodingSink } from './support/decoding-sink';
import { startHttpServer, type LoopbackServer } from './support/loopback-server';
import { ManualClock, waitFor } from './support/manual-clock';

const PAGE = '# TYPE m gauge\nm{a="1"} 1\nm{a="2"} 2\nm{a="3"} 3\n';

let app: LoopbackServer;
let kubelet: NodeKubelet;
let dir: string;
beforeAll(async () => {
  app = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(PAGE);
  });
  kubelet = await NodeKubelet.start({ nodeName: 'node-a' });
  dir = mkdtempSync(join(tmpdir(), 'scrapewire-limits-'));
  kubelet.writeServiceAccount(join(dir, 'sa'));
  const port = new URL(app.origin).port;
  kubelet.pods = [pod({
    name: 'app-0', namespace: 'default', nodeName: 'node-a', hostIP: '127.0.0.1', podIP: '127.0.0.1',
    annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': port }, containers: [{ name: 'app' }],
  })];
  writeFileSync(join(dir, 'targets.json'), JSON.stringify([{ targets: [new URL(app.origin).host] }]));
});
afterAll(async () => {
  await app.close();
  await kubelet.close();
  rmSync(dir, { recursive: true, force: true });
});

async function results(registry: Registry): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const { labels, value } of (await scrapeMetrics(registry).scrapes.get()).values) {
    if (value > 0) (out[String(labels.job)] ??= []).push(String(labels.result));
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

test('global limits reach targets of every discovery, each failure counted; a job\'s own limit wins', async () => {
  const host = new URL(app.origin).host;
  const kubeletSd = [
    '    kubelet_sd_configs:',
    `      - {url: '${kubelet.origin}', bearer_token_file: '${dir}/sa/token', tls_config: {ca_file: '${dir}/sa/ca.crt'}, refresh_interval: 1s}`,
    '    relabel_configs:',
    '      - {source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape], action: keep, regex: "true"}',
    '      - {source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port], regex: "([^:]+)(?::\\\\d+)?;(\\\\d+)", replacement: "$1:$2", target_label: __address__}',
  ];
  const config = parseConfig([
    'global: {scrape_interval: 10s, scrape_timeout: 5s, sample_limit: 2, target_limit: 1}',
    'scrape_configs:',
    '  - job_name: static',
    `    static_configs: [{targets: ['${host}']}]`,
    '  - job_name: files',
    `    file_sd_configs: [{files: ['${dir}/targets.json']}]`,
    '  - job_name: pods',
    ...kubeletSd,
    '  - job_name: own-limit',
    '    sample_limit: 10',
    `    static_configs: [{targets: ['${host}']}]`,
    '  - job_name: two-targets',
    '    sample_limit: 10',
    `    static_configs: [{targets: ['${host}', 'localhost:${new URL(app.origin).port}']}]`,
    '  - job_name: label-limits',
    '    sample_limit: 10',
    '    label_limit: 1',
    `    static_configs: [{targets: ['${host}']}]`,
    '  - job_name: body-limit',
    '    sample_limit: 10',
    '    body_size_limit: 10B',
    `    static_configs: [{targets: ['${host}']}]`,
  ].join('\n'), join(dir, 'limits.yml'));
  // What the loader gave each job: the global values unless the job set its own.
  expect(config.scrape_configs.map((j) => [j.job_name, j.sample_limit, j.target_limit])).toEqual([
    ['static', 2, 1], ['files', 2, 1], ['pods', 2, 1], ['own-limit', 10, 1], ['two-targets', 10, 1], ['label-limits', 10, 1], ['body-limit', 10, 1],
  ]);
  const clock = new ManualClock();
  const registry = new Registry();
  const manager = new ScrapeManager({ config, sink: new DecodingSink(), registry, clock });
  await manager.start();
  try {
    await waitFor(() => manager.targets().length === 8, 'every target discovered');
    // Every target carries its limits, whatever found it.
    for (const target of manager.targets()) {
      const own = target.spec.job === 'static' || target.spec.job === 'files' || target.spec.job === 'pods' ? 2 : 10;
      expect({ job: target.spec.job, sampleLimit: target.spec.sampleLimit }).toEqual({ job: target.spec.job, sampleLimit: own });
    }
    clock.advance(10_000);
    const scrapes = async () => (await scrapeMetrics(registry).scrapes.get()).values.reduce((sum, v) => sum + v.value, 0);
    await waitFor(async () => (await scrapes()) === 8, 'a scrape of every target');
    expect(await results(registry)).toEqual({
      static: ['ERR_SAMPLE_LIMIT'],
      files: ['ERR_SAMPLE_LIMIT'],
      pods: ['ERR_SAMPLE_LIMIT'],
      'own-limit': ['success'],
      // Over the inherited target_limit: every target of the job fails, without a request.
      'two-targets': ['ERR_TARGET_LIMIT'],
      'label-limits': ['ERR_LABEL_LIMIT'],
      'body-limit': ['ERR_BODY_SIZE_LIMIT'],
    });
    expect((await scrapeMetrics(registry).scrapes.get()).values.find((v) => v.labels.job === 'two-targets')?.value).toBe(2);
  } finally {
    await manager.stop();
  }
});
