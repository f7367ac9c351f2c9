/**
 * The kubelet and cAdvisor sources in a real ScrapeCache, against the HTTPS kubelet stand-in:
 * the token and CA come from under rootPath, a rotated token is used by the next interval, and
 * the cAdvisor page arrives whole (compared with the reference parser).
 */
import { readFileSync } from 'node:fs';

import { ScrapewireError } from '../../../src/core/errors';
import type { SourceConfig } from '../../../src/config/types';
import { parseReference } from '../../../src/reference/parser';
import { ScrapeCache } from '../../../src/sources/scrape-cache';
import {
  cadvisorSource, kubeStateMetricsSource, kubeletSource, nodeSources, sourceFromConfig,
} from '../../../src/sources/kubernetes/kubelet-sources';
import { nodeSettingsFromEnv, resolveNodeSettings } from '../../../src/sources/kubernetes/node-settings';
import { podSource } from '../../../src/sources/kubernetes/pod-source';
import { podTargets } from '../../../src/sources/kubernetes/pod-targets';
import { CADVISOR_FIXTURE, pod, startKubeletStandIn, type KubeletStandIn } from './support/kubelet-stand-in';

describe('node settings', () => {
  test('credential paths are resolved under rootPath; IPv6 is bracketed', () => {
    const resolved = resolveNodeSettings({ nodeIp: 'fd00::1', rootPath: '/tmp/root' });
    expect(resolved.kubeletOrigin).toBe('https://[fd00::1]:10250');
    expect(resolved.tokenFile).toBe('/tmp/root/var/run/secrets/kubernetes.io/serviceaccount/token');
    expect(resolved.tls.caFile).toBe('/tmp/root/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
    expect(resolveNodeSettings({ nodeIp: '10.0.0.1' }).tokenFile).toBe('/var/run/secrets/kubernetes.io/serviceaccount/token');
  });

  test('bad settings name their field', () => {
    expect(() => resolveNodeSettings({ nodeIp: 'node-1' })).toThrow(/kubernetes\.nodeIp/);
    expect(() => resolveNodeSettings({ nodeIp: '10.0.0.1', kubeletPort: 70000 })).toThrow(/kubernetes\.kubeletPort/);
    expect(() => resolveNodeSettings(nodeSettingsFromEnv({}))).toThrow(ScrapewireError);
    expect(nodeSettingsFromEnv({ NODE_IP: '10.0.0.2', NODE_NAME: 'n1', KUBELET_PORT: '10255' })).toEqual({ nodeIp: '10.0.0.2', nodeName: 'n1', kubeletPort: 10255 });
  });
});

describe('kubelet sources', () => {
  let kubelet: KubeletStandIn;
  let cache: ScrapeCache;

  beforeAll(async () => {
    kubelet = await startKubeletStandIn();
  });
  afterAll(() => kubelet.close());
  beforeEach(() => {
    kubelet.acceptedToken = 'token-1';
    kubelet.writeToken('token-1');
    kubelet.server.requests.length = 0;
    cache = new ScrapeCache();
  });
  afterEach(() => cache.close());

  test('kubelet /metrics and /metrics/cadvisor over HTTPS with the service-account token', async () => {
    for (const source of nodeSources(kubelet.node)) cache.add(source);
    expect(cache.names()).toEqual(['kubelet', 'cadvisor']);
    const [metrics, cadvisor] = await Promise.all([cache.get('kubelet', 1000), cache.get('cadvisor', 1000)]);
    expect([...metrics.core.snapshot().values]).toEqual([11]);
    const reference = parseReference(readFileSync(CADVISOR_FIXTURE), 'text');
    expect(cadvisor.summary.samples).toBe(reference.samples.length);
    expect(cadvisor.core.snapshot().refs.length).toBe(reference.samples.length);
    expect(kubelet.server.requests.map((r) => r.url).sort()).toEqual(['/metrics', '/metrics/cadvisor']);
    expect(new Set(kubelet.authorizations())).toEqual(new Set(['Bearer token-1']));
  });

  test('a rotated token is used by the next interval', async () => {
    cache.add(cadvisorSource(kubelet.node));
    await cache.get('cadvisor', 1000);
    kubelet.acceptedToken = 'token-2';
    await expect(cache.get('cadvisor', 2000)).rejects.toMatchObject({ code: 'ERR_HTTP_STATUS' });
    kubelet.writeToken('token-2');
    const third = await cache.get('cadvisor', 3000);
    expect(third.summary.samples).toBeGreaterThan(0);
    expect(kubelet.authorizations()).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-2']);
  });

  test('sources from the config: kinds, defaults and refusals', () => {
    const base = { scrape_interval: 1000, scrape_timeout: 1000, tls_config: { insecure_skip_verify: false } };
    const cadvisor = sourceFromConfig({ ...base, name: 'cadv', kind: 'cadvisor' } as SourceConfig, 0, kubelet.node);
    expect(cadvisor.name).toBe('cadv');
    expect(cadvisor.scraper.target).toBe(`${kubelet.server.origin}/metrics/cadvisor`);
    expect(cadvisor.scraper.describe().bearerTokenFile).toBe(`${kubelet.rootPath}/var/run/secrets/kubernetes.io/serviceaccount/token`);
    const ksm = sourceFromConfig({ ...base, name: 'ksm', kind: 'kube-state-metrics', url: 'http://ksm:8080/metrics' } as SourceConfig, 1);
    expect(ksm.scraper.target).toBe('http://ksm:8080/metrics');
    expect(ksm.scraper.describe().bearerTokenFile).toBeUndefined();
    expect(() => sourceFromConfig({ ...base, name: 'p', kind: 'pods' } as SourceConfig, 2, kubelet.node)).toThrow(/sources\[2\] \(p\).*PodDiscovery/);
    expect(() => sourceFromConfig({ ...base, name: 'k', kind: 'kube-state-metrics' } as SourceConfig, 3)).toThrow(/sources\[3\] \(k\).*needs a url/);
    expect(() => sourceFromConfig({ ...base, name: 'kl', kind: 'kubelet' } as SourceConfig, 4)).toThrow(/NODE_IP/);
    for (const source of [cadvisor, ksm]) void source.scraper.close();
  });

  test('kube-state-metrics and pod sources carry no kubelet credentials', async () => {
    const ksm = kubeStateMetricsSource({ url: 'http://127.0.0.1:1/metrics' });
    expect(ksm.name).toBe('kube-state-metrics');
    const [target] = podTargets({ items: [pod({ name: 'a', annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' } })] }).targets;
    const source = podSource(target, { scrapeTimeoutMs: 1000 });
    expect(source.name).toBe('pod/default/a/app:8080');
    expect(source.scraper.describe()).toMatchObject({ url: 'http://10.244.0.10:8080/metrics' });
    expect(source.scraper.describe().bearerTokenFile).toBeUndefined();
    const kubeletMetrics = kubeletSource(kubelet.node);
    expect(kubeletMetrics.scraper.describe().bearerTokenFile).toBeDefined();
    await Promise.all([ksm.scraper.close(), source.scraper.close(), kubeletMetrics.scraper.close()]);
  });
});

describe('podTargets', () => {
  test('a path is appended to the pod address, never resolved against it', () => {
    const { targets } = podTargets({
      items: [pod({ name: 'x', annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '80', 'prometheus.io/path': '//evil.example/m' } })],
    });
    expect(new URL(targets[0].url).host).toBe('10.244.0.10');
    expect(podTargets({ items: [pod({ name: 'y', annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '80', 'prometheus.io/path': 'stats' } })] }).targets[0].url)
      .toBe('http://10.244.0.10/stats');
    expect(podTargets({ nope: 1 }).problems).toEqual(['the pod list has no items array']);
  });
});
