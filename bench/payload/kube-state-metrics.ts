/**
 * A kube-state-metrics-like page: kube_pod_* families with many labels in kube-state-metrics'
 * own order (namespace, pod, uid first; not sorted by name), mostly 0/1 values (one-hot
 * phase/condition/reason families), no timestamps. One unit is one pod with 1-3 containers.
 * A few annotation values carry escaped quotes and backslashes, as real ones do.
 */
import { FamilyModel, PageModel, PageWriter, RenderContext, header, label, sampleLine } from './model';
import { Rng } from './prng';
import { formatGoFloat } from './go-float';
import { count, unixSeconds } from './values';

interface KsmContainer {
  readonly name: string;
  readonly image: string;
  readonly imageId: string;
  readonly containerId: string;
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  /** Set for containers that restarted: part of the identity, so the series set is stable. */
  readonly lastTerminatedReason?: string;
}

export interface KsmUnit {
  /** `namespace="...",pod="...",uid="..."`: the prefix of every kube_pod_* series. */
  readonly podLabels: string;
  readonly node: string;
  readonly hostIp: string;
  readonly podIp: string;
  readonly ownerKind: string;
  readonly ownerName: string;
  readonly priorityClass: string;
  readonly app: string;
  readonly team: string;
  readonly annotation: string;
  readonly containers: readonly KsmContainer[];
  /** Index into PHASES of the pod's phase. */
  readonly phase: number;
}

const NAMESPACES = ['kube-system', 'monitoring', 'default', 'ingress-nginx', 'payments', 'search', 'checkout', 'logging', 'cert-manager', 'data-pipeline', 'ml-serving', 'tenant-a', 'tenant-b'];
const APPS = ['api', 'web', 'worker', 'gateway', 'indexer', 'scheduler', 'cache', 'auth', 'billing', 'notifier', 'ranker', 'ingest', 'etl', 'frontend'];
const OWNER_KINDS = ['ReplicaSet', 'ReplicaSet', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'];
const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];
const CONDITIONS = ['true', 'false', 'unknown'];
const WAITING_REASONS = ['ContainerCreating', 'CrashLoopBackOff', 'CreateContainerConfigError', 'ErrImagePull', 'ImagePullBackOff', 'CreateContainerError', 'InvalidImageName'];
const TERMINATED_REASONS = ['OOMKilled', 'Completed', 'Error', 'ContainerCannotRun', 'DeadlineExceeded', 'Evicted'];
const POD_REASONS = ['Evicted', 'NodeAffinity', 'NodeLost', 'Shutdown', 'UnexpectedAdmissionError'];
const RESOURCES: readonly [resource: string, unit: string][] = [['cpu', 'core'], ['memory', 'byte']];

function makeUnit(index: number, rng: Rng): KsmUnit {
  const namespace = rng.pick(NAMESPACES);
  const app = rng.pick(APPS);
  const ownerKind = rng.pick(OWNER_KINDS);
  const ownerName = ownerKind === 'ReplicaSet' ? `${app}-${rng.alnum(10)}` : `${app}-${rng.alnum(5)}`;
  const pod = ownerKind === 'ReplicaSet' ? `${ownerName}-${rng.alnum(5)}` : `${ownerName}-${rng.int(20)}`;
  const containers: KsmContainer[] = [];
  const containerCount = rng.chance(0.5) ? 1 : rng.range(2, 3);
  const sidecars = ['istio-proxy', 'fluent-bit', 'config-reloader', 'oauth2-proxy'];
  for (let i = 0; i < containerCount; i++) {
    // Sidecars are drawn without replacement: a pod never has two containers of one name.
    const name = i === 0 ? app : sidecars.splice(rng.int(sidecars.length), 1)[0];
    const digest = rng.hex(64);
    containers.push({
      name,
      image: `ghcr.io/acme-corp/${name}:v${rng.range(0, 3)}.${rng.range(0, 40)}.${rng.range(0, 20)}`,
      imageId: `ghcr.io/acme-corp/${name}@sha256:${digest}`,
      containerId: `containerd://${rng.hex(64)}`,
      cpuRequest: formatGoFloat(rng.pick([0.01, 0.05, 0.1, 0.25, 0.5, 1, 2])),
      memoryRequest: formatGoFloat(rng.pick([67108864, 134217728, 268435456, 536870912, 1073741824])),
      lastTerminatedReason: rng.chance(0.1) ? rng.pick(TERMINATED_REASONS) : undefined,
    });
  }
  // About one pod in 200 has an annotation whose value needs escaping.
  const annotation = rng.chance(0.005) ? `{"checksum":"${rng.hex(16)}","path":"C:\\\\data"}` : `${rng.hex(16)}`;
  return {
    podLabels: `${label('namespace', namespace)},${label('pod', pod)},${label('uid', rng.uuid())}`,
    node: `ip-10-${rng.int(256)}-${rng.int(256)}-${rng.int(256)}.eu-west-1.compute.internal`,
    hostIp: `10.${rng.int(256)}.${rng.int(256)}.${rng.int(256)}`,
    podIp: `100.${64 + rng.int(64)}.${rng.int(256)}.${rng.int(256)}`,
    ownerKind,
    ownerName,
    priorityClass: rng.pick(['', 'system-cluster-critical', 'system-node-critical', 'high-priority']),
    app,
    team: rng.pick(['platform', 'search', 'payments', 'growth', 'data']),
    annotation,
    containers,
    phase: rng.chance(0.92) ? 1 : rng.pick([0, 2, 3, 4]),
  };
}

