/**
 * Kubernetes objects as `kubectl get -o json` prints them (core/v1 Pod, Node, Service,
 * Endpoints, Namespace; discovery.k8s.io/v1 EndpointSlice; networking.k8s.io/v1 Ingress): the
 * fields discovery reads plus the ones a real cluster always fills in (managedFields, uid,
 * creationTimestamp, status conditions, container statuses with runtime IDs, QoS class...), so
 * a client that chokes on a real object chokes here too. Written from the Kubernetes API
 * reference; shapes, not copies.
 */
import { createHash } from 'node:crypto';

export type Json = Record<string, unknown>;

const CREATED = '2026-05-20T08:00:00Z';

function uid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function managedFields(manager: string): Json[] {
  // What makes real objects heavy: discovery must ignore (and not keep) all of it.
  return [{
    manager, operation: 'Update', apiVersion: 'v1', time: CREATED, fieldsType: 'FieldsV1',
    fieldsV1: { 'f:metadata': { 'f:labels': { '.': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {} } } } },
  }];
}

export interface ContainerSpec {
  name: string;
  image?: string;
  ports?: Array<{ containerPort: number; name?: string; protocol?: string }>;
}

export interface PodSpec {
  name: string;
  namespace?: string;
  nodeName?: string;
  hostIP?: string;
  /** Absent: a pending pod without an IP. */
  podIP?: string;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  ready?: boolean;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  owner?: { kind: string; name: string; apiVersion?: string };
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
}

function container(spec: ContainerSpec): Json {
  const out: Json = {
    name: spec.name,
    image: spec.image ?? `registry.example.org/${spec.name}:1.4.2`,
    imagePullPolicy: 'IfNotPresent',
    resources: { limits: { memory: '128Mi' }, requests: { cpu: '10m', memory: '64Mi' } },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    volumeMounts: [{ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
  };
  if (spec.ports !== undefined) {
    out.ports = spec.ports.map((port) => ({ ...(port.name === undefined ? {} : { name: port.name }), containerPort: port.containerPort, protocol: port.protocol ?? 'TCP' }));
  }
  return out;
}

function containerStatus(spec: ContainerSpec, podName: string, running: boolean, init: boolean): Json {
  const image = spec.image ?? `registry.example.org/${spec.name}:1.4.2`;
  return {
    name: spec.name,
    image,
    imageID: `${image.split(':')[0]}@sha256:${createHash('sha256').update(image).digest('hex')}`,
    containerID: `containerd://${createHash('sha256').update(`${podName}/${spec.name}`).digest('hex')}`,
    ready: running && !init,
    restartCount: 0,
    started: running && !init,
    state: init || !running ? { terminated: { exitCode: 0, reason: 'Completed', startedAt: CREATED, finishedAt: CREATED } } : { running: { startedAt: CREATED } },
  };
}

export function pod(spec: PodSpec): Json {
  const namespace = spec.namespace ?? 'default';
  const phase = spec.phase ?? 'Running';
  const ready = spec.ready ?? phase === 'Running';
  const metadata: Json = {
    name: spec.name,
    namespace,
    uid: uid(`pod/${namespace}/${spec.name}`),
    creationTimestamp: CREATED,
    labels: spec.labels ?? {},
    managedFields: managedFields('kube-controller-manager'),
  };
  if (spec.annotations !== undefined) metadata.annotations = spec.annotations;
  if (spec.owner !== undefined) {
    metadata.generateName = `${spec.owner.name}-`;
    metadata.ownerReferences = [{
      apiVersion: spec.owner.apiVersion ?? 'apps/v1', kind: spec.owner.kind, name: spec.owner.name,
      uid: uid(`${spec.owner.kind}/${spec.owner.name}`), controller: true, blockOwnerDeletion: true,
    }];
  }
  const status: Json = {
    phase,
    qosClass: 'Burstable',
    conditions: [
      { type: 'PodReadyToStartContainers', status: spec.podIP === undefined ? 'False' : 'True', lastTransitionTime: CREATED },
      { type: 'Initialized', status: 'True', lastTransitionTime: CREATED },
      { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: CREATED, ...(ready ? {} : { reason: phase === 'Succeeded' ? 'PodCompleted' : 'ContainersNotReady' }) },
      { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: CREATED },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: CREATED },
    ],
  };
  if (spec.hostIP !== undefined) {
    status.hostIP = spec.hostIP;
    status.hostIPs = [{ ip: spec.hostIP }];
  }
  if (spec.podIP !== undefined) {
    status.podIP = spec.podIP;
    status.podIPs = [{ ip: spec.podIP }];
    status.startTime = CREATED;
    const running = phase === 'Running';
    status.containerStatuses = spec.containers.map((c) => containerStatus(c, spec.name, running, false));
    if (spec.initContainers !== undefined) status.initContainerStatuses = spec.initContainers.map((c) => containerStatus(c, spec.name, false, true));
  }
  const podSpec: Json = {
    containers: spec.containers.map(container),
    dnsPolicy: 'ClusterFirst',
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
    priority: 0,
    restartPolicy: spec.owner?.kind === 'Job' ? 'Never' : 'Always',
    schedulerName: 'default-scheduler',
    securityContext: {},
    serviceAccount: 'default',
    serviceAccountName: 'default',
    terminationGracePeriodSeconds: 30,
    tolerations: [{ effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 }],
    volumes: [{ name: 'kube-api-access', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } }],
  };
  if (spec.initContainers !== undefined) podSpec.initContainers = spec.initContainers.map(container);
  if (spec.nodeName !== undefined) podSpec.nodeName = spec.nodeName;
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: podSpec, status };
}

