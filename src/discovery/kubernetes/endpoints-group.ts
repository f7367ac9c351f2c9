/**
 * Roles endpoints and endpointslice, as Prometheus builds them: one group per Endpoints or
 * EndpointSlice object, one target per address and port, enriched with the backing service's
 * labels, the backing pod's labels (and the container declaring the port), and with one more
 * target for every container port of those pods that no endpoint port covers.
 *
 * Endpoints targets: `__meta_kubernetes_endpoint_port_name`, `_port_protocol`, `_ready`
 * (true for `addresses`, false for `notReadyAddresses`), `_address_target_kind/name`,
 * `_node_name`, `_hostname`. EndpointSlice targets: `__meta_kubernetes_endpointslice_port_name`,
 * `_port_protocol`, `_port`, `_port_app_protocol`, `_endpoint_conditions_ready/serving/
 * terminating`, `_endpoint_hostname`, `_endpoint_node_name`, `_endpoint_zone`,
 * `_address_target_kind/name`, `_endpoint_topology_*`; group labels add `_address_type`. The
 * secondary slice of a dual-stack service gives no targets (they would repeat the primary's).
 *
 * max_targets_per_pod counts the targets each backing pod gives; past it they are left out.
 */
import type { DiscoveredGroup, LabelSet } from '../types';
import { addObjectMetaLabels, joinHostPort, META, NAMESPACE_LABEL } from './labels';
import { list, str, type EndpointSlice, type Endpoints, type Node, type ObjectReference, type Pod, type Service } from './objects';
import {
  podContainers, podLabels, POD_CONTAINER_IMAGE, POD_CONTAINER_INIT, POD_CONTAINER_NAME, POD_CONTAINER_PORT_NAME,
  POD_CONTAINER_PORT_NUMBER, POD_CONTAINER_PORT_PROTOCOL,
} from './pod-group';
import { serviceLabels } from './service-group';

/** What building an endpoints group looks up in the other watches. */
export interface EndpointsLookup {
  service(namespace: string, name: string): Service | undefined;
  pod(namespace: string, name: string): Pod | undefined;
  /** Undefined when attach_metadata.node is off. */
  nodeLabels?(name: string): LabelSet | undefined;
  /** Labels attach_metadata.namespace adds (empty when off). */
  namespaceLabels(namespace: string): LabelSet;
  maxTargetsPerPod: number;
}

export function endpointsSource(namespace: string, name: string): string {
  return `endpoints/${namespace}/${name}`;
}

export function endpointSliceSource(namespace: string, name: string): string {
  return `endpointslice/${namespace}/${name}`;
}

/** Targets of one group, with the per-pod cap and the pods seen (for their uncovered ports). */
class GroupTargets {
  readonly targets: LabelSet[] = [];
  dropped = 0;
  private readonly perPod = new Map<string, number>();
  /** Pods seen through an endpoint, in first-seen order, with the endpoint ports that covered them. */
  readonly seenPods = new Map<string, { pod: Pod; ports: number[] }>();

  constructor(private readonly cap: number) {}

  add(target: LabelSet, podKey?: string): void {
    if (podKey !== undefined && this.cap > 0) {
      const count = this.perPod.get(podKey) ?? 0;
      if (count >= this.cap) {
        this.dropped++;
        return;
      }
      this.perPod.set(podKey, count + 1);
    }
    this.targets.push(target);
  }

  group(source: string, labels: LabelSet): DiscoveredGroup {
    const group: DiscoveredGroup = { source, labels, targets: this.targets };
    if (this.dropped > 0) group.podCapDropped = this.dropped;
    return group;
  }
}

function resolvePod(ref: ObjectReference | undefined, lookup: EndpointsLookup): Pod | undefined {
  if (ref === undefined || ref.kind !== 'Pod') return undefined;
  return lookup.pod(str(ref.namespace), str(ref.name));
}

function withNodeLabels(target: LabelSet, nodeName: string | undefined, ref: ObjectReference | undefined, lookup: EndpointsLookup, refFirst: boolean): LabelSet {
  if (lookup.nodeLabels === undefined) return target;
  const name = refFirst
    ? (ref?.kind === 'Node' ? str(ref.name) : nodeName)
    : (nodeName ?? (ref?.kind === 'Node' ? str(ref.name) : undefined));
  if (name === undefined) return target;
  const labels = lookup.nodeLabels(name);
  return labels === undefined ? target : { ...target, ...labels };
}

