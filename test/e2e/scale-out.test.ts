/**
 * The scale-out group as deployed: deploy/statefulset-config.yaml's scrapewire.yml, unedited, run
 * by as many collector processes as statefulset.yaml has replicas, each started with the
 * manifest's --cluster.* flags (the member number from its pod name), each in a "pod" of its own
 * (support/in-pod.ts) with the in-cluster settings: the service-account token and CA at the
 * in-cluster path and KUBERNETES_SERVICE_HOST/PORT pointing at the Kubernetes API stand-in.
 *
 * The stand-in holds realistic objects: the default/kubernetes Service and its EndpointSlice (an
 * HTTPS "API server" /metrics on loopback), kube-dns with two CoreDNS pods, an annotated Service
 * with two ready pods and one not ready, and kube-state-metrics' annotated Service (the node
 * agents scrape it). Each target is scraped by exactly one member, every job delivers to a real
 * VictoriaMetrics (behind vminsert's host name) with the labels the ConfigMap's rules give.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { memberNumFrom } from '../../src/cluster/sharding';
import { REPO_ROOT } from '../helpers/paths';
import { VictoriaMetrics } from '../helpers/receivers';
import { createTestPki, type TestPki } from '../scrape/support/certificates';
import { endpointSlice, pod, service } from '../support/kube-apiserver/objects';
import { KubeApiStandIn } from '../support/kube-apiserver/server';
import { CollectorProcess, killAllCollectors, withCollectorOutput } from './support/collector-process';
import { tempDir } from './support/config';
import { inPod, RemoteWriteGateway } from './support/in-pod';
import { storedSeries } from './support/series';
import { pollUntil } from './support/wait';

const TOKEN = 'cluster-scraper-token';
const API_METRICS = { ip: '127.77.5.1', port: 6443 };
const VMINSERT_IP = '127.77.0.101';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are read field by field */
function manifests(file: string): any[] {
  return (parseAllDocuments(readFileSync(join(REPO_ROOT, 'deploy', file), 'utf8')) as unknown as Array<{ toJS(): any }>).map((d) => d.toJS());
}

