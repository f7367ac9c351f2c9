/**
 * Role node, as Prometheus builds it: one target per node at its kubelet port, on the first
 * address by priority InternalIP, InternalDNS, ExternalIP, ExternalDNS, LegacyHostIP, Hostname;
 * `instance` is the node's name; group labels `__meta_kubernetes_node_name`, `_provider_id`,
 * labels, annotations and `_node_condition_<type>` (lowercased status); the target carries
 * `__meta_kubernetes_node_address_<type>` (the first address of each type). A node with no
 * address has no group (Prometheus logs it and sends nothing).
 */
import type { DiscoveredGroup, LabelSet } from '../types';
import { addObjectMetaLabels, joinHostPort, META, sanitizeLabelName } from './labels';
import { list, str, type Node } from './objects';

const ADDRESS_PRIORITY = ['InternalIP', 'InternalDNS', 'ExternalIP', 'ExternalDNS', 'LegacyHostIP', 'Hostname'];

export function nodeSource(name: string): string {
  return `node/${name}`;
}

/** The labels attach_metadata: {node: true} adds: the node's name, labels and annotations. */
export function nodeMetaLabels(node: Node): LabelSet {
  const set: LabelSet = {};
  addObjectMetaLabels(set, node.metadata, 'node');
  return set;
}

export function buildNodeGroup(node: Node): DiscoveredGroup | undefined {
  const name = str(node.metadata?.name);
  const labels: LabelSet = { [`${META}node_provider_id`]: str(node.spec?.providerID) };
  for (const condition of list(node.status?.conditions)) {
    labels[`${META}node_condition_${sanitizeLabelName(str(condition.type).toLowerCase())}`] = str(condition.status).toLowerCase();
  }
  addObjectMetaLabels(labels, node.metadata, 'node');

  const byType = new Map<string, string[]>();
  for (const address of list(node.status?.addresses)) {
    const type = str(address.type);
    byType.set(type, [...(byType.get(type) ?? []), str(address.address)]);
  }
  const chosen = ADDRESS_PRIORITY.map((type) => byType.get(type)?.[0]).find((address) => address !== undefined);
  if (chosen === undefined) return undefined;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
  const target: LabelSet = { __address__: joinHostPort(chosen, port), instance: name };
  for (const [type, addresses] of byType) target[sanitizeLabelName(`${META}node_address_${type}`)] = addresses[0];
  return { source: nodeSource(name), labels, targets: [target] };
}
