/**
 * The node agent as deployed: the DaemonSet's ConfigMap (deploy/configmap.yaml, its
 * scrapewire.yml byte for byte) and web config (deploy/web-config.yaml) run by two collector
 * processes, one per node, each in a "pod" of its own (support/in-pod.ts: the service-account
 * token and CA at /var/run/secrets/kubernetes.io/serviceaccount, NODE_IP and NODE_NAME from the
 * "downward API", the receiver's host name in its /etc/hosts), against:
 *
 * - an HTTPS kubelet stand-in per node on `NODE_IP:10250` (test CA, token checked): /metrics,
 *   /metrics/cadvisor, /metrics/probes and /pods, whose pods are real loopback servers;
 * - a real VictoriaMetrics behind the ConfigMap's remote-write host name.
 *
 * Every job delivers with the job, instance, namespace, pod and node labels the ConfigMap's rules
 * give; annotated pods of each node are scraped by that node's agent only (path, port and params
 * from their annotations), the others not at all; kube-state-metrics (annotated too) is scraped
 * once in the cluster, by the agent of its node; the workload-cpu plugin reads the cadvisor job.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { VictoriaMetrics } from '../helpers/receivers';
import { REPO_ROOT } from '../helpers/paths';
import { NodeKubelet } from '../collector/support/node-kubelet';
import { createTestPki, type TestPki } from '../scrape/support/certificates';
import { pod } from '../support/kube-apiserver/objects';
import { CollectorProcess, killAllCollectors, withCollectorOutput } from './support/collector-process';
import { tempDir } from './support/config';
import { inPod, RemoteWriteGateway } from './support/in-pod';
import { storedSeries, type StoredSeries } from './support/series';
import { pollUntil } from './support/wait';

const NODES = [{ name: 'node-a', ip: '127.77.0.1' }, { name: 'node-b', ip: '127.77.0.2' }];
const RECEIVER_IP = '127.77.0.100';
const TOKEN = 'node-agent-token';

/** The value of `key` in the data of the one document of `file` that has it. */
function deployData(file: string, field: 'data' | 'stringData', key: string): string {
  for (const doc of parseAllDocuments(readFileSync(join(REPO_ROOT, 'deploy', file), 'utf8')) as ReturnType<typeof parseAllDocuments> & unknown[]) {
    const value = (doc as { toJS(): Record<string, Record<string, string>> }).toJS()?.[field]?.[key];
    if (value !== undefined) return value;
  }
  throw new Error(`deploy/${file} has no ${field}.${key}`);
}

/** Loopback servers standing in for pods: each path answers with a page; requests counted by address and path. */
class PodServers {
  readonly seen: string[] = [];
  private readonly servers: http.Server[] = [];

  async serve(ip: string, port: number, pages: Record<string, string>): Promise<void> {
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      this.seen.push(`${ip}:${port}${req.url ?? ''}`);
      const page = pages[path];
      res.writeHead(page === undefined ? 404 : 200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(page ?? '');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, ip, () => resolve());
    });
    this.servers.push(server);
  }

  count(address: string): number {
    return this.seen.filter((s) => s.startsWith(address)).length;
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); })));
  }
}

const KSM_PAGE = [
  '# TYPE kube_pod_info gauge',
  'kube_pod_info{namespace="shop",pod="shop-7d9f8c6b5-x2x9z",node="node-a"} 1',
  'kube_pod_info{namespace="web",pod="web-0",node="node-b"} 1',
  'kube_pod_info{namespace="monitoring",pod="kube-state-metrics-6f7c9d8b4-k2k4m",node="node-a"} 1',
  '# TYPE kube_node_info gauge',
  'kube_node_info{node="node-a"} 1',
  'kube_node_info{node="node-b"} 1',
  '',
].join('\n');

