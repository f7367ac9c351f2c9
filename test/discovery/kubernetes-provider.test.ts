/**
 * kubernetes_sd against the API stand-in, protocol first: how the provider connects (api_server
 * with tls_config and a token file, in-cluster configuration, kubeconfig), what it asks for
 * (namespaces, selectors, pages), and how it follows the cluster (watch events applied at once,
 * bookmarks, 410 Gone and re-list, errors and backoff, a rotated token, attach_metadata).
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesSdConfig } from '../../src/config/types';
import { KubernetesProvider } from '../../src/discovery/kubernetes/provider';
import type { DiscoveredGroup, DiscoveryContext } from '../../src/discovery/types';
import { silentLogger } from '../../src/logger';
import { createTestPki, type TestPki } from '../scrape/support/certificates';
import { exampleCluster } from '../support/kube-apiserver/cluster';
import { pod } from '../support/kube-apiserver/objects';
import { KubeApiStandIn } from '../support/kube-apiserver/server';
import { pollUntil } from '../e2e/support/wait';

const cluster = exampleCluster(42);

/** The provider's current groups, by source, as the scrape manager would hold them. */
class Groups {
  readonly bySource = new Map<string, DiscoveredGroup>();
  updates = 0;
  readonly listener = (groups: DiscoveredGroup[]) => {
    this.updates++;
    for (const group of groups) {
      if (group.targets.length === 0) this.bySource.delete(group.source);
      else this.bySource.set(group.source, group);
    }
  };
  get sources(): string[] {
    return [...this.bySource.keys()].sort();
  }
}

function sdConfig(overrides: Partial<KubernetesSdConfig>): KubernetesSdConfig {
  return {
    role: 'pod', namespaces: { own_namespace: false, names: [] }, selectors: [], attach_metadata: { node: false, namespace: false },
    tls_config: { insecure_skip_verify: false }, ...overrides,
  };
}