/** The container labels of the container declaring `port`, the last such container winning (Prometheus breaks only the inner loop). */
function addContainerPortLabels(target: LabelSet, pod: Pod, port: number, protocol: (declared: string) => string): void {
  for (const { container, init } of podContainers(pod)) {
    for (const declared of list(container.ports)) {
      if (declared.containerPort !== port) continue;
      target[POD_CONTAINER_NAME] = str(container.name);
      target[POD_CONTAINER_IMAGE] = str(container.image);
      target[POD_CONTAINER_PORT_NAME] = str(declared.name);
      target[POD_CONTAINER_PORT_NUMBER] = String(port);
      target[POD_CONTAINER_PORT_PROTOCOL] = protocol(str(declared.protocol));
      target[POD_CONTAINER_INIT] = String(init);
      break;
    }
  }
}

/** A target for every container port of the seen pods that no endpoint port covered. */
function addUncoveredPorts(targets: GroupTargets): void {
  for (const [key, { pod, ports }] of targets.seenPods) {
    const ip = str(pod.status?.podIP);
    if (ip === '') continue;
    for (const { container, init } of podContainers(pod)) {
      for (const declared of list(container.ports)) {
        const number = declared.containerPort ?? 0;
        if (ports.includes(number)) continue;
        targets.add({
          __address__: joinHostPort(ip, number),
          [POD_CONTAINER_NAME]: str(container.name),
          [POD_CONTAINER_IMAGE]: str(container.image),
          [POD_CONTAINER_PORT_NAME]: str(declared.name),
          [POD_CONTAINER_PORT_NUMBER]: String(number),
          [POD_CONTAINER_PORT_PROTOCOL]: str(declared.protocol),
          [POD_CONTAINER_INIT]: String(init),
          ...podLabels(pod),
        }, key);
      }
    }
  }
}

function seePod(targets: GroupTargets, pod: Pod, port: number | undefined): string {
  const key = `${str(pod.metadata?.namespace)}/${str(pod.metadata?.name)}`;
  let seen = targets.seenPods.get(key);
  if (seen === undefined) {
    seen = { pod, ports: [] };
    targets.seenPods.set(key, seen);
  }
  if (port !== undefined) seen.ports.push(port);
  return key;
}

export function buildEndpointsGroup(endpoints: Endpoints, lookup: EndpointsLookup): DiscoveredGroup {
  const namespace = str(endpoints.metadata?.namespace);
  const name = str(endpoints.metadata?.name);
  let labels: LabelSet = { [NAMESPACE_LABEL]: namespace };
  const service = lookup.service(namespace, name);
  if (service !== undefined) labels = { ...labels, ...serviceLabels(service) };
  addObjectMetaLabels(labels, endpoints.metadata, 'endpoints');
  labels = { ...labels, ...lookup.namespaceLabels(namespace) };

  const targets = new GroupTargets(lookup.maxTargetsPerPod);
  for (const subset of list(endpoints.subsets)) {
    for (const port of list(subset.ports)) {
      const number = port.port ?? 0;
      const addresses = [
        ...list(subset.addresses).map((address) => ({ address, ready: 'true' })),
        ...list(subset.notReadyAddresses).map((address) => ({ address, ready: 'false' })),
      ];
      for (const { address, ready } of addresses) {
        let target: LabelSet = {
          __address__: joinHostPort(str(address.ip), number),
          [`${META}endpoint_port_name`]: str(port.name),
          [`${META}endpoint_port_protocol`]: str(port.protocol),
          [`${META}endpoint_ready`]: ready,
        };
        if (address.targetRef !== undefined) {
          target[`${META}endpoint_address_target_kind`] = str(address.targetRef.kind);
          target[`${META}endpoint_address_target_name`] = str(address.targetRef.name);
        }
        if (address.nodeName !== undefined) target[`${META}endpoint_node_name`] = address.nodeName;
        if (str(address.hostname) !== '') target[`${META}endpoint_hostname`] = str(address.hostname);
        target = withNodeLabels(target, address.nodeName, address.targetRef, lookup, false);
        const pod = resolvePod(address.targetRef, lookup);
        if (pod === undefined) {
          targets.add(target);
          continue;
        }
        const key = seePod(targets, pod, number);
        target = { ...target, ...podLabels(pod) };
        // Endpoints take the protocol of the endpoint port, not of the container port.
        addContainerPortLabels(target, pod, number, () => str(port.protocol));
        targets.add(target, key);
      }
    }
  }
  addUncoveredPorts(targets);
  return targets.group(endpointsSource(namespace, name), labels);
}

