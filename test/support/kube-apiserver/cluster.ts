/**
 * A small but realistic cluster for the discovery tests: two nodes, three namespaces, and the
 * pods, services, endpoints, endpoint slices and ingresses a real one has, including the awkward
 * cases (init containers with ports, named and unnamed ports, a pod without ports, a not-ready
 * pod, a succeeded Job pod that keeps its IP, a pending pod without one, a host-network pod, an
 * API-server endpoint without a target, not-ready endpoint addresses, a UDP port, ExternalName and
 * LoadBalancer services, an ingress with TLS and wildcard hosts).
 *
 * Every pod IP is in `127.<subnet>.0.0/16` so discovered targets are real loopback addresses: a
 * test gives each file its own subnet, and `metricsEndpoints` lists the TCP ports worth serving.
 */
import { endpointSlice, endpoints, ingress, namespace, node, pod, service, type Json } from './objects';

export interface ExampleCluster {
  objects: Json[];
  /** ip:port pairs of the pods' TCP ports (where a loopback server can answer /metrics). */
  metricsEndpoints: Array<{ ip: string; port: number }>;
  nodeIPs: string[];
  ip(host: number): string;
}

export function exampleCluster(subnet: number): ExampleCluster {
  const ip = (host: number) => `127.${subnet}.0.${host}`;
  const nodeA = ip(1);
  const nodeB = ip(2);
  const objects: Json[] = [
    namespace('default'),
    namespace('kube-system'),
    namespace('monitoring', { team: 'observability' }, { 'scheduler.alpha.kubernetes.io/node-selector': 'pool=infra' }),
    node({ name: 'node-a', internalIP: nodeA, labels: { 'topology.kubernetes.io/zone': 'zone-1', 'node-role.kubernetes.io/worker': '' }, providerID: 'kind://docker/kind/node-a' }),
    node({ name: 'node-b', internalIP: nodeB, labels: { 'topology.kubernetes.io/zone': 'zone-2' }, ready: false }),

    // A Deployment's pod: a named and an unnamed port, an init container with a port, annotations.
    pod({
      name: 'web-7d9c5b6f4-x2k8p', nodeName: 'node-a', hostIP: nodeA, podIP: ip(11),
      labels: { app: 'web', 'pod-template-hash': '7d9c5b6f4', 'app.kubernetes.io/part-of': 'shop' },
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' },
      owner: { kind: 'ReplicaSet', name: 'web-7d9c5b6f4' },
      containers: [
        { name: 'web', image: 'registry.example.org/web:2.3.1', ports: [{ name: 'http-metrics', containerPort: 8080 }, { containerPort: 8443 }] },
        { name: 'proxy', image: 'registry.example.org/envoy:1.29', ports: [{ name: 'admin', containerPort: 9901 }] },
      ],
      initContainers: [{ name: 'migrate', image: 'registry.example.org/migrate:5', ports: [{ containerPort: 7777 }] }],
    }),
    // Same ReplicaSet, not ready.
    pod({
      name: 'web-7d9c5b6f4-q9zt4', nodeName: 'node-b', hostIP: nodeB, podIP: ip(12), ready: false,
      labels: { app: 'web', 'pod-template-hash': '7d9c5b6f4', 'app.kubernetes.io/part-of': 'shop' },
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' },
      owner: { kind: 'ReplicaSet', name: 'web-7d9c5b6f4' },
      containers: [{ name: 'web', image: 'registry.example.org/web:2.3.1', ports: [{ name: 'http-metrics', containerPort: 8080 }, { containerPort: 8443 }] }],
    }),
    // No ports at all: one target per container, at the bare IP.
    pod({
      name: 'worker-0', nodeName: 'node-a', hostIP: nodeA, podIP: ip(13), labels: { app: 'worker' },
      owner: { kind: 'StatefulSet', name: 'worker' },
      containers: [{ name: 'worker' }, { name: 'log-shipper', image: 'registry.example.org/shipper:0.9' }],
    }),
    // A finished Job pod: it keeps its IP, phase Succeeded, not ready.
    pod({
      name: 'report-28461230-h7x2z', nodeName: 'node-b', hostIP: nodeB, podIP: ip(14), phase: 'Succeeded', labels: { 'job-name': 'report-28461230' },
      owner: { kind: 'Job', name: 'report-28461230', apiVersion: 'batch/v1' },
      containers: [{ name: 'report', ports: [{ containerPort: 9100, name: 'metrics' }] }],
    }),
    // Pending, no IP yet: no targets.
    pod({
      name: 'web-7d9c5b6f4-pend1', nodeName: 'node-b', phase: 'Pending', labels: { app: 'web' }, owner: { kind: 'ReplicaSet', name: 'web-7d9c5b6f4' },
      containers: [{ name: 'web', ports: [{ name: 'http-metrics', containerPort: 8080 }] }],
    }),
    // kube-state-metrics in monitoring, and CoreDNS in kube-system (UDP and TCP ports).
    pod({
      namespace: 'monitoring', name: 'kube-state-metrics-6f8d9c7b5-abcde', nodeName: 'node-a', hostIP: nodeA, podIP: ip(21),
      labels: { 'app.kubernetes.io/name': 'kube-state-metrics' }, owner: { kind: 'ReplicaSet', name: 'kube-state-metrics-6f8d9c7b5' },
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' },
      containers: [{ name: 'kube-state-metrics', image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0', ports: [{ name: 'http-metrics', containerPort: 8080 }, { name: 'telemetry', containerPort: 8081 }] }],
    }),
    pod({
      namespace: 'kube-system', name: 'coredns-5d78c9869d-7mwlz', nodeName: 'node-a', hostIP: nodeA, podIP: ip(31),
      labels: { 'k8s-app': 'kube-dns', 'pod-template-hash': '5d78c9869d' }, owner: { kind: 'ReplicaSet', name: 'coredns-5d78c9869d' },
      containers: [{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.11.1', ports: [
        { name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53 }, { name: 'metrics', containerPort: 9153 },
      ] }],
    }),
    pod({
      namespace: 'kube-system', name: 'coredns-5d78c9869d-k2p4q', nodeName: 'node-b', hostIP: nodeB, podIP: ip(32), ready: false,
      labels: { 'k8s-app': 'kube-dns', 'pod-template-hash': '5d78c9869d' }, owner: { kind: 'ReplicaSet', name: 'coredns-5d78c9869d' },
      containers: [{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.11.1', ports: [
        { name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53 }, { name: 'metrics', containerPort: 9153 },
      ] }],
    }),
    // A DaemonSet pod on the host network: its IP is the node's.
    pod({
      namespace: 'kube-system', name: 'node-exporter-8xq2v', nodeName: 'node-b', hostIP: nodeB, podIP: nodeB,
      labels: { 'app.kubernetes.io/name': 'node-exporter' }, owner: { kind: 'DaemonSet', name: 'node-exporter' },
      containers: [{ name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.8.2', ports: [{ name: 'metrics', containerPort: 9100 }] }],
    }),

    service({ name: 'kubernetes', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }], labels: { component: 'apiserver', provider: 'kubernetes' } }),
    service({
      name: 'web', clusterIP: '10.96.12.4', ports: [{ name: 'http', port: 80, targetPort: 8080 }], selector: { app: 'web' },
      labels: { app: 'web' }, annotations: { 'prometheus.io/probe': 'true' },
    }),
    service({ name: 'payments', type: 'ExternalName', externalName: 'payments.example.org', ports: [{ port: 443 }] }),
    service({ name: 'shop-lb', type: 'LoadBalancer', clusterIP: '10.96.40.7', loadBalancerIP: '198.51.100.7', ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] }),
    service({
      namespace: 'monitoring', name: 'kube-state-metrics', clusterIP: '10.96.50.2',
      ports: [{ name: 'http-metrics', port: 8080 }, { name: 'telemetry', port: 8081 }], labels: { 'app.kubernetes.io/name': 'kube-state-metrics' },
      selector: { 'app.kubernetes.io/name': 'kube-state-metrics' },
    }),
    service({
      namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10', selector: { 'k8s-app': 'kube-dns' },
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' }, annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
      ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }, { name: 'metrics', port: 9153 }],
    }),

    endpoints({ name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' }, subsets: [{ addresses: [{ ip: nodeA }], ports: [{ name: 'https', port: 6443 }] }] }),
    endpoints({
      name: 'web', labels: { app: 'web' },
      subsets: [{
        addresses: [
          { ip: ip(11), nodeName: 'node-a', target: { name: 'web-7d9c5b6f4-x2k8p' } },
          { ip: ip(12), nodeName: 'node-b', target: { name: 'web-7d9c5b6f4-q9zt4' }, ready: false },
        ],
        ports: [{ name: 'http', port: 8080 }],
      }],
    }),
    endpoints({
      namespace: 'monitoring', name: 'kube-state-metrics', labels: { 'app.kubernetes.io/name': 'kube-state-metrics' },
      subsets: [{ addresses: [{ ip: ip(21), nodeName: 'node-a', target: { name: 'kube-state-metrics-6f8d9c7b5-abcde', namespace: 'monitoring' } }], ports: [{ name: 'http-metrics', port: 8080 }, { name: 'telemetry', port: 8081 }] }],
    }),
    endpoints({
      namespace: 'kube-system', name: 'kube-dns', labels: { 'k8s-app': 'kube-dns' },
      subsets: [{
        addresses: [
          { ip: ip(31), nodeName: 'node-a', target: { name: 'coredns-5d78c9869d-7mwlz', namespace: 'kube-system' } },
          { ip: ip(32), nodeName: 'node-b', target: { name: 'coredns-5d78c9869d-k2p4q', namespace: 'kube-system' }, ready: false },
        ],
        ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }, { name: 'metrics', port: 9153 }],
      }],
    }),

    endpointSlice({ name: 'kubernetes', service: 'kubernetes', endpoints: [{ ip: nodeA }], ports: [{ name: 'https', port: 6443 }] }),
    endpointSlice({
      name: 'web-8sd2k', service: 'web',
      endpoints: [
        { ip: ip(11), nodeName: 'node-a', zone: 'zone-1', target: { name: 'web-7d9c5b6f4-x2k8p' } },
        { ip: ip(12), nodeName: 'node-b', zone: 'zone-2', target: { name: 'web-7d9c5b6f4-q9zt4' }, ready: false, serving: false },
      ],
      ports: [{ name: 'http', port: 8080, appProtocol: 'http' }],
    }),
    endpointSlice({
      namespace: 'monitoring', name: 'kube-state-metrics-r5v2m', service: 'kube-state-metrics',
      endpoints: [{ ip: ip(21), nodeName: 'node-a', target: { name: 'kube-state-metrics-6f8d9c7b5-abcde', namespace: 'monitoring' } }],
      ports: [{ name: 'http-metrics', port: 8080 }, { name: 'telemetry', port: 8081 }],
    }),
    endpointSlice({
      namespace: 'kube-system', name: 'kube-dns-xk2pl', service: 'kube-dns',
      endpoints: [
        { ip: ip(31), nodeName: 'node-a', target: { name: 'coredns-5d78c9869d-7mwlz', namespace: 'kube-system' } },
        { ip: ip(32), nodeName: 'node-b', target: { name: 'coredns-5d78c9869d-k2p4q', namespace: 'kube-system' }, ready: false, serving: false, terminating: true },
      ],
      ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }, { name: 'metrics', port: 9153 }],
    }),

    ingress({ name: 'shop', className: 'nginx', labels: { app: 'shop' }, rules: [{ host: 'shop.example.org', paths: ['/', '/api'] }, { host: 'admin.example.org', paths: [''] }], tlsHosts: ['*.example.org'] }),
    ingress({ name: 'legacy', rules: [{ host: 'legacy.example.net' }] }),
  ];
  const metricsEndpoints = [
    { ip: ip(11), port: 8080 }, { ip: ip(11), port: 8443 }, { ip: ip(11), port: 9901 }, { ip: ip(11), port: 7777 },
    { ip: ip(12), port: 8080 }, { ip: ip(12), port: 8443 },
    { ip: ip(14), port: 9100 },
    { ip: ip(21), port: 8080 }, { ip: ip(21), port: 8081 },
    { ip: ip(31), port: 9153 }, { ip: ip(32), port: 9153 },
    { ip: nodeB, port: 9100 },
  ];
  return { objects, metricsEndpoints, nodeIPs: [nodeA, nodeB], ip };
}