describe('the DaemonSet ConfigMap, run unedited by one agent per node', () => {
  const vm = new VictoriaMetrics();
  const dir = tempDir('node-agent');
  const pods = new PodServers();
  const kubelets: NodeKubelet[] = [];
  const agents: CollectorProcess[] = [];
  let pki: TestPki;
  let gateway: RemoteWriteGateway;

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('this test runs the agents in mount namespaces of their own: it needs root (as CI runs it)');
    await vm.start();
    pki = createTestPki({ serverIps: [...NODES.map((n) => n.ip), RECEIVER_IP], serverNames: ['remote-write.example.com'] });
    gateway = await RemoteWriteGateway.start(pki, RECEIVER_IP, vm.writeUrl);
    for (const node of NODES) {
      const kubelet = await NodeKubelet.start({ nodeName: node.name, ip: node.ip, port: 10250, pki, token: TOKEN });
      kubelets.push(kubelet);
    }
    const [a, b] = kubelets;
    a.pods = [
      pod({
        name: 'shop-7d9f8c6b5-x2x9z', namespace: 'shop', nodeName: 'node-a', hostIP: NODES[0].ip, podIP: '127.77.1.1',
        labels: { app: 'shop' }, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' },
        owner: { kind: 'ReplicaSet', name: 'shop-7d9f8c6b5' }, containers: [{ name: 'web', ports: [{ containerPort: 8080, name: 'http' }] }],
      }),
      pod({
        name: 'kube-state-metrics-6f7c9d8b4-k2k4m', namespace: 'monitoring', nodeName: 'node-a', hostIP: NODES[0].ip, podIP: '127.77.1.2',
        labels: { 'app.kubernetes.io/name': 'kube-state-metrics' }, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' },
        owner: { kind: 'ReplicaSet', name: 'kube-state-metrics-6f7c9d8b4' },
        containers: [{ name: 'kube-state-metrics', ports: [{ containerPort: 8080, name: 'http-metrics' }, { containerPort: 8081, name: 'telemetry' }] }],
      }),
      pod({ name: 'quiet-0', namespace: 'shop', nodeName: 'node-a', hostIP: NODES[0].ip, podIP: '127.77.1.3', containers: [{ name: 'app', ports: [{ containerPort: 8080 }] }] }),
      pod({
        name: 'migrate-x7k2p', namespace: 'shop', nodeName: 'node-a', hostIP: NODES[0].ip, podIP: '127.77.1.4', phase: 'Succeeded',
        annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' }, owner: { kind: 'Job', name: 'migrate', apiVersion: 'batch/v1' },
        containers: [{ name: 'migrate' }],
      }),
    ];
    b.pods = [
      pod({
        name: 'web-0', namespace: 'web', nodeName: 'node-b', hostIP: NODES[1].ip, podIP: '127.77.2.1',
        labels: { app: 'web', tier: 'front' },
        annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090', 'prometheus.io/path': '/custom/metrics', 'prometheus.io/param_format': 'prometheus' },
        owner: { kind: 'StatefulSet', name: 'web' }, containers: [{ name: 'web', ports: [{ containerPort: 9090, name: 'metrics' }] }],
      }),
    ];
    await pods.serve('127.77.1.1', 8080, { '/metrics': '# TYPE shop_orders_total counter\nshop_orders_total 42\n' });
    await pods.serve('127.77.1.2', 8080, { '/metrics': KSM_PAGE });
    await pods.serve('127.77.1.3', 8080, { '/metrics': 'quiet_up 1\n' });
    await pods.serve('127.77.1.4', 8080, { '/metrics': 'migrate_done 1\n' });
    await pods.serve('127.77.2.1', 9090, { '/custom/metrics': '# TYPE web_requests_total counter\nweb_requests_total{code="200"} 7\n' });

    const configFile = join(dir.path, 'scrapewire.yml');
    const webConfigFile = join(dir.path, 'web.yml');
    writeFileSync(configFile, deployData('configmap.yaml', 'data', 'scrapewire.yml'));
    writeFileSync(webConfigFile, deployData('web-config.yaml', 'stringData', 'web.yml'));
    for (const node of NODES) {
      const world = inPod(join(dir.path, node.name), {
        serviceAccount: { token: TOKEN, caCert: pki.read(pki.caFile), namespace: 'monitoring' },
        hosts: { 'remote-write.example.com': RECEIVER_IP },
        extraCaFile: pki.caFile,
        env: { NODE_IP: node.ip, NODE_NAME: node.name },
      });
      agents.push(await CollectorProcess.start({
        configFile,
        storagePath: join(dir.path, node.name, 'storage'),
        args: [`--web.config.file=${webConfigFile}`],
        command: world.command,
        env: world.env,
      }));
    }
  });

  afterAll(async () => {
    await killAllCollectors();
    await pods.close();
    for (const kubelet of kubelets) await kubelet.close();
    await gateway?.close();
    pki?.remove();
    await vm.destroy();
    dir.remove();
  });

  const labelsOf = (series: StoredSeries[]) => series.map((s) => s.labels).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));

  it('every job delivers with its labels; annotated pods of each node once; kube-state-metrics once', () => withCollectorOutput(() => agents, async () => {
    // Scrapes time out now and then on a loaded machine (the ConfigMap's timeout is 1s): wait
    // until every target has had a good one and what derives from them has arrived.
    const upTargets = async () => [...new Set((await storedSeries(vm, 'up'))
      .filter((s) => s.samples.some((x) => x.v === 1)).map((s) => `${s.labels.job}/${s.labels.instance}`))].sort();
    await pollUntil(async () => [
      (await upTargets()).length,
      (await storedSeries(vm, 'scrapewire_workload_cpu_usage_seconds_total')).length > 0 ? 1 : 0,
      (await storedSeries(vm, 'prober_probe_total')).length,
      (await storedSeries(vm, 'container_cpu_usage_seconds_total{node="node-b"}')).length > 0 ? 1 : 0,
    ], ([up, workloads, probes, cpuB]) => up >= 9 && workloads === 1 && probes >= 4 && cpuB === 1, 90_000, 1000);
    expect(await upTargets()).toEqual([
      'cadvisor/node-a', 'cadvisor/node-b',
      'kube-state-metrics/127.77.1.2:8080',
      'kubelet-probes/node-a', 'kubelet-probes/node-b',
      'kubelet/node-a', 'kubelet/node-b',
      'kubernetes-pods/127.77.1.1:8080', 'kubernetes-pods/127.77.2.1:9090',
    ]);
    // No other target was scraped.
    const up = await storedSeries(vm, 'up');
    expect(up).toHaveLength(9);

    // The kubelet jobs: instance and node from ${NODE_NAME}, the external label on everything.
    expect(labelsOf(await storedSeries(vm, 'kubelet_running_pods'))).toEqual([
      { __name__: 'kubelet_running_pods', cluster: 'my-cluster', instance: 'node-a', job: 'kubelet', node: 'node-a' },
      { __name__: 'kubelet_running_pods', cluster: 'my-cluster', instance: 'node-b', job: 'kubelet', node: 'node-b' },
    ]);
    const cpu = await storedSeries(vm, 'container_cpu_usage_seconds_total{job="cadvisor"}');
    expect(new Set(cpu.map((s) => s.labels.node))).toEqual(new Set(['node-a', 'node-b']));
    const probes = await storedSeries(vm, 'prober_probe_total{job="kubelet-probes"}');
    expect(probes.map((s) => `${s.labels.node}/${s.labels.namespace}/${s.labels.pod}`).sort()).toEqual([
      'node-a/monitoring/kube-state-metrics-6f7c9d8b4-k2k4m', 'node-a/shop/quiet-0', 'node-a/shop/shop-7d9f8c6b5-x2x9z', 'node-b/web/web-0',
    ]);

    // Annotated pods, with Prometheus's example rules: port, path and params from annotations.
    expect(labelsOf(await storedSeries(vm, 'shop_orders_total'))).toEqual([{
      __name__: 'shop_orders_total', app: 'shop', cluster: 'my-cluster', instance: '127.77.1.1:8080', job: 'kubernetes-pods',
      namespace: 'shop', node: 'node-a', pod: 'shop-7d9f8c6b5-x2x9z',
    }]);
    expect(labelsOf(await storedSeries(vm, 'web_requests_total'))).toEqual([{
      __name__: 'web_requests_total', app: 'web', cluster: 'my-cluster', code: '200', instance: '127.77.2.1:9090', job: 'kubernetes-pods',
      namespace: 'web', node: 'node-b', pod: 'web-0', tier: 'front',
    }]);
    expect(pods.seen.filter((s) => s.startsWith('127.77.2.1:9090')).every((s) => s === '127.77.2.1:9090/custom/metrics?format=prometheus')).toBe(true);
    // Not annotated, or finished: never scraped.
    expect(pods.count('127.77.1.3:8080')).toBe(0);
    expect(pods.count('127.77.1.4:8080')).toBe(0);

    // kube-state-metrics: one target in the cluster, its series with the labels they carry (honor_labels).
    expect(labelsOf(await storedSeries(vm, 'kube_node_info'))).toEqual([
      { __name__: 'kube_node_info', cluster: 'my-cluster', instance: '127.77.1.2:8080', job: 'kube-state-metrics', node: 'node-a' },
      { __name__: 'kube_node_info', cluster: 'my-cluster', instance: '127.77.1.2:8080', job: 'kube-state-metrics', node: 'node-b' },
    ]);
    const podInfo = await storedSeries(vm, 'kube_pod_info');
    expect(podInfo.map((s) => `${s.labels.job}/${s.labels.namespace}/${s.labels.pod}`).sort()).toEqual([
      'kube-state-metrics/monitoring/kube-state-metrics-6f7c9d8b4-k2k4m', 'kube-state-metrics/shop/shop-7d9f8c6b5-x2x9z', 'kube-state-metrics/web/web-0',
    ]);
    // Only its http-metrics port, never its telemetry port, and by the agent of its node alone;
    // each agent scrapes the annotated pods of its own node.
    expect(pods.seen.every((s) => !s.startsWith('127.77.1.2:8081'))).toBe(true);
    const [targetsA, targetsB] = await Promise.all(agents.map((agent) => agent.targets()));
    const ofJob = (targets: Awaited<ReturnType<CollectorProcess['targets']>>, job: string) => targets.filter((t) => t.scrapePool === job).map((t) => t.labels.instance);
    expect(ofJob(targetsA, 'kube-state-metrics')).toEqual(['127.77.1.2:8080']);
    expect(ofJob(targetsB, 'kube-state-metrics')).toEqual([]);
    expect(ofJob(targetsA, 'kubernetes-pods')).toEqual(['127.77.1.1:8080']);
    expect(ofJob(targetsB, 'kubernetes-pods')).toEqual(['127.77.2.1:9090']);

    // The plugin read the cadvisor job of each node.
    const workloads = await pollUntil(() => storedSeries(vm, 'scrapewire_workload_cpu_usage_seconds_total'),
      (series) => new Set(series.map((s) => s.labels.node)).size >= 2, 60_000, 1000);
    expect(new Set(workloads.map((s) => `${s.labels.instance}/${s.labels.node}/${s.labels.cluster}`))).toEqual(new Set(['node-a/node-a/my-cluster', 'node-b/node-b/my-cluster']));

    // Every kubelet request carried the service-account token read from the pod's mount.
    for (const kubelet of kubelets) {
      expect(kubelet.requests.length).toBeGreaterThan(0);
      expect(kubelet.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    }
    expect(gateway.requests).toBeGreaterThan(0);
  }));
});