export function node(spec: { name: string; internalIP: string; labels?: Record<string, string>; annotations?: Record<string, string>; ready?: boolean; kubeletPort?: number; providerID?: string }): Json {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      uid: uid(`node/${spec.name}`),
      creationTimestamp: CREATED,
      labels: { 'beta.kubernetes.io/arch': 'amd64', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': spec.name, 'kubernetes.io/os': 'linux', ...spec.labels },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true', ...spec.annotations },
      managedFields: managedFields('kubelet'),
    },
    spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'], ...(spec.providerID === undefined ? {} : { providerID: spec.providerID }) },
    status: {
      addresses: [{ type: 'InternalIP', address: spec.internalIP }, { type: 'Hostname', address: spec.name }],
      allocatable: { cpu: '2', memory: '8000000Ki', pods: '110' },
      capacity: { cpu: '2', memory: '8100000Ki', pods: '110' },
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: CREATED, lastTransitionTime: CREATED },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', lastHeartbeatTime: CREATED, lastTransitionTime: CREATED },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', lastHeartbeatTime: CREATED, lastTransitionTime: CREATED },
        { type: 'Ready', status: spec.ready === false ? 'False' : 'True', reason: 'KubeletReady', lastHeartbeatTime: CREATED, lastTransitionTime: CREATED },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: spec.kubeletPort ?? 10250 } },
      nodeInfo: { architecture: 'amd64', containerRuntimeVersion: 'containerd://1.7.13', kernelVersion: '6.1.0-18-amd64', kubeletVersion: 'v1.35.0', operatingSystem: 'linux', osImage: 'Debian GNU/Linux 13' },
    },
  };
}

export function namespace(name: string, labels: Record<string, string> = {}, annotations?: Record<string, string>): Json {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, uid: uid(`ns/${name}`), creationTimestamp: CREATED, labels: { 'kubernetes.io/metadata.name': name, ...labels }, ...(annotations === undefined ? {} : { annotations }) },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

export interface ServicePortSpec {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
}

export function service(spec: {
  name: string; namespace?: string; type?: string; clusterIP?: string; externalName?: string; loadBalancerIP?: string;
  ports: ServicePortSpec[]; labels?: Record<string, string>; annotations?: Record<string, string>; selector?: Record<string, string>;
}): Json {
  const namespace = spec.namespace ?? 'default';
  const type = spec.type ?? 'ClusterIP';
  const serviceSpec: Json = {
    type,
    ports: spec.ports.map((p) => ({ ...(p.name === undefined ? {} : { name: p.name }), port: p.port, protocol: p.protocol ?? 'TCP', targetPort: p.targetPort ?? p.port })),
    sessionAffinity: 'None',
  };
  if (type === 'ExternalName') serviceSpec.externalName = spec.externalName;
  else {
    serviceSpec.clusterIP = spec.clusterIP ?? 'None';
    serviceSpec.clusterIPs = [spec.clusterIP ?? 'None'];
    serviceSpec.ipFamilies = ['IPv4'];
    serviceSpec.ipFamilyPolicy = 'SingleStack';
    serviceSpec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.selector !== undefined) serviceSpec.selector = spec.selector;
  const status: Json = { loadBalancer: {} };
  if (type === 'LoadBalancer' && spec.loadBalancerIP !== undefined) status.loadBalancer = { ingress: [{ ip: spec.loadBalancerIP, ipMode: 'VIP' }] };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: spec.name, namespace, uid: uid(`svc/${namespace}/${spec.name}`), creationTimestamp: CREATED,
      labels: spec.labels ?? {}, ...(spec.annotations === undefined ? {} : { annotations: spec.annotations }),
    },
    spec: serviceSpec,
    status,
  };
}

