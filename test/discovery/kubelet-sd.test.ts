/**
 * kubelet_sd_configs end to end: the collector polls a kubelet stand-in's /pods over HTTPS with
 * the job's own token file and CA, and the same pods, seen through kubernetes_sd role pod (API
 * stand-in, `spec.nodeName` field selector), give the same discovered labels, so the same relabel
 * rules give the same targets; the annotated pods (real loopback servers) are scraped. A
 * rejected token keeps the last targets; a pod leaving the node's list leaves the targets.
 * The configuration names its URLs and files through environment variables (${NAME}).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPki, type TestPki } from '../scrape/support/certificates';
import { exampleCluster } from '../support/kube-apiserver/cluster';
import type { Json } from '../support/kube-apiserver/objects';
import { KubeApiStandIn } from '../support/kube-apiserver/server';
import { KubeletStandIn } from '../support/kubelet-stand-in';
import { startPodServers, type PodServers } from '../support/pod-servers';
import { ScrapewireUnderTest } from '../support/scrapewire-targets';
import { pollUntil } from '../e2e/support/wait';

const cluster = exampleCluster(44);
const onNodeA = cluster.objects.filter((o) => o.kind === 'Pod' && ((o.spec as Json).nodeName === 'node-a'));

const RELABEL = [
  '    relabel_configs:',
  '      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]',
  '        action: keep',
  '        regex: "true"',
  '      - source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]',
  '        regex: ([^:]+)(:\\d+)?;(\\d+)',
  '        replacement: $1:$3',
  '        target_label: __address__',
  '      - action: labelmap',
  '        regex: __meta_kubernetes_pod_label_(.+)',
  '      - source_labels: [__meta_kubernetes_namespace]',
  '        target_label: namespace',
  '      - source_labels: [__meta_kubernetes_pod_name]',
  '        target_label: pod',
  '      - source_labels: [__meta_kubernetes_pod_node_name]',
  '        target_label: node',
];

const CONFIG = [
  'global:',
  '  scrape_interval: 1s',
  '  scrape_timeout: 1s',
  'scrape_configs:',
  '  - job_name: kubelet-pods',
  '    kubelet_sd_configs:',
  '      - url: ${KUBELET_URL}',
  '        bearer_token_file: ${SA_DIR}/token',
  '        tls_config: {ca_file: "${SA_DIR}/ca.crt"}',
  '        refresh_interval: 1s',
  ...RELABEL,
  '  - job_name: api-pods',
  '    kubernetes_sd_configs:',
  '      - role: pod',
  '        api_server: ${API_SERVER}',
  '        selectors: [{role: pod, field: "spec.nodeName=${NODE_NAME}"}]',
  ...RELABEL,
  '',
].join('\n');

describe('kubelet_sd_configs', () => {
  let pki: TestPki;
  let kubelet: KubeletStandIn;
  let api: KubeApiStandIn;
  let pods: PodServers;
  let scrapewire: ScrapewireUnderTest;
  let dir: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    pki = createTestPki();
    kubelet = await KubeletStandIn.start(pki);
    kubelet.pods = onNodeA;
    api = await KubeApiStandIn.start();
    api.apply(...cluster.objects);
    pods = await startPodServers(cluster.metricsEndpoints.filter((e) => onNodeA.some((p) => (p.status as Json).podIP === e.ip)));
    dir = mkdtempSync(join(tmpdir(), 'scrapewire-kubelet-sd-'));
    writeFileSync(join(dir, 'token'), `${kubelet.acceptedToken}\n`);
    writeFileSync(join(dir, 'ca.crt'), pki.read(pki.caFile));
    Object.assign(process.env, { KUBELET_URL: kubelet.origin, SA_DIR: dir, API_SERVER: api.origin, NODE_NAME: 'node-a' });
    scrapewire = await ScrapewireUnderTest.start(CONFIG);
  });

  afterAll(async () => {
    await scrapewire?.stop();
    process.env = saved;
    await pods?.close();
    await api?.close();
    await kubelet?.close();
    pki?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const byJob = async (job: string) => (await scrapewire.targets()).activeTargets.filter((t) => t.scrapePool === job);

  test('the same pods through the kubelet and through the API server: same discovered labels, same targets', async () => {
    const kubeletTargets = await pollUntil(() => byJob('kubelet-pods'), (t) => t.length === 2, 10_000, 100);
    const apiTargets = await byJob('api-pods');
    const shape = (targets: typeof kubeletTargets) => targets
      .map((t) => ({ url: t.scrapeUrl, labels: { ...t.labels, job: '' } as Record<string, string>, discovered: { ...t.discoveredLabels, job: '' } }))
      .sort((a, b) => (a.url < b.url ? -1 : 1));
    expect(shape(kubeletTargets)).toEqual(shape(apiTargets));
    expect(shape(kubeletTargets).map((t) => [t.url, t.labels.namespace, t.labels.pod, t.labels.node])).toEqual([
      ['http://127.44.0.11:8080/metrics', 'default', 'web-7d9c5b6f4-x2k8p', 'node-a'],
      ['http://127.44.0.21:8080/metrics', 'monitoring', 'kube-state-metrics-6f8d9c7b5-abcde', 'node-a'],
    ]);
    // Every discovered __meta_kubernetes_pod_* label of role pod is there (container id included).
    expect(kubeletTargets[0].discoveredLabels).toHaveProperty('__meta_kubernetes_pod_container_id');
    expect(kubeletTargets[0].discoveredLabels).toHaveProperty('__meta_kubernetes_pod_uid');
  });

  test('the annotated pods are scraped: real loopback servers answer, targets go up', async () => {
    const up = await pollUntil(() => byJob('kubelet-pods'), (t) => t.length === 2 && t.every((x) => x.health === 'up'), 15_000, 200);
    expect(up.map((t) => t.health)).toEqual(['up', 'up']);
    expect(pods.scrapes.get('127.44.0.11:8080')).toBeGreaterThan(0);
    // Polled with the job's token.
    expect(kubelet.server.requests.every((r) => r.headers.authorization === 'Bearer kubelet-token')).toBe(true);
  });

  test('a rejected token: polls fail, the last targets stay; a pod leaving the node list leaves the targets', async () => {
    kubelet.acceptedToken = 'rotated';
    const polls = kubelet.polls;
    await pollUntil(() => kubelet.polls, (n) => n >= polls + 2, 10_000, 100);
    expect(await byJob('kubelet-pods')).toHaveLength(2);
    expect(scrapewire.warnings.some((w) => w.includes('server returned HTTP status 401'))).toBe(true);

    writeFileSync(join(dir, 'token'), 'rotated');
    kubelet.pods = onNodeA.filter((p) => (p.metadata as Json).name !== 'kube-state-metrics-6f8d9c7b5-abcde');
    const left = await pollUntil(() => byJob('kubelet-pods'), (t) => t.length === 1, 10_000, 100);
    expect(left.map((t) => t.labels.pod)).toEqual(['web-7d9c5b6f4-x2k8p']);
  });
});