describe('the scale-out StatefulSet config, run unedited by every member', () => {
  const vm = new VictoriaMetrics();
  const dir = tempDir('scale-out');
  const servers: Array<http.Server | https.Server> = [];
  const seen: string[] = [];
  const members: CollectorProcess[] = [];
  let api: KubeApiStandIn;
  let pki: TestPki;
  let gateway: RemoteWriteGateway;

  async function listen(server: http.Server | https.Server, ip: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, ip, () => resolve());
    });
    servers.push(server);
  }

  /** A pod's metrics page on ip:port. */
  async function podServer(ip: string, port: number, body: string): Promise<void> {
    await listen(http.createServer((req, res) => {
      seen.push(`${ip}:${port}${req.url ?? ''}`);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(body);
    }), ip, port);
  }

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('this test runs the members in mount namespaces of their own: it needs root (as CI runs it)');
    await vm.start();
    pki = createTestPki({ serverIps: [API_METRICS.ip] });
    api = await KubeApiStandIn.start({ tls: { cert: pki.read(pki.serverCertFile), key: pki.read(pki.serverKeyFile) }, token: TOKEN });
    gateway = await RemoteWriteGateway.start(undefined, VMINSERT_IP, vm.writeUrl, 8480);
    // The API server's own /metrics (another address than the stand-in's: what the EndpointSlice says).
    await listen(https.createServer({ cert: pki.read(pki.serverCertFile), key: pki.read(pki.serverKeyFile) }, (req, res) => {
      seen.push(`${API_METRICS.ip}:${API_METRICS.port}${req.url ?? ''} ${req.headers.authorization ?? ''}`);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end('# TYPE apiserver_request_total counter\napiserver_request_total{verb="GET"} 5\n');
    }), API_METRICS.ip, API_METRICS.port);
    await podServer('127.77.5.10', 9153, 'coredns_dns_requests_total{server="dns://:53"} 3\n');
    await podServer('127.77.5.11', 9153, 'coredns_dns_requests_total{server="dns://:53"} 4\n');
    await podServer('127.77.5.20', 9100, 'web_sessions 1\n');
    await podServer('127.77.5.21', 9100, 'web_sessions 2\n');
    await podServer('127.77.5.22', 9100, 'web_sessions 3\n');
    await podServer('127.77.5.30', 8080, 'kube_node_info{node="node-a"} 1\n');

    const corednsPod = (name: string, ip: string, node: string) => pod({
      name, namespace: 'kube-system', nodeName: node, hostIP: '127.77.0.1', podIP: ip, labels: { 'k8s-app': 'kube-dns' },
      owner: { kind: 'ReplicaSet', name: 'coredns-7d764666f9' }, containers: [{ name: 'coredns', ports: [{ containerPort: 53, name: 'dns', protocol: 'UDP' }, { containerPort: 9153, name: 'metrics' }] }],
    });
    const webPod = (name: string, ip: string, node: string, ready = true) => pod({
      name, namespace: 'shop', nodeName: node, hostIP: '127.77.0.2', podIP: ip, ready, labels: { app: 'web' },
      owner: { kind: 'ReplicaSet', name: 'web-5c9f' }, containers: [{ name: 'web', ports: [{ containerPort: 9100, name: 'metrics' }] }],
    });
    api.apply(
      service({ name: 'kubernetes', namespace: 'default', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }], labels: { component: 'apiserver', provider: 'kubernetes' } }),
      endpointSlice({ name: 'kubernetes', namespace: 'default', service: 'kubernetes', endpoints: [{ ip: API_METRICS.ip }], ports: [{ name: 'https', port: API_METRICS.port }] }),
      service({ name: 'kube-dns', namespace: 'kube-system', clusterIP: '10.96.0.10', labels: { 'k8s-app': 'kube-dns' }, selector: { 'k8s-app': 'kube-dns' },
        ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'metrics', port: 9153 }] }),
      corednsPod('coredns-7d764666f9-aaaaa', '127.77.5.10', 'node-a'),
      corednsPod('coredns-7d764666f9-bbbbb', '127.77.5.11', 'node-b'),
      endpointSlice({ name: 'kube-dns-x1', namespace: 'kube-system', service: 'kube-dns',
        endpoints: [
          { ip: '127.77.5.10', nodeName: 'node-a', target: { name: 'coredns-7d764666f9-aaaaa' } },
          { ip: '127.77.5.11', nodeName: 'node-b', target: { name: 'coredns-7d764666f9-bbbbb' } },
        ],
        ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'metrics', port: 9153 }] }),
      service({ name: 'web', namespace: 'shop', clusterIP: '10.96.3.3', labels: { app: 'web' }, selector: { app: 'web' },
        annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9100' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
      webPod('web-5c9f-a1', '127.77.5.20', 'node-a'), webPod('web-5c9f-b2', '127.77.5.21', 'node-b'), webPod('web-5c9f-c3', '127.77.5.22', 'node-b', false),
      endpointSlice({ name: 'web-x1', namespace: 'shop', service: 'web',
        endpoints: [
          { ip: '127.77.5.20', nodeName: 'node-a', target: { name: 'web-5c9f-a1' } },
          { ip: '127.77.5.21', nodeName: 'node-b', target: { name: 'web-5c9f-b2' } },
          { ip: '127.77.5.22', nodeName: 'node-b', target: { name: 'web-5c9f-c3' }, ready: false },
        ],
        ports: [{ name: 'http', port: 8080 }] }),
      service({ name: 'kube-state-metrics', namespace: 'monitoring', clusterIP: '10.96.4.4', labels: { 'app.kubernetes.io/name': 'kube-state-metrics' },
        annotations: { 'prometheus.io/scrape': 'true' }, ports: [{ name: 'http-metrics', port: 8080 }] }),
      endpointSlice({ name: 'kube-state-metrics-x1', namespace: 'monitoring', service: 'kube-state-metrics',
        endpoints: [{ ip: '127.77.5.30', nodeName: 'node-a' }], ports: [{ name: 'http-metrics', port: 8080 }] }),
    );

    const configMap = manifests('statefulset-config.yaml').find((m) => m.kind === 'ConfigMap');
    const statefulSet = manifests('statefulset.yaml').find((m) => m.kind === 'StatefulSet');
    const configFile = join(dir.path, 'scrapewire.yml');
    writeFileSync(configFile, configMap.data['scrapewire.yml']);
    const args: string[] = statefulSet.spec.template.spec.containers[0].args;
    const clusterFlags = args.filter((a) => a.startsWith('--cluster.'));
    for (let ordinal = 0; ordinal < statefulSet.spec.replicas; ordinal++) {
      const podName = `${statefulSet.metadata.name}-${ordinal}`;
      expect(memberNumFrom(podName)).toBe(ordinal);
      const { port } = new URL(api.origin);
      const world = inPod(join(dir.path, podName), {
        serviceAccount: { token: TOKEN, caCert: pki.read(pki.caFile), namespace: 'monitoring' },
        hosts: { 'vminsert.victoria-metrics.svc': VMINSERT_IP },
        extraCaFile: pki.caFile,
        env: { POD_NAME: podName, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port },
      });
      members.push(await CollectorProcess.start({
        configFile,
        storagePath: join(dir.path, podName, 'storage'),
        // What Kubernetes makes of $(POD_NAME) in the manifest's args.
        args: clusterFlags.map((flag) => flag.replace('$(POD_NAME)', podName)),
        command: world.command,
        env: world.env,
      }));
    }
  });

  afterAll(async () => {
    await killAllCollectors();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); })));
    await api?.close();
    await gateway?.close();
    pki?.remove();
    await vm.destroy();
    dir.remove();
  });

  it('each cluster-wide target is scraped by one member; every job delivers with its labels', () => withCollectorOutput(() => members, async () => {
    const expected = [
      'apiserver/127.77.5.1:6443',
      'coredns/127.77.5.10:9153', 'coredns/127.77.5.11:9153',
      'kubernetes-service-endpoints/127.77.5.20:9100', 'kubernetes-service-endpoints/127.77.5.21:9100',
    ];
    const targetsOf = async (member: CollectorProcess) => (await member.targets()).map((t) => `${t.scrapePool}/${t.labels.instance}`);
    const all = await pollUntil(async () => (await Promise.all(members.map(targetsOf))).flat().sort(), (t) => t.length >= expected.length, 60_000, 500);
    // Sharded: every target once across the members, none twice.
    expect(all).toEqual(expected);
    expect(members.length).toBe(3);

    const up = await pollUntil(async () => (await storedSeries(vm, 'up')).filter((s) => s.samples.some((x) => x.v === 1)),
      (series) => series.length >= expected.length, 60_000, 1000);
    expect(up.map((s) => `${s.labels.job}/${s.labels.instance}`).sort()).toEqual(expected);
    expect((await storedSeries(vm, 'apiserver_request_total')).map((s) => s.labels)).toEqual([
      { __name__: 'apiserver_request_total', cluster: 'my-cluster', instance: '127.77.5.1:6443', job: 'apiserver', verb: 'GET' },
    ]);
    expect((await storedSeries(vm, 'coredns_dns_requests_total')).map((s) => `${s.labels.job}/${s.labels.pod}/${s.labels.node}`).sort()).toEqual([
      'coredns/coredns-7d764666f9-aaaaa/node-a', 'coredns/coredns-7d764666f9-bbbbb/node-b',
    ]);
    const web = (await storedSeries(vm, 'web_sessions')).map((s) => s.labels).sort((a, b) => a.pod.localeCompare(b.pod));
    expect(web).toEqual([
      { __name__: 'web_sessions', app: 'web', cluster: 'my-cluster', instance: '127.77.5.20:9100', job: 'kubernetes-service-endpoints', namespace: 'shop', node: 'node-a', pod: 'web-5c9f-a1', service: 'web' },
      { __name__: 'web_sessions', app: 'web', cluster: 'my-cluster', instance: '127.77.5.21:9100', job: 'kubernetes-service-endpoints', namespace: 'shop', node: 'node-b', pod: 'web-5c9f-b2', service: 'web' },
    ]);
    // Not ready, or kube-state-metrics (the node agents' job): not scraped here.
    expect(seen.filter((s) => s.startsWith('127.77.5.22:') || s.startsWith('127.77.5.30:'))).toEqual([]);
    // The API server was scraped with the service-account token.
    const apiScrapes = seen.filter((s) => s.startsWith(`${API_METRICS.ip}:`));
    expect(apiScrapes.length).toBeGreaterThan(0);
    expect(apiScrapes.every((s) => s.endsWith(`Bearer ${TOKEN}`))).toBe(true);
    // Discovery read the API with the same token.
    expect(api.requests.length).toBeGreaterThan(0);
    expect(api.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  }));
});