export interface AddressSpec {
  ip: string;
  nodeName?: string;
  hostname?: string;
  /** A pod (kind Pod) or anything else (kind given). */
  target?: { kind?: string; name: string; namespace?: string };
  ready?: boolean;
}

export function endpoints(spec: { name: string; namespace?: string; labels?: Record<string, string>; subsets: Array<{ addresses: AddressSpec[]; ports: ServicePortSpec[] }> }): Json {
  const namespace = spec.namespace ?? 'default';
  const address = (a: AddressSpec): Json => ({
    ip: a.ip,
    ...(a.hostname === undefined ? {} : { hostname: a.hostname }),
    ...(a.nodeName === undefined ? {} : { nodeName: a.nodeName }),
    ...(a.target === undefined ? {} : {
      targetRef: { kind: a.target.kind ?? 'Pod', name: a.target.name, namespace: a.target.namespace ?? namespace, uid: uid(`pod/${namespace}/${a.target.name}`) },
    }),
  });
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      name: spec.name, namespace, uid: uid(`ep/${namespace}/${spec.name}`), creationTimestamp: CREATED,
      labels: spec.labels ?? {}, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': CREATED },
    },
    subsets: spec.subsets.map((subset) => {
      const ready = subset.addresses.filter((a) => a.ready !== false);
      const notReady = subset.addresses.filter((a) => a.ready === false);
      return {
        ...(ready.length === 0 ? {} : { addresses: ready.map(address) }),
        ...(notReady.length === 0 ? {} : { notReadyAddresses: notReady.map(address) }),
        ports: subset.ports.map((p) => ({ ...(p.name === undefined ? {} : { name: p.name }), port: p.port, protocol: p.protocol ?? 'TCP' })),
      };
    }),
  };
}

export function endpointSlice(spec: {
  name: string; namespace?: string; service: string; addressType?: string;
  endpoints: Array<AddressSpec & { zone?: string; serving?: boolean; terminating?: boolean }>;
  ports: Array<ServicePortSpec & { appProtocol?: string }>;
}): Json {
  const namespace = spec.namespace ?? 'default';
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: spec.name, namespace, uid: uid(`eps/${namespace}/${spec.name}`), creationTimestamp: CREATED, generateName: `${spec.service}-`,
      labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': spec.service },
      annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': CREATED },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: spec.service, uid: uid(`svc/${namespace}/${spec.service}`), controller: true, blockOwnerDeletion: true }],
    },
    addressType: spec.addressType ?? 'IPv4',
    endpoints: spec.endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready !== false, serving: e.serving ?? e.ready !== false, terminating: e.terminating ?? false },
      ...(e.hostname === undefined ? {} : { hostname: e.hostname }),
      ...(e.nodeName === undefined ? {} : { nodeName: e.nodeName }),
      ...(e.zone === undefined ? {} : { zone: e.zone }),
      ...(e.target === undefined ? {} : {
        targetRef: { kind: e.target.kind ?? 'Pod', name: e.target.name, namespace: e.target.namespace ?? namespace, uid: uid(`pod/${namespace}/${e.target.name}`) },
      }),
    })),
    ports: spec.ports.map((p) => ({
      ...(p.name === undefined ? { name: '' } : { name: p.name }), port: p.port, protocol: p.protocol ?? 'TCP',
      ...(p.appProtocol === undefined ? {} : { appProtocol: p.appProtocol }),
    })),
  };
}

export function ingress(spec: {
  name: string; namespace?: string; className?: string; labels?: Record<string, string>;
  rules: Array<{ host: string; paths?: string[] }>; tlsHosts?: string[];
}): Json {
  const namespace = spec.namespace ?? 'default';
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: spec.name, namespace, uid: uid(`ing/${namespace}/${spec.name}`), creationTimestamp: CREATED, labels: spec.labels ?? {} },
    spec: {
      ...(spec.className === undefined ? {} : { ingressClassName: spec.className }),
      rules: spec.rules.map((rule) => ({
        host: rule.host,
        ...(rule.paths === undefined ? {} : {
          http: { paths: rule.paths.map((path) => ({ path, pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } })) },
        }),
      })),
      ...(spec.tlsHosts === undefined ? {} : { tls: [{ hosts: spec.tlsHosts, secretName: `${spec.name}-tls` }] }),
    },
    status: { loadBalancer: {} },
  };
}
