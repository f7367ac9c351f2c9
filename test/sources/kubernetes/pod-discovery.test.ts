/**
 * PodDiscovery against an HTTPS kubelet stand-in on loopback: the annotated running pods become
 * targets with the right URLs and labels, the service-account token is sent and its rotation
 * picked up, the CA is enforced, and a failed poll keeps the last good set.
 */
import { ScrapewireError } from '../../../src/core/errors';
import { PodDiscovery } from '../../../src/sources/kubernetes/pod-discovery';
import type { PodTarget } from '../../../src/sources/kubernetes/pod-targets';
import { pod, startKubeletStandIn, type KubeletStandIn } from './support/kubelet-stand-in';

const SCRAPE = { 'prometheus.io/scrape': 'true' };

function podList(): unknown[] {
  return [
    // Annotated port, path and scheme: one target, labelled with the container declaring the port.
    pod({
      namespace: 'shop', name: 'web-7d4f8b9c6d-x2k9p', podIP: '10.244.0.11',
      annotations: { ...SCRAPE, 'prometheus.io/port': '8080', 'prometheus.io/path': '/custom/metrics', 'prometheus.io/scheme': 'https' },
      containers: [{ name: 'sidecar', ports: [{ containerPort: 9090 }] }, { name: 'app', ports: [{ containerPort: 8080 }] }],
    }),
    // No port annotation: one target per declared TCP port (UDP and init containers skipped).
    pod({
      namespace: 'dns', name: 'resolver-0', podIP: '10.244.0.12',
      annotations: SCRAPE,
      containers: [
        { name: 'dns', ports: [{ containerPort: 53, protocol: 'UDP' }, { containerPort: 9153, protocol: 'TCP' }] },
        { name: 'exporter', ports: [{ containerPort: 9100 }] },
        { name: 'portless' },
      ],
    }),
    // Annotated port that no container declares, single container: that container.
    pod({ namespace: 'batch', name: 'report-28012345-bzq7x', podIP: 'fd00::5', annotations: { ...SCRAPE, 'prometheus.io/port': '9000' }, containers: [{ name: 'job' }] }),
    // Not scraped: no annotation, "True" is not "true", not Running, no IP yet, bad port.
    pod({ name: 'plain', annotations: {}, containers: [{ name: 'app', ports: [{ containerPort: 8080 }] }] }),
    pod({ name: 'shouty', annotations: { 'prometheus.io/scrape': 'True', 'prometheus.io/port': '8080' } }),
    pod({ name: 'pending', phase: 'Pending', annotations: { ...SCRAPE, 'prometheus.io/port': '8080' } }),
    pod({ name: 'done', phase: 'Succeeded', annotations: { ...SCRAPE, 'prometheus.io/port': '8080' } }),
    pod({ name: 'no-ip', podIP: '', annotations: { ...SCRAPE, 'prometheus.io/port': '8080' } }),
    pod({ name: 'bad-port', annotations: { ...SCRAPE, 'prometheus.io/port': 'metrics' } }),
    pod({ name: 'bad-scheme', annotations: { ...SCRAPE, 'prometheus.io/port': '80', 'prometheus.io/scheme': 'ftp' } }),
  ];
}

const EXPECTED = [
  {
    id: 'batch/report-28012345-bzq7x/job:9000', url: 'http://[fd00::5]:9000/metrics',
    labels: { namespace: 'batch', pod: 'report-28012345-bzq7x', container: 'job' },
  },
  { id: 'dns/resolver-0/dns:9153', url: 'http://10.244.0.12:9153/metrics', labels: { namespace: 'dns', pod: 'resolver-0', container: 'dns' } },
  {
    id: 'dns/resolver-0/exporter:9100', url: 'http://10.244.0.12:9100/metrics',
    labels: { namespace: 'dns', pod: 'resolver-0', container: 'exporter' },
  },
  {
    id: 'shop/web-7d4f8b9c6d-x2k9p/app:8080', url: 'https://10.244.0.11:8080/custom/metrics',
    labels: { namespace: 'shop', pod: 'web-7d4f8b9c6d-x2k9p', container: 'app' },
  },
];

function summary(targets: readonly PodTarget[]) {
  return targets.map(({ id, url, labels }) => ({ id, url, labels }));
}