describe('kubernetes_sd over HTTPS', () => {
  let pki: TestPki;
  let api: KubeApiStandIn;
  let dir: string;
  const errors: Error[] = [];
  let context: DiscoveryContext;
  const providers: KubernetesProvider[] = [];

  beforeAll(async () => {
    pki = createTestPki();
    api = await KubeApiStandIn.start({ tls: { cert: pki.read(pki.serverCertFile), key: pki.read(pki.serverKeyFile) }, token: 'token-1' });
    api.apply(...cluster.objects);
    dir = mkdtempSync(join(tmpdir(), 'scrapewire-sa-'));
    mkdirSync(join(dir, 'sa'));
    writeFileSync(join(dir, 'sa', 'token'), 'token-1\n');
    writeFileSync(join(dir, 'sa', 'ca.crt'), pki.read(pki.caFile));
    writeFileSync(join(dir, 'sa', 'namespace'), 'monitoring');
    const port = new URL(api.origin).port;
    context = {
      logger: silentLogger,
      onError: (_provider, error) => errors.push(error),
      env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port },
      serviceAccountDir: join(dir, 'sa'),
    };
  });

  afterEach(async () => {
    await Promise.all(providers.splice(0).map((provider) => provider.stop()));
    errors.length = 0;
    api.failWith = undefined;
  });

  afterAll(async () => {
    await api.close();
    pki.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(config: Partial<KubernetesSdConfig>, options: { minBackoffMs?: number; maxTargetsPerPod?: number } = {}): Promise<Groups> {
    const groups = new Groups();
    const provider = new KubernetesProvider('kubernetes_sd_configs[0]', sdConfig(config), {
      context, maxTargetsPerPod: options.maxTargetsPerPod ?? 0, minBackoffMs: options.minBackoffMs ?? 50,
    });
    providers.push(provider);
    await provider.start(groups.listener);
    return groups;
  }

  const fromHere = () => api.requests.length;

  test('in-cluster: KUBERNETES_SERVICE_HOST/PORT, the service-account token and CA; own_namespace', async () => {
    const seen = fromHere();
    const groups = await start({ namespaces: { own_namespace: true, names: [] } });
    expect(errors).toEqual([]);
    expect(groups.sources).toEqual(['pod/monitoring/kube-state-metrics-6f8d9c7b5-abcde']);
    const requests = api.requests.slice(seen);
    expect(requests[0].path).toBe('/api/v1/namespaces/monitoring/pods');
    expect(requests.every((r) => r.authorization === 'Bearer token-1')).toBe(true);
  });

  test('api_server with tls_config and a token file: a rotated token is used by the next request', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'token-1');
    const groups = await start({
      role: 'node', api_server: api.origin, authorization: { type: 'Bearer', credentials_file: tokenFile }, tls_config: { ca_file: pki.caFile, insecure_skip_verify: false },
    });
    expect(groups.sources).toEqual(['node/node-a', 'node/node-b']);
    await pollUntil(() => api.openWatches, (n) => n >= 1, 5_000, 10);
    // Rotate as Kubernetes does (a new file renamed over the old one), then make it re-watch.
    writeFileSync(`${tokenFile}.new`, 'token-2');
    renameSync(`${tokenFile}.new`, tokenFile);
    api.token = 'token-2';
    try {
      const seen = fromHere();
      api.endWatches();
      const rewatch = await pollUntil(() => api.requests.slice(seen).find((r) => r.query.watch === '1'), (r) => r !== undefined, 10_000, 20);
      expect(rewatch?.authorization).toBe('Bearer token-2');
    } finally {
      api.token = 'token-1';
    }
  });

  test('a CA that did not sign the server is an error, retried; no groups', async () => {
    const groups = await start({ role: 'node', api_server: api.origin, authorization: { type: 'Bearer', credentials: 'token-1' }, tls_config: { ca_file: pki.otherCaFile, insecure_skip_verify: false } });
    expect(groups.sources).toEqual([]);
    expect(errors[0]?.message).toMatch(/request failed: .*(CERT|SELF_SIGNED|UNABLE|certificate)/i);
  });

  test('kubeconfig_file: the current context\'s server, inline CA and token', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: test',
      'clusters:', '- name: stand-in', '  cluster:', `    server: ${api.origin}`, `    certificate-authority-data: ${pki.read(pki.caFile).toString('base64')}`,
      'users:', '- name: agent', '  user:', '    token: token-1',
      'contexts:', '- name: test', '  context: {cluster: stand-in, user: agent}',
    ].join('\n'));
    const groups = await start({ role: 'service', kubeconfig_file: kubeconfig, namespaces: { own_namespace: false, names: ['kube-system'] } });
    expect(errors).toEqual([]);
    expect(groups.sources).toEqual(['svc/kube-system/kube-dns']);
  });

  test('a kubeconfig that runs an exec plugin is refused with a clear error', async () => {
    const kubeconfig = join(dir, 'exec-kubeconfig');
    writeFileSync(kubeconfig, `current-context: x\nclusters: [{name: c, cluster: {server: "${api.origin}"}}]\nusers: [{name: u, user: {exec: {command: aws}}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n`);
    const groups = await start({ kubeconfig_file: kubeconfig });
    expect(groups.sources).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('exec or auth-provider plugin, which scrapewire does not run')]);
  });

  test('selectors go to the API server; an object leaving the selection is deleted', async () => {
    const seen = fromHere();
    const groups = await start({
      api_server: api.origin, authorization: { type: 'Bearer', credentials: 'token-1' }, tls_config: { ca_file: pki.caFile, insecure_skip_verify: false },
      selectors: [{ role: 'pod', field: 'spec.nodeName=node-a', label: 'app in (web, worker)' }],
    });
    expect(groups.sources).toEqual(['pod/default/web-7d9c5b6f4-x2k8p', 'pod/default/worker-0']);
    expect(api.requests.slice(seen)[0].query).toMatchObject({ fieldSelector: 'spec.nodeName=node-a', labelSelector: 'app in (web, worker)', limit: '500' });
    // The worker is relabeled out of the selection: the watch says DELETED.
    const worker = structuredClone(api.get('Pod', 'default', 'worker-0')!);
    (worker.metadata as { labels: Record<string, string> }).labels.app = 'batch';
    api.apply(worker);
    await pollUntil(() => groups.sources, (sources) => sources.length === 1, 5_000, 10);
    expect(groups.sources).toEqual(['pod/default/web-7d9c5b6f4-x2k8p']);
    (worker.metadata as { labels: Record<string, string> }).labels.app = 'worker';
    api.apply(worker);
  });

  test('watch events are applied as they arrive: added, modified, deleted', async () => {
    const groups = await start({ api_server: api.origin, authorization: { type: 'Bearer', credentials: 'token-1' }, tls_config: { ca_file: pki.caFile, insecure_skip_verify: false }, namespaces: { own_namespace: false, names: ['default'] } });
    const extra = pod({ name: 'extra', nodeName: 'node-a', podIP: cluster.ip(70), containers: [{ name: 'app', ports: [{ containerPort: 9000 }] }] });
    api.apply(extra);
    await pollUntil(() => groups.bySource.has('pod/default/extra'), Boolean, 5_000, 10);
    expect(groups.bySource.get('pod/default/extra')?.targets.map((t) => t.__address__)).toEqual(['127.42.0.70:9000']);
    (extra.status as { podIP: string }).podIP = cluster.ip(71);
    api.apply(extra);
    await pollUntil(() => groups.bySource.get('pod/default/extra')?.targets[0].__address__, (a) => a === '127.42.0.71:9000', 5_000, 10);
    expect(groups.bySource.get('pod/default/extra')?.labels.__meta_kubernetes_pod_ip).toBe('127.42.0.71');
    api.delete(extra);
    await pollUntil(() => groups.bySource.has('pod/default/extra'), (has) => !has, 5_000, 10);
    expect(groups.bySource.has('pod/default/extra')).toBe(false);
  });

  test('bookmarks move the resourceVersion: a re-watch starts from the bookmark, without a re-list', async () => {
    const groups = await start({ role: 'node', api_server: api.origin, authorization: { type: 'Bearer', credentials: 'token-1' }, tls_config: { ca_file: pki.caFile, insecure_skip_verify: false } });
    expect(groups.sources).toHaveLength(2);
    await pollUntil(() => api.openWatches, (n) => n >= 1, 5_000, 10);
    // Unrelated changes move the cluster's version past what the node watch saw.
    api.apply(pod({ name: 'noise', podIP: cluster.ip(80), containers: [{ name: 'x' }] }));
    api.delete(pod({ name: 'noise', containers: [] }));
    api.bookmark();
    const bookmarked = String(api.resourceVersion);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const seen = fromHere();
    api.endWatches();
    const next = await pollUntil(() => api.requests.slice(seen).filter((r) => r.path === '/api/v1/nodes'), (r) => r.length > 0, 5_000, 10);
    expect(next.map((r) => [r.query.watch, r.query.resourceVersion, r.query.allowWatchBookmarks])).toEqual([['1', bookmarked, 'true']]);
  });

  test('410 Gone (an ERROR event, or a compacted resourceVersion): list again, and report what vanished meanwhile', async () => {
    const groups = await start({ api_server: api.origin, authorization: { type: 'Bearer', credentials: 'token-1' }, tls_config: { ca_file: pki.caFile, insecure_skip_verify: false }, namespaces: { own_namespace: false, names: ['default'] } });
    api.apply(pod({ name: 'short-lived', podIP: cluster.ip(90), containers: [{ name: 'x' }] }));
    await pollUntil(() => groups.bySource.has('pod/default/short-lived'), Boolean, 5_000, 10);
    // The agent misses the deletion: its watch is cut, and history is compacted before it returns.
    api.dropConnections();
    api.delete(pod({ name: 'short-lived', containers: [] }));
    api.compact();
    await pollUntil(() => groups.bySource.has('pod/default/short-lived'), (has) => !has, 10_000, 20);
    expect(groups.bySource.has('pod/default/short-lived')).toBe(false);
    expect(errors.filter((e) => !/watch broken|request failed/.test(e.message))).toEqual([]);
    // And an ERROR 410 event on an open watch: a re-list (a LIST request without watch) follows.
    await pollUntil(() => api.openWatches, (n) => n >= 1, 5_000, 10);
    const seen = fromHere();
    api.expireWatches();
    const relist = await pollUntil(() => api.requests.slice(seen).filter((r) => r.query.watch === undefined), (r) => r.length > 0, 5_000, 10);
    expect(relist[0].path).toBe('/api/v1/namespaces/default/pods');
  });

  test('an API server that fails: errors reported, retried with backoff, last groups kept, recovery', async () => {
    const groups = await start({ role: 'service', api_server: api.origin, authorization: { type: 'Bearer', credentials: 'token-1' }, tls_config: { ca_file: pki.caFile, insecure_skip_verify: false } });
    const before = groups.sources;
    expect(before.length).toBeGreaterThan(3);
    api.failWith = 503;
    api.endWatches();
    await pollUntil(() => errors.length, (n) => n >= 3, 10_000, 20);
    expect(errors[0].message).toContain('server returned HTTP status 503');
    expect(groups.sources).toEqual(before);
    api.failWith = undefined;
    const seen = fromHere();
    await pollUntil(() => api.requests.slice(seen).some((r) => r.query.watch === '1'), Boolean, 10_000, 20);
    expect(groups.sources).toEqual(before);
  });

  test('pages: a list of more than 500 objects is read with continue tokens', async () => {
    const many = Array.from({ length: 1203 }, (_, i) => pod({ namespace: 'bulk', name: `p-${i}`, podIP: `127.43.${i >> 8}.${i & 255}`, containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] }));
    api.apply(...many);
    try {
      const seen = fromHere();
      const groups = await start({ api_server: api.origin, authorization: { type: 'Bearer', credentials: 'token-1' }, tls_config: { ca_file: pki.caFile, insecure_skip_verify: false }, namespaces: { own_namespace: false, names: ['bulk'] } });
      expect(groups.sources).toHaveLength(1203);
      const lists = api.requests.slice(seen).filter((r) => r.query.watch === undefined);
      expect(lists.map((r) => r.query.continue === undefined)).toEqual([true, false, false]);
    } finally {
      api.delete(...many);
    }
  });

  test('attach_metadata: {node: true}: node labels on pod targets; pods on nodes outside the node selector have no targets', async () => {
    const groups = await start({
      api_server: api.origin, authorization: { type: 'Bearer', credentials: 'token-1' }, tls_config: { ca_file: pki.caFile, insecure_skip_verify: false },
      namespaces: { own_namespace: false, names: ['default'] }, attach_metadata: { node: true, namespace: false },
      selectors: [{ role: 'node', field: 'metadata.name=node-a' }],
    });
    const web = groups.bySource.get('pod/default/web-7d9c5b6f4-x2k8p')!;
    expect(web.labels).toMatchObject({ __meta_kubernetes_node_name: 'node-a', __meta_kubernetes_node_label_topology_kubernetes_io_zone: 'zone-1' });
    // web-7d9c5b6f4-q9zt4 runs on node-b, which the node selector leaves out.
    expect(groups.bySource.has('pod/default/web-7d9c5b6f4-q9zt4')).toBe(false);
    // A node change reaches its pods.
    const node = structuredClone(api.get('Node', '', 'node-a')!);
    (node.metadata as { labels: Record<string, string> }).labels['topology.kubernetes.io/zone'] = 'zone-9';
    api.apply(node);
    await pollUntil(() => groups.bySource.get('pod/default/web-7d9c5b6f4-x2k8p')?.labels.__meta_kubernetes_node_label_topology_kubernetes_io_zone, (z) => z === 'zone-9', 5_000, 10);
    expect(groups.bySource.get('pod/default/web-7d9c5b6f4-x2k8p')?.labels.__meta_kubernetes_node_label_topology_kubernetes_io_zone).toBe('zone-9');
  });

  test('attach_metadata: {namespace: true}: the namespace\'s labels and annotations on every group', async () => {
    const groups = await start({
      role: 'service', api_server: api.origin, authorization: { type: 'Bearer', credentials: 'token-1' }, tls_config: { ca_file: pki.caFile, insecure_skip_verify: false },
      namespaces: { own_namespace: false, names: ['monitoring'] }, attach_metadata: { node: false, namespace: true },
    });
    expect(groups.bySource.get('svc/monitoring/kube-state-metrics')?.labels).toMatchObject({
      __meta_kubernetes_namespace: 'monitoring',
      __meta_kubernetes_namespace_label_team: 'observability',
      __meta_kubernetes_namespace_labelpresent_team: 'true',
      __meta_kubernetes_namespace_label_kubernetes_io_metadata_name: 'monitoring',
      __meta_kubernetes_namespace_annotation_scheduler_alpha_kubernetes_io_node_selector: 'pool=infra',
      __meta_kubernetes_namespace_annotationpresent_scheduler_alpha_kubernetes_io_node_selector: 'true',
    });
  });

  test('endpoints follow their pods: a pod event rebuilds the endpoints that reference it', async () => {
    const groups = await start({ role: 'endpoints', api_server: api.origin, authorization: { type: 'Bearer', credentials: 'token-1' }, tls_config: { ca_file: pki.caFile, insecure_skip_verify: false }, namespaces: { own_namespace: false, names: ['default'] } });
    const target = () => groups.bySource.get('endpoints/default/web')?.targets.find((t) => t.__address__ === '127.42.0.12:8080');
    expect(target()?.__meta_kubernetes_pod_ready).toBe('false');
    const notReady = structuredClone(api.get('Pod', 'default', 'web-7d9c5b6f4-q9zt4')!);
    const conditions = (notReady.status as { conditions: Array<{ type: string; status: string }> }).conditions;
    conditions.find((c) => c.type === 'Ready')!.status = 'True';
    api.apply(notReady);
    await pollUntil(() => target()?.__meta_kubernetes_pod_ready, (r) => r === 'true', 5_000, 10);
    expect(target()?.__meta_kubernetes_pod_ready).toBe('true');
  });

  test('endpoints wait for their services: a services LIST that fails first delays the first groups, which carry the service labels', async () => {
    api.failNext(/\/services$/, 2, 500);
    const groups = await start({ role: 'endpoints', api_server: api.origin, authorization: { type: 'Bearer', credentials: 'token-1' }, tls_config: { ca_file: pki.caFile, insecure_skip_verify: false }, namespaces: { own_namespace: false, names: ['kube-system'] } });
    expect(errors.some((e) => /services/.test(e.message) && /500/.test(e.message))).toBe(true);
    await pollUntil(() => groups.updates, (n) => n > 0, 10_000, 10);
    // The first set went out whole: every endpoints group of a service already has its labels.
    expect(groups.updates).toBe(1);
    const dns = groups.bySource.get('endpoints/kube-system/kube-dns');
    expect(dns?.labels.__meta_kubernetes_service_name).toBe('kube-dns');
    expect(dns?.labels.__meta_kubernetes_service_label_k8s_app).toBe('kube-dns');
  });
});
