/**
 * kubernetes_sd_configs[i]: one role's target groups, kept current by informers (informer.ts)
 * on the resources that role reads, as Prometheus's discovery/kubernetes does:
 *
 * | role          | primary watch  | also watched, to enrich or rebuild groups            |
 * |---------------|----------------|------------------------------------------------------|
 * | node          | nodes          |                                                      |
 * | pod           | pods           | nodes (attach_metadata.node)                         |
 * | service       | services       |                                                      |
 * | ingress       | ingresses      |                                                      |
 * | endpoints     | endpoints      | services, pods, nodes (attach_metadata.node)         |
 * | endpointslice | endpointslices | services, pods, nodes (attach_metadata.node)         |
 *
 * plus namespaces with attach_metadata.namespace. Namespaced watches run once per configured
 * namespace (namespaces.names, own_namespace), or once across all namespaces. Each role's
 * selectors go to the API server with the watches of that resource.
 *
 * Groups are emitted once every watch has listed successfully (the first full set, as
 * Prometheus waits for every informer's cache to sync: an endpoints group built before its
 * services were listed would lack the service's labels, and relabeling would keep or drop it on
 * labels that are missing, not absent), then one group per
 * changed object: an event on a pod rebuilds that pod's group, and the groups that read it
 * (an endpoints object backed by it); nothing else is rebuilt.
 */
import type { KubernetesRole, KubernetesSdConfig } from '../../config/types';
import type { DiscoveredGroup, DiscoveryContext, DiscoveryProvider, GroupsListener, LabelSet } from '../types';
import { KubeApiClient } from './api-client';
import { buildEndpointSliceGroup, buildEndpointsGroup, endpointSliceSource, endpointsSource, type EndpointsLookup } from './endpoints-group';
import { Informer } from './informer';
import { apiConnection } from './kubeconfig';
import { addLabelsAndAnnotations } from './labels';
import { buildNodeGroup, nodeMetaLabels, nodeSource } from './node-group';
import {
  list, slimEndpointSlice, slimEndpoints, slimIngress, slimNamespace, slimNode, slimPod, slimService, str,
  type EndpointSlice, type Endpoints, type Ingress, type KubeObject, type Namespace, type Node, type Pod, type Service,
} from './objects';
import { buildPodGroup, podSource } from './pod-group';
import { buildIngressGroup, buildServiceGroup, ingressSource, serviceSource } from './service-group';

type Resource = 'pods' | 'services' | 'endpoints' | 'endpointslices' | 'ingresses' | 'nodes' | 'namespaces';

const API_GROUP: Record<Resource, string> = {
  pods: '/api/v1', services: '/api/v1', endpoints: '/api/v1', nodes: '/api/v1', namespaces: '/api/v1',
  endpointslices: '/apis/discovery.k8s.io/v1', ingresses: '/apis/networking.k8s.io/v1',
};

const SLIM: Record<Resource, (object: never) => KubeObject> = {
  pods: slimPod, services: slimService, endpoints: slimEndpoints, endpointslices: slimEndpointSlice,
  ingresses: slimIngress, nodes: slimNode, namespaces: slimNamespace,
};

/** The selector role whose selectors apply to a watched resource. */
const SELECTOR_ROLE: Partial<Record<Resource, KubernetesRole>> = {
  pods: 'pod', services: 'service', endpoints: 'endpoints', endpointslices: 'endpointslice', ingresses: 'ingress', nodes: 'node',
};