/** The secondary-family slice of a dual-stack service: its targets would repeat the primary's. */
function nonPrimaryFamily(service: Service | undefined, slice: EndpointSlice): boolean {
  const policy = service?.spec?.ipFamilyPolicy;
  if (policy !== 'PreferDualStack' && policy !== 'RequireDualStack') return false;
  const families = service?.spec?.ipFamilies ?? [];
  return families.length > 0 && str(slice.addressType) !== families[0];
}

export function buildEndpointSliceGroup(slice: EndpointSlice, lookup: EndpointsLookup): DiscoveredGroup {
  const namespace = str(slice.metadata?.namespace);
  const name = str(slice.metadata?.name);
  let labels: LabelSet = { [NAMESPACE_LABEL]: namespace, [`${META}endpointslice_address_type`]: str(slice.addressType) };
  addObjectMetaLabels(labels, slice.metadata, 'endpointslice');
  const serviceName = slice.metadata?.labels?.['kubernetes.io/service-name'];
  const service = typeof serviceName === 'string' ? lookup.service(namespace, serviceName) : undefined;
  if (service !== undefined) labels = { ...labels, ...serviceLabels(service) };
  labels = { ...labels, ...lookup.namespaceLabels(namespace) };
  const source = endpointSliceSource(namespace, name);
  if (nonPrimaryFamily(service, slice)) return { source, labels, targets: [] };

  const targets = new GroupTargets(lookup.maxTargetsPerPod);
  for (const endpoint of list(slice.endpoints)) {
    for (const port of list(slice.ports)) {
      for (const address of endpoint.addresses ?? []) {
        let target: LabelSet = { __address__: port.port === undefined || port.port === null ? address : joinHostPort(address, port.port) };
        if (typeof port.name === 'string') target[`${META}endpointslice_port_name`] = port.name;
        if (typeof port.protocol === 'string') target[`${META}endpointslice_port_protocol`] = port.protocol;
        if (typeof port.port === 'number') target[`${META}endpointslice_port`] = String(port.port);
        if (typeof port.appProtocol === 'string') target[`${META}endpointslice_port_app_protocol`] = port.appProtocol;
        const conditions = endpoint.conditions ?? {};
        if (typeof conditions.ready === 'boolean') target[`${META}endpointslice_endpoint_conditions_ready`] = String(conditions.ready);
        if (typeof conditions.serving === 'boolean') target[`${META}endpointslice_endpoint_conditions_serving`] = String(conditions.serving);
        if (typeof conditions.terminating === 'boolean') target[`${META}endpointslice_endpoint_conditions_terminating`] = String(conditions.terminating);
        if (endpoint.hostname !== undefined) target[`${META}endpointslice_endpoint_hostname`] = endpoint.hostname;
        if (endpoint.targetRef !== undefined) {
          target[`${META}endpointslice_address_target_kind`] = str(endpoint.targetRef.kind);
          target[`${META}endpointslice_address_target_name`] = str(endpoint.targetRef.name);
        }
        if (endpoint.nodeName !== undefined) target[`${META}endpointslice_endpoint_node_name`] = endpoint.nodeName;
        if (endpoint.zone !== undefined) target[`${META}endpointslice_endpoint_zone`] = endpoint.zone;
        for (const [key, value] of Object.entries(endpoint.deprecatedTopology ?? {})) {
          const sanitized = key.replace(/[^a-zA-Z0-9_]/gu, '_');
          target[`${META}endpointslice_endpoint_topology_${sanitized}`] = value;
          target[`${META}endpointslice_endpoint_topology_present_${sanitized}`] = 'true';
        }
        target = withNodeLabels(target, endpoint.nodeName, endpoint.targetRef, lookup, true);
        const pod = resolvePod(endpoint.targetRef, lookup);
        if (pod === undefined) {
          targets.add(target);
          continue;
        }
        const key = seePod(targets, pod, typeof port.port === 'number' ? port.port : undefined);
        target = { ...target, ...podLabels(pod) };
        if (typeof port.port === 'number') addContainerPortLabels(target, pod, port.port, (declared) => declared);
        targets.add(target, key);
      }
    }
  }
  addUncoveredPorts(targets);
  return targets.group(source, labels);
}