describe('PodDiscovery', () => {
  let kubelet: KubeletStandIn;
  const discoveries: PodDiscovery[] = [];
  const warnings: string[] = [];
  const logger = { debug: () => undefined, warn: (_obj: object, msg?: string) => void warnings.push(String(msg)) };

  beforeAll(async () => {
    kubelet = await startKubeletStandIn();
  });
  afterAll(async () => {
    await kubelet.close();
  });
  beforeEach(() => {
    kubelet.podList.items = podList();
    kubelet.acceptedToken = 'token-1';
    kubelet.writeToken('token-1');
    kubelet.server.requests.length = 0;
    warnings.length = 0;
  });
  afterEach(async () => {
    await Promise.all(discoveries.splice(0).map((d) => d.stop()));
  });

  function discovery(onTargets: (targets: PodTarget[]) => void = () => undefined, onError?: (e: ScrapewireError) => void, node = kubelet.node) {
    const created = new PodDiscovery({ node, intervalMs: 600_000, onTargets, onError, logger });
    discoveries.push(created);
    return created;
  }

  test('finds exactly the annotated running pods, one target per port, with URLs and labels', async () => {
    const sets: PodTarget[][] = [];
    const d = discovery((targets) => sets.push(targets));
    await d.start();
    expect(sets).toHaveLength(1);
    expect(summary(sets[0])).toEqual(EXPECTED);
    expect(d.url).toBe(`${kubelet.server.origin}/pods`);
    expect(kubelet.server.requests.map((r) => r.url)).toEqual(['/pods']);
    expect(kubelet.authorizations()).toEqual(['Bearer token-1']);
    // The pods with bad annotations are reported, not guessed at.
    expect(warnings.filter((w) => w.includes('default/bad-port') || w.includes('default/bad-scheme'))).toHaveLength(2);
  });

  test('emits again only when the target set changes', async () => {
    const sets: PodTarget[][] = [];
    const d = discovery((targets) => sets.push(targets));
    await d.refresh();
    await d.refresh();
    expect(sets).toHaveLength(1);
    kubelet.podList.items = podList().filter((p) => (p as { metadata: { name: string } }).metadata.name !== 'resolver-0');
    const after = await d.refresh();
    expect(sets).toHaveLength(2);
    expect(summary(after).map((t) => t.id)).toEqual([EXPECTED[0].id, EXPECTED[3].id]);
    expect(d.targets).toBe(after);
  });

  test('a rotated token file is used by the next poll', async () => {
    const d = discovery();
    await d.refresh();
    // The kubelet now wants the new token; the agent still has the old one: refused.
    kubelet.acceptedToken = 'token-2';
    const refused = await d.refresh().then(() => undefined, (err: unknown) => err);
    expect(refused).toBeInstanceOf(ScrapewireError);
    expect((refused as ScrapewireError).code).toBe('ERR_HTTP_STATUS');
    expect((refused as ScrapewireError).message).not.toContain('token-1');
    kubelet.writeToken('token-2');
    expect(summary(await d.refresh())).toEqual(EXPECTED);
    expect(kubelet.authorizations()).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-2']);
  });

  test('a failed poll keeps the last good targets and is reported', async () => {
    const sets: PodTarget[][] = [];
    const errors: ScrapewireError[] = [];
    const d = discovery((targets) => sets.push(targets), (err) => errors.push(err));
    await d.start();
    kubelet.acceptedToken = 'someone-else';
    await expect(d.refresh()).rejects.toMatchObject({ code: 'ERR_HTTP_STATUS' });
    expect(summary(d.targets!)).toEqual(EXPECTED);
    expect(sets).toHaveLength(1);

    // start() on a fresh discovery reports its failed first poll through onError, not a rejection.
    const failing = discovery((targets) => sets.push(targets), (err) => errors.push(err));
    await failing.start();
    expect(errors.map((e) => e.code)).toEqual(['ERR_HTTP_STATUS']);
    expect(failing.targets).toBeUndefined();
  });

  test('the kubelet certificate is checked against the configured CA', async () => {
    const errors: ScrapewireError[] = [];
    const d = discovery(() => undefined, (err) => errors.push(err), { ...kubelet.node, caFile: kubelet.pki.otherCaFile });
    await d.start();
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain(`${kubelet.server.origin}/pods`);
    expect(kubelet.server.requests).toHaveLength(0);
  });

  test('a body that is not a PodList fails the poll', async () => {
    kubelet.podList = { kind: 'Status' } as unknown as KubeletStandIn['podList'];
    try {
      const d = discovery();
      await expect(d.refresh()).rejects.toMatchObject({ code: 'ERR_PARSE' });
    } finally {
      kubelet.podList = { kind: 'PodList', apiVersion: 'v1', items: podList() };
    }
  });
});