export function resourcePath(resource: Resource, namespace: string): string {
  const scope = namespace === '' || resource === 'nodes' || resource === 'namespaces' ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${API_GROUP[resource]}${scope}/${resource}`;
}

/** Which groups read which objects: a change of a dependency rebuilds its dependents. */
class Dependents {
  private readonly byDependency = new Map<string, Set<string>>();
  private readonly byOwner = new Map<string, string[]>();

  set(owner: string, dependencies: string[]): void {
    this.delete(owner);
    this.byOwner.set(owner, dependencies);
    for (const dependency of dependencies) {
      let owners = this.byDependency.get(dependency);
      if (owners === undefined) this.byDependency.set(dependency, owners = new Set());
      owners.add(owner);
    }
  }

  delete(owner: string): void {
    for (const dependency of this.byOwner.get(owner) ?? []) {
      const owners = this.byDependency.get(dependency);
      owners?.delete(owner);
      if (owners?.size === 0) this.byDependency.delete(dependency);
    }
    this.byOwner.delete(owner);
  }

  owners(dependency: string): string[] {
    return [...this.byDependency.get(dependency) ?? []];
  }
}

export interface KubernetesProviderOptions {
  context: DiscoveryContext;
  maxTargetsPerPod: number;
  /** Informer backoff and watch timeout (tests shorten them). */
  minBackoffMs?: number;
  watchTimeoutSeconds?: number;
}

/** The primary objects' groups: how each is built and named, by object key. */
interface Primary {
  resource: Resource;
  source(key: string): string;
  build(object: KubeObject): { group: DiscoveredGroup | undefined; dependencies: string[] };
}

export class KubernetesProvider implements DiscoveryProvider {
  private client: KubeApiClient | undefined;
  /** Informers by resource, then by namespace ('' = all namespaces). */
  private readonly informers = new Map<Resource, Map<string, Informer<KubeObject>>>();
  private readonly dependents = new Dependents();
  private primary: Primary | undefined;
  private listener: GroupsListener | undefined;
  private synced = false;
  private stopped = false;

  constructor(readonly name: string, private readonly config: KubernetesSdConfig, private readonly options: KubernetesProviderOptions) {}

  async start(onGroups: GroupsListener): Promise<void> {
    this.listener = onGroups;
    const { context } = this.options;
    let connection;
    try {
      connection = await apiConnection(this.config, context.env, context.serviceAccountDir);
    } catch (err) {
      context.onError(this.name, err as Error);
      return;
    }
    if (this.stopped) return;
    this.client = new KubeApiClient(connection);
    const namespaces = [...this.config.namespaces.names];
    if (connection.ownNamespace !== undefined && !namespaces.includes(connection.ownNamespace)) namespaces.push(connection.ownNamespace);
    if (namespaces.length === 0) namespaces.push('');
    this.primary = this.setUp(this.config.role, namespaces);
    // start() resolves once every first LIST succeeded or failed once; a failed one is retried,
    // and the first full set goes out when the last informer has listed (onSynced).
    await Promise.all(this.allInformers().map((informer) => informer.start()));
    this.emitWhenSynced();
  }

  private allInformers(): Informer<KubeObject>[] {
    return [...this.informers.values()].flatMap((byNamespace) => [...byNamespace.values()]);
  }

  private emitWhenSynced(): void {
    if (this.synced || this.stopped || this.primary === undefined) return;
    if (!this.allInformers().every((informer) => informer.hasSynced)) return;
    this.synced = true;
    this.emitAll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.allInformers().map((informer) => informer.stop()));
    await this.client?.close();
  }

  private watch(resource: Resource, namespaces: string[], onChange: (key: string, object: KubeObject | undefined) => void): void {
    const selector = this.config.selectors.find((s) => s.role === SELECTOR_ROLE[resource]);
    const byNamespace = new Map<string, Informer<KubeObject>>();
    const scopes = resource === 'nodes' || resource === 'namespaces' ? [''] : namespaces;
    for (const namespace of scopes) {
      byNamespace.set(namespace, new Informer<KubeObject>({
        client: this.client!,
        path: resourcePath(resource, namespace),
        labelSelector: resource === 'namespaces' ? undefined : selector?.label,
        fieldSelector: resource === 'namespaces' ? undefined : selector?.field,
        slim: SLIM[resource] as (object: KubeObject) => KubeObject,
        onChange: (key, object) => { if (this.synced && !this.stopped) onChange(key, object); },
        onError: (error) => this.options.context.onError(this.name, error),
        onSynced: () => this.emitWhenSynced(),
        minBackoffMs: this.options.minBackoffMs,
        watchTimeoutSeconds: this.options.watchTimeoutSeconds,
      }));
    }
    this.informers.set(resource, byNamespace);
  }

  private get<T extends KubeObject>(resource: Resource, key: string, namespace = ''): T | undefined {
    const byNamespace = this.informers.get(resource);
    if (byNamespace === undefined) return undefined;
    return (byNamespace.get(namespace) ?? byNamespace.get(''))?.store.get(key) as T | undefined;
  }

  private nodeLabels = (name: string): LabelSet | undefined => {
    const node = this.get<Node>('nodes', name);
    return node === undefined ? undefined : nodeMetaLabels(node);
  };

  private namespaceLabels = (namespace: string): LabelSet => {
    if (!this.config.attach_metadata.namespace) return {};
    const object = this.get<Namespace>('namespaces', namespace);
    const set: LabelSet = {};
    if (object !== undefined) addLabelsAndAnnotations(set, object.metadata, 'namespace');
    return set;
  };

  private setUp(role: KubernetesRole, namespaces: string[]): Primary {
    const attachNode = this.config.attach_metadata.node;
    const attachNamespace = this.config.attach_metadata.namespace;
    const primaryResource: Resource = ({
      node: 'nodes', pod: 'pods', service: 'services', ingress: 'ingresses', endpoints: 'endpoints', endpointslice: 'endpointslices',
    } as const)[role];
    const rebuildOwners = (dependency: string) => { for (const owner of this.dependents.owners(dependency)) this.rebuild(owner); };
    this.watch(primaryResource, namespaces, (key) => this.rebuild(key));

    const withPods = role === 'endpoints' || role === 'endpointslice';
    if (withPods) {
      // Prometheus rebuilds endpoints when a backing pod changes phase; any change is rebuilt here.
      this.watch('pods', namespaces, (key) => rebuildOwners(`pod:${key}`));
      this.watch('services', namespaces, (key) => rebuildOwners(`svc:${key}`));
    }
    if (attachNode && role !== 'node' && role !== 'service' && role !== 'ingress') this.watch('nodes', namespaces, (key) => rebuildOwners(`node:${key}`));
    if (attachNamespace && role !== 'node') this.watch('namespaces', namespaces, (key) => rebuildOwners(`ns:${key}`));

    const lookup: EndpointsLookup = {
      service: (namespace, name) => this.get<Service>('services', `${namespace}/${name}`, namespace),
      pod: (namespace, name) => this.get<Pod>('pods', `${namespace}/${name}`, namespace),
      nodeLabels: attachNode ? this.nodeLabels : undefined,
      namespaceLabels: this.namespaceLabels,
      maxTargetsPerPod: this.options.maxTargetsPerPod,
    };
    const namespaceDependency = (object: KubeObject) => (attachNamespace ? [`ns:${str(object.metadata?.namespace)}`] : []);

    switch (role) {
      case 'node':
        return { resource: 'nodes', source: nodeSource, build: (node) => ({ group: buildNodeGroup(node as Node), dependencies: [] }) };
      case 'service':
        return {
          resource: 'services',
          source: (key) => serviceSource(...splitKey(key)),
          build: (service) => ({ group: buildServiceGroup(service as Service, this.namespaceLabels(str(service.metadata?.namespace))), dependencies: namespaceDependency(service) }),
        };
      case 'ingress':
        return {
          resource: 'ingresses',
          source: (key) => ingressSource(...splitKey(key)),
          build: (ingress) => ({ group: buildIngressGroup(ingress as Ingress, this.namespaceLabels(str(ingress.metadata?.namespace))), dependencies: namespaceDependency(ingress) }),
        };
      case 'pod':
        return {
          resource: 'pods',
          source: (key) => podSource(...splitKey(key)),
          build: (object) => {
            const pod = object as Pod;
            const nodeName = str(pod.spec?.nodeName);
            const dependencies = [...namespaceDependency(pod), ...(attachNode ? [`node:${nodeName}`] : [])];
            const source = podSource(str(pod.metadata?.namespace), str(pod.metadata?.name));
            let extraLabels: LabelSet = this.namespaceLabels(str(pod.metadata?.namespace));
            if (attachNode) {
              // As Prometheus: with node metadata, a pod on a node the node watch does not have
              // (filtered out by the node selector) has no targets.
              const labels = this.nodeLabels(nodeName);
              if (labels === undefined) return { group: { source, labels: {}, targets: [] }, dependencies };
              extraLabels = { ...labels, ...extraLabels };
            }
            return { group: buildPodGroup(pod, { maxTargetsPerPod: this.options.maxTargetsPerPod, extraLabels }), dependencies };
          },
        };
      case 'endpoints':
        return {
          resource: 'endpoints',
          source: (key) => endpointsSource(...splitKey(key)),
          build: (object) => {
            const endpoints = object as Endpoints;
            const namespace = str(endpoints.metadata?.namespace);
            const dependencies = [`svc:${namespace}/${str(endpoints.metadata?.name)}`, ...namespaceDependency(endpoints)];
            for (const subset of list(endpoints.subsets)) {
              for (const address of [...list(subset.addresses), ...list(subset.notReadyAddresses)]) {
                const ref = address.targetRef;
                if (ref?.kind === 'Pod') dependencies.push(`pod:${str(ref.namespace)}/${str(ref.name)}`);
                if (attachNode && address.nodeName !== undefined) dependencies.push(`node:${address.nodeName}`);
                if (attachNode && ref?.kind === 'Node') dependencies.push(`node:${str(ref.name)}`);
              }
            }
            return { group: buildEndpointsGroup(endpoints, lookup), dependencies };
          },
        };
      case 'endpointslice':
        return {
          resource: 'endpointslices',
          source: (key) => endpointSliceSource(...splitKey(key)),
          build: (object) => {
            const slice = object as EndpointSlice;
            const namespace = str(slice.metadata?.namespace);
            const serviceName = slice.metadata?.labels?.['kubernetes.io/service-name'];
            const dependencies = [...(typeof serviceName === 'string' ? [`svc:${namespace}/${serviceName}`] : []), ...namespaceDependency(slice)];
            for (const endpoint of list(slice.endpoints)) {
              const ref = endpoint.targetRef;
              if (ref?.kind === 'Pod') dependencies.push(`pod:${str(ref.namespace)}/${str(ref.name)}`);
              if (attachNode && endpoint.nodeName !== undefined) dependencies.push(`node:${endpoint.nodeName}`);
              if (attachNode && ref?.kind === 'Node') dependencies.push(`node:${str(ref.name)}`);
            }
            return { group: buildEndpointSliceGroup(slice, lookup), dependencies };
          },
        };
    }
  }

  /** Builds the group of one primary object (by key) and emits it; a deleted object's group is emptied. */
  private rebuild(key: string): void {
    const group = this.buildGroup(key);
    if (group !== undefined) this.listener?.([group]);
  }

  private buildGroup(key: string): DiscoveredGroup | undefined {
    const primary = this.primary!;
    const namespace = key.includes('/') ? key.slice(0, key.indexOf('/')) : '';
    const object = this.get<KubeObject>(primary.resource, key, namespace);
    if (object === undefined) {
      this.dependents.delete(key);
      return { source: primary.source(key), labels: {}, targets: [] };
    }
    const { group, dependencies } = primary.build(object);
    this.dependents.set(key, dependencies);
    return group;
  }

  private emitAll(): void {
    const groups: DiscoveredGroup[] = [];
    for (const informer of this.informers.get(this.primary!.resource)!.values()) {
      for (const key of informer.store.keys()) {
        const group = this.buildGroup(key);
        if (group !== undefined && group.targets.length > 0) groups.push(group);
      }
    }
    this.listener?.(groups);
  }
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return slash === -1 ? ['', key] : [key.slice(0, slash), key.slice(slash + 1)];
}
