/**
 * The target group of one pod, as Prometheus's role pod builds it (and Grafana Alloy's
 * discovery.kubelet, which kubelet_sd follows): shared by kubernetes_sd role pod and kubelet_sd,
 * so the same relabel rules work with either.
 *
 * - Source `pod/<namespace>/<name>`. A pod without an IP (pending, evicted) has no targets.
 * - Group labels: `__meta_kubernetes_namespace`, `_pod_name`, `_pod_ip`, `_pod_ready`
 *   (the Ready condition lowercased, `unknown` without one), `_pod_phase`, `_pod_node_name`,
 *   `_pod_host_ip`, `_pod_uid`, labels and annotations (with `*present_`), and the controlling
 *   owner's `_pod_controller_kind` / `_pod_controller_name`.
 * - Targets: the containers, then the init containers; a container without ports gives one
 *   target at the bare pod IP; otherwise one target per declared port (`<ip>:<port>`), with
 *   `_pod_container_name`, `_id`, `_image`, `_init`, and for ports `_port_name`,
 *   `_port_number`, `_port_protocol`.
 * - max_targets_per_pod: targets past it are left out and counted in `podCapDropped`.
 */
import type { DiscoveredGroup, LabelSet } from '../types';
import { addObjectMetaLabels, controllerOf, joinHostPort, META, NAMESPACE_LABEL } from './labels';
import { list, str, type Container, type ContainerStatus, type Pod } from './objects';

export const POD_CONTAINER_NAME = `${META}pod_container_name`;
export const POD_CONTAINER_ID = `${META}pod_container_id`;
export const POD_CONTAINER_IMAGE = `${META}pod_container_image`;
export const POD_CONTAINER_PORT_NAME = `${META}pod_container_port_name`;
export const POD_CONTAINER_PORT_NUMBER = `${META}pod_container_port_number`;
export const POD_CONTAINER_PORT_PROTOCOL = `${META}pod_container_port_protocol`;
export const POD_CONTAINER_INIT = `${META}pod_container_init`;

export function podSource(namespace: string, name: string): string {
  return `pod/${namespace}/${name}`;
}

function podReady(pod: Pod): string {
  const ready = list(pod.status?.conditions).find((condition) => condition.type === 'Ready');
  return ready === undefined ? 'unknown' : str(ready.status).toLowerCase();
}

/** The labels every target of a pod carries (Prometheus's podLabels), without the namespace. */
export function podLabels(pod: Pod): LabelSet {
  const set: LabelSet = {
    [`${META}pod_ip`]: str(pod.status?.podIP),
    [`${META}pod_ready`]: podReady(pod),
    [`${META}pod_phase`]: str(pod.status?.phase),
    [`${META}pod_node_name`]: str(pod.spec?.nodeName),
    [`${META}pod_host_ip`]: str(pod.status?.hostIP),
    [`${META}pod_uid`]: str(pod.metadata?.uid),
  };
  addObjectMetaLabels(set, pod.metadata, 'pod');
  const controller = controllerOf(pod.metadata);
  if (controller !== undefined) {
    if (str(controller.kind) !== '') set[`${META}pod_controller_kind`] = str(controller.kind);
    if (str(controller.name) !== '') set[`${META}pod_controller_name`] = str(controller.name);
  }
  return set;
}

/** A pod's containers then its init containers, each with whether it is an init container. */
export function podContainers(pod: Pod): Array<{ container: Container; init: boolean }> {
  return [
    ...list(pod.spec?.containers).map((container) => ({ container, init: false })),
    ...list(pod.spec?.initContainers).map((container) => ({ container, init: true })),
  ];
}

function containerId(statuses: ContainerStatus[] | null | undefined, name: string): string {
  return str(list(statuses).find((status) => status.name === name)?.containerID);
}

export interface PodGroupOptions {
  /** 0: no cap. */
  maxTargetsPerPod: number;
  /** Extra group labels (attach_metadata: node and namespace labels). */
  extraLabels?: LabelSet;
}

export function buildPodGroup(pod: Pod, options: PodGroupOptions): DiscoveredGroup {
  const namespace = str(pod.metadata?.namespace);
  const group: DiscoveredGroup = { source: podSource(namespace, str(pod.metadata?.name)), labels: {}, targets: [] };
  const ip = str(pod.status?.podIP);
  if (ip === '') return group;
  group.labels = { ...podLabels(pod), [NAMESPACE_LABEL]: namespace, ...options.extraLabels };

  const cap = options.maxTargetsPerPod;
  let dropped = 0;
  const add = (target: LabelSet) => {
    if (cap > 0 && group.targets.length >= cap) dropped++;
    else group.targets.push(target);
  };
  for (const { container, init } of podContainers(pod)) {
    const name = str(container.name);
    const common: LabelSet = {
      [POD_CONTAINER_NAME]: name,
      [POD_CONTAINER_ID]: containerId(init ? pod.status?.initContainerStatuses : pod.status?.containerStatuses, name),
      [POD_CONTAINER_IMAGE]: str(container.image),
      [POD_CONTAINER_INIT]: String(init),
    };
    const ports = list(container.ports);
    if (ports.length === 0) {
      add({ __address__: ip, ...common });
      continue;
    }
    for (const declared of ports) {
      const number = String(declared.containerPort ?? 0);
      add({
        __address__: joinHostPort(ip, number),
        ...common,
        [POD_CONTAINER_PORT_NUMBER]: number,
        [POD_CONTAINER_PORT_NAME]: str(declared.name),
        [POD_CONTAINER_PORT_PROTOCOL]: str(declared.protocol),
      });
    }
  }
  if (dropped > 0) group.podCapDropped = dropped;
  return group;
}
