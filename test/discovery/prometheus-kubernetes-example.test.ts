/**
 * Prometheus's Kubernetes example configuration (rewritten as test/fixtures/config/
 * prometheus-kubernetes.yml) loads unchanged, passes `scrapewire check config`, and discovers
 * against the API stand-in through the in-cluster configuration (KUBERNETES_SERVICE_HOST/PORT,
 * the service-account token and CA under $ROOT_PATH): every job gets the targets Prometheus
 * would give it, pod targets are real loopback servers that get scraped, /api/v1/targets shows
 * discovered labels and the dropped targets (keep_dropped_targets: 100), and a pod declaring
 * thousands of ports is capped (max_targets_per_pod), counted on /metrics.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { checkConfig } from '../../src/cli/check';
import { FIXTURES_DIR } from '../helpers/paths';
import { createTestPki, type TestPki } from '../scrape/support/certificates';
import { exampleCluster } from '../support/kube-apiserver/cluster';
import { pod } from '../support/kube-apiserver/objects';
import { KubeApiStandIn } from '../support/kube-apiserver/server';
import { startPodServers, type PodServers } from '../support/pod-servers';
import { ScrapewireUnderTest } from '../support/scrapewire-targets';
import { pollUntil } from '../e2e/support/wait';

const FIXTURE = join(FIXTURES_DIR, 'config', 'prometheus-kubernetes.yml');
const cluster = exampleCluster(46);

describe('Prometheus\'s Kubernetes example configuration', () => {
  let pki: TestPki;
  let api: KubeApiStandIn;
  let pods: PodServers;
  let scrapewire: ScrapewireUnderTest;
  let root: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    pki = createTestPki();
    api = await KubeApiStandIn.start({ tls: { cert: pki.read(pki.serverCertFile), key: pki.read(pki.serverKeyFile) }, token: 'sa-token' });
    api.apply(...cluster.objects);
    // A pod declaring 3,000 ports: it must not become 3,000 targets.
    api.apply(pod({ name: 'port-bomb', nodeName: 'node-a', podIP: cluster.ip(99), containers: [{ name: 'bomb', ports: Array.from({ length: 3000 }, (_, i) => ({ containerPort: 20000 + i })) }] }));
    pods = await startPodServers(cluster.metricsEndpoints);
    root = mkdtempSync(join(tmpdir(), 'scrapewire-root-'));
    const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'sa-token\n');
    writeFileSync(join(sa, 'ca.crt'), pki.read(pki.caFile));
    writeFileSync(join(sa, 'namespace'), 'monitoring');
    Object.assign(process.env, { ROOT_PATH: root, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(api.origin).port });
    scrapewire = await ScrapewireUnderTest.start(readFileSync(FIXTURE, 'utf8'));
  });

  afterAll(async () => {
    await scrapewire?.stop();
    process.env = saved;
    await pods?.close();
    await api?.close();
    pki?.remove();
    rmSync(root, { recursive: true, force: true });
  });

  const jobs = async () => {
    const data = await scrapewire.targets();
    const by = new Map<string, typeof data.activeTargets>();
    for (const target of data.activeTargets) by.set(target.scrapePool, [...by.get(target.scrapePool) ?? [], target]);
    return { data, by };
  };

  test('scrapewire check config accepts it', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk) => { text += chunk; });
    const code = await checkConfig(FIXTURE, { stdin: new PassThrough(), stdout: out, stderr: out });
    expect(text).toBe(`${FIXTURE}: valid (7 scrape configs, 0 remote writes)\n`);
    expect(code).toBe(0);
  });

  test('every job discovers what Prometheus would', async () => {
    // A first LIST may fail on a loaded machine (it is retried after a second): wait for all seven jobs.
    const { by } = await pollUntil(jobs, ({ by: b }) => b.size === 7 && (b.get('kubernetes-service-endpoints') ?? []).some((t) => t.scrapeUrl === 'http://127.46.0.31:9153/metrics'), 20_000, 200);
    expect(by.size).toBe(7);
    const urls = (job: string) => (by.get(job) ?? []).map((t) => t.scrapeUrl).sort();
    expect(urls('kubernetes-apiservers')).toEqual(['https://127.46.0.1:6443/metrics']);
    expect(by.get('kubernetes-nodes')?.map((t) => [t.scrapeUrl, t.labels.instance, t.labels.kubernetes_io_hostname, t.labels.topology_kubernetes_io_zone]).sort()).toEqual([
      ['https://127.46.0.1:10250/metrics', 'node-a', 'node-a', 'zone-1'],
      ['https://127.46.0.2:10250/metrics', 'node-b', 'node-b', 'zone-2'],
    ]);
    expect(urls('kubernetes-cadvisor')).toEqual(['https://127.46.0.1:10250/metrics/cadvisor', 'https://127.46.0.2:10250/metrics/cadvisor']);
    const services = by.get('kubernetes-services') ?? [];
    expect(services.find((t) => t.labels.service === 'kube-dns' && t.labels.instance === 'kube-dns.kube-system.svc:9153')?.scrapeUrl)
      .toBe('http://blackbox-exporter.example.com:9115/probe?module=http_2xx&target=kube-dns.kube-system.svc%3A9153');
    expect((by.get('kubernetes-ingresses') ?? []).map((t) => t.labels.instance).sort())
      .toEqual(['http://legacy.example.net/', 'https://admin.example.org/', 'https://shop.example.org/', 'https://shop.example.org/api']);
    const endpoints = by.get('kubernetes-service-endpoints') ?? [];
    expect(endpoints.find((t) => t.scrapeUrl === 'http://127.46.0.31:9153/metrics')?.labels).toMatchObject({
      namespace: 'kube-system', service: 'kube-dns', k8s_app: 'kube-dns', kubernetes_io_name: 'CoreDNS',
    });
    const podTargets = by.get('kubernetes-pods') ?? [];
    expect(podTargets.find((t) => t.scrapeUrl === 'http://127.46.0.11:8080/metrics')?.labels).toMatchObject({
      namespace: 'default', pod: 'web-7d9c5b6f4-x2k8p', app: 'web', pod_template_hash: '7d9c5b6f4', app_kubernetes_io_part_of: 'shop',
    });
  });

  test('pod targets are real loopback servers: scraped, up', async () => {
    const { by } = await pollUntil(jobs, ({ by: b }) => b.get('kubernetes-pods')?.find((t) => t.scrapeUrl === 'http://127.46.0.21:8080/metrics')?.health === 'up', 15_000, 200);
    const ksm = by.get('kubernetes-pods')!.find((t) => t.scrapeUrl === 'http://127.46.0.21:8080/metrics')!;
    expect(ksm.health).toBe('up');
    expect(ksm.discoveredLabels).toMatchObject({ __meta_kubernetes_pod_name: 'kube-state-metrics-6f8d9c7b5-abcde', __meta_kubernetes_pod_container_port_name: 'http-metrics' });
    expect(pods.scrapes.get('127.46.0.21:8080')).toBeGreaterThan(0);
    // The API server saw only the service account's token.
    expect(api.requests.every((r) => r.authorization === 'Bearer sa-token')).toBe(true);
  });

  test('/api/v1/targets lists the dropped targets, at most keep_dropped_targets per job, and counts them all', async () => {
    const { data } = await jobs();
    const droppedApiservers = data.droppedTargets.filter((t) => t.scrapePool === 'kubernetes-apiservers');
    expect(droppedApiservers.length).toBeGreaterThan(5);
    expect(droppedApiservers.length).toBeLessThanOrEqual(100);
    expect(droppedApiservers.every((t) => t.discoveredLabels.__meta_kubernetes_endpoints_name !== undefined)).toBe(true);
    expect(data.droppedTargetCounts?.['kubernetes-apiservers']).toBe(droppedApiservers.length);
    expect((await scrapewire.targets('?state=dropped')).activeTargets).toEqual([]);
  });

  test('a pod declaring 3,000 ports gives max_targets_per_pod (64) targets; the rest are counted', async () => {
    const { by } = await jobs();
    expect((by.get('kubernetes-pods') ?? []).filter((t) => t.labels.pod === 'port-bomb')).toHaveLength(64);
    const metrics = await (await request(`http://${scrapewire.collector.address}/metrics`)).body.text();
    expect(metrics).toContain('scrapewire_discovery_targets_over_cap{job="kubernetes-pods",provider="scrape_configs[6].kubernetes_sd_configs[0]",cap="max_targets_per_pod"} 2936');
    expect(scrapewire.warnings.some((w) => w.includes('found pods with more than max_targets_per_pod (64) targets; 2936 targets dropped before relabeling'))).toBe(true);
  });
});