type Render = (context: RenderContext<KsmUnit>, line: (labels: string, value: string) => void) => void;

function family(name: string, type: 'counter' | 'gauge', help: string, render: Render): FamilyModel<KsmUnit> {
  return {
    header: header(name, type, help),
    render(context: RenderContext<KsmUnit>, out: PageWriter): void {
      render(context, (labels, value) => out.sample(sampleLine(name, labels, value)));
    },
  };
}

/** One line per container, with the container's label after the pod's. */
function perContainer(value: (values: Rng, container: KsmContainer) => string): Render {
  return ({ unit, values }, line) => {
    for (const c of unit.containers) line(`${unit.podLabels},${label('container', c.name)}`, value(values, c));
  };
}

const bit = (on: boolean) => (on ? '1' : '0');

const FAMILIES: FamilyModel<KsmUnit>[] = [
  family('kube_pod_info', 'gauge', 'Information about pod.', ({ unit: u }, line) =>
    line(
      `${u.podLabels},host_ip="${u.hostIp}",pod_ip="${u.podIp}",node="${u.node}",created_by_kind="${u.ownerKind}",created_by_name="${u.ownerName}",priority_class="${u.priorityClass}",host_network="false"`,
      '1',
    ),
  ),
  family('kube_pod_start_time', 'gauge', 'Start time in unix timestamp for a pod.', ({ unit: u, values, timestampMs }, line) =>
    line(u.podLabels, formatGoFloat(Math.floor(Number(unixSeconds(values, timestampMs, 3e6))))),
  ),
  family('kube_pod_completion_time', 'gauge', 'Completion time in unix timestamp for a pod.', ({ unit: u, values, timestampMs }, line) => {
    if (u.phase === 2) line(u.podLabels, formatGoFloat(Math.floor(Number(unixSeconds(values, timestampMs, 3e5)))));
  }),
  family('kube_pod_owner', 'gauge', 'Information about the Pod\'s owner.', ({ unit: u }, line) =>
    line(`${u.podLabels},owner_kind="${u.ownerKind}",owner_name="${u.ownerName}",owner_is_controller="true"`, '1'),
  ),
  family('kube_pod_labels', 'gauge', 'Kubernetes labels converted to Prometheus labels.', ({ unit: u }, line) =>
    line(`${u.podLabels},label_app="${u.app}",label_app_kubernetes_io_name="${u.app}",label_team="${u.team}",label_pod_template_hash="${u.ownerName.slice(-10)}"`, '1'),
  ),
  family('kube_pod_annotations', 'gauge', 'Kubernetes annotations converted to Prometheus labels.', ({ unit: u }, line) =>
    line(`${u.podLabels},${label('annotation_checksum_config', u.annotation)}`, '1'),
  ),
  family('kube_pod_status_phase', 'gauge', 'The pods current phase.', ({ unit: u }, line) => {
    PHASES.forEach((phase, i) => line(`${u.podLabels},phase="${phase}"`, bit(i === u.phase)));
  }),
  family('kube_pod_status_ready', 'gauge', 'Describes whether the pod is ready to serve requests.', ({ unit: u }, line) => {
    CONDITIONS.forEach((condition, i) => line(`${u.podLabels},condition="${condition}"`, bit(i === (u.phase === 1 ? 0 : 1))));
  }),
  family('kube_pod_status_scheduled', 'gauge', 'Describes the status of the scheduling process for the pod.', ({ unit: u }, line) => {
    CONDITIONS.forEach((condition, i) => line(`${u.podLabels},condition="${condition}"`, bit(i === 0)));
  }),
  family('kube_pod_status_reason', 'gauge', 'The pod status reasons', ({ unit: u }, line) => {
    for (const reason of POD_REASONS) line(`${u.podLabels},reason="${reason}"`, bit(u.phase === 3 && reason === 'Evicted'));
  }),
  family('kube_pod_status_scheduled_time', 'gauge', 'Unix timestamp when pod moved into scheduled status', ({ unit: u, values, timestampMs }, line) =>
    line(u.podLabels, formatGoFloat(Math.floor(Number(unixSeconds(values, timestampMs, 3e6))))),
  ),
  family('kube_pod_container_info', 'gauge', 'Information about a container in a pod.', ({ unit: u }, line) => {
    for (const c of u.containers) {
      line(`${u.podLabels},container="${c.name}",image_spec="${c.image}",image="${c.image}",image_id="${c.imageId}",container_id="${c.containerId}"`, '1');
    }
  }),
  family('kube_pod_container_status_waiting', 'gauge', 'Describes whether the container is currently in waiting state.', perContainer((_v) => '0')),
  family('kube_pod_container_status_waiting_reason', 'gauge', 'Describes the reason the container is currently in waiting state.', ({ unit: u, values }, line) => {
    for (const c of u.containers) {
      for (const reason of WAITING_REASONS) line(`${u.podLabels},container="${c.name}",reason="${reason}"`, bit(values.chance(0.002)));
    }
  }),
  family('kube_pod_container_status_running', 'gauge', 'Describes whether the container is currently in running state.', perContainer(() => '1')),
  family('kube_pod_container_state_started', 'gauge', 'Start time in unix timestamp for a pod container.', perContainer((values) => formatGoFloat(1.7e9 - values.int(3e6)))),
  family('kube_pod_container_status_terminated', 'gauge', 'Describes whether the container is currently in terminated state.', perContainer(() => '0')),
  family('kube_pod_container_status_terminated_reason', 'gauge', 'Describes the reason the container is currently in terminated state.', ({ unit: u }, line) => {
    for (const c of u.containers) {
      for (const reason of TERMINATED_REASONS) line(`${u.podLabels},container="${c.name}",reason="${reason}"`, '0');
    }
  }),
  family('kube_pod_container_status_last_terminated_reason', 'gauge', 'Describes the last reason the container was in terminated state.', ({ unit: u }, line) => {
    for (const c of u.containers) {
      if (c.lastTerminatedReason !== undefined) line(`${u.podLabels},container="${c.name}",reason="${c.lastTerminatedReason}"`, '1');
    }
  }),
  family('kube_pod_container_status_ready', 'gauge', 'Describes whether the containers readiness check succeeded.', perContainer(() => '1')),
  family('kube_pod_container_status_restarts_total', 'counter', 'The number of container restarts per container.', perContainer((values) => (values.chance(0.8) ? '0' : count(values, 40)))),
  family('kube_pod_container_resource_requests', 'gauge', 'The number of requested request resource by a container.', ({ unit: u }, line) => {
    for (const c of u.containers) {
      for (const [resource, unit] of RESOURCES) {
        line(`${u.podLabels},container="${c.name}",node="${u.node}",resource="${resource}",unit="${unit}"`, resource === 'cpu' ? c.cpuRequest : c.memoryRequest);
      }
    }
  }),
  family('kube_pod_container_resource_limits', 'gauge', 'The number of requested limit resource by a container.', ({ unit: u }, line) => {
    for (const c of u.containers) {
      line(`${u.podLabels},container="${c.name}",node="${u.node}",resource="memory",unit="byte"`, c.memoryRequest);
    }
  }),
  family('kube_pod_tolerations', 'gauge', 'Information about the pod tolerations', ({ unit: u }, line) => {
    line(`${u.podLabels},key="node.kubernetes.io/not-ready",operator="Exists",effect="NoExecute",toleration_seconds="300"`, '1');
    line(`${u.podLabels},key="node.kubernetes.io/unreachable",operator="Exists",effect="NoExecute",toleration_seconds="300"`, '1');
  }),
  family('kube_pod_spec_volumes_persistentvolumeclaims_info', 'gauge', 'Information about persistentvolumeclaim volumes in a pod.', ({ unit: u }, line) => {
    if (u.ownerKind === 'StatefulSet') line(`${u.podLabels},volume="data",persistentvolumeclaim="data-${u.ownerName}"`, '1');
  }),
  family('kube_pod_created', 'gauge', 'Unix creation timestamp', ({ unit: u, values, timestampMs }, line) =>
    line(u.podLabels, formatGoFloat(Math.floor(Number(unixSeconds(values, timestampMs, 3e6))))),
  ),
];

export const kubeStateMetricsModel: PageModel<KsmUnit> = {
  families: FAMILIES,
  unit: makeUnit,
};
