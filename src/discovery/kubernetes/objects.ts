/**
 * The Kubernetes objects discovery reads, as the API server and the kubelet serve them in JSON
 * (core/v1 Pod, Node, Service, Endpoints, Namespace; discovery.k8s.io/v1 EndpointSlice;
 * networking.k8s.io/v1 Ingress), with only the fields discovery uses.
 *
 * `slim()` keeps those fields and nothing else: a watch cache of full objects would hold every
 * pod's managedFields, env, volumes and status history (often 10-20 KB a pod) for labels that
 * need a few hundred bytes. Everything read from the wire is untrusted: the builders check types
 * as they read (a string where an array belongs must not throw).
 */

export interface OwnerReference {
  kind?: string;
  name?: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
  ownerReferences?: OwnerReference[] | null;
}

export interface KubeObject {
  metadata?: ObjectMeta;
}

export interface ContainerPort {
  name?: string;
  containerPort?: number;
  protocol?: string;
}

export interface Container {
  name?: string;
  image?: string;
  ports?: ContainerPort[] | null;
}

export interface ContainerStatus {
  name?: string;
  containerID?: string;
}

export interface Pod extends KubeObject {
  spec?: { nodeName?: string; containers?: Container[] | null; initContainers?: Container[] | null };
  status?: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    conditions?: Array<{ type?: string; status?: string }> | null;
    containerStatuses?: ContainerStatus[] | null;
    initContainerStatuses?: ContainerStatus[] | null;
  };
}

export interface Node extends KubeObject {
  spec?: { providerID?: string };
  status?: {
    addresses?: Array<{ type?: string; address?: string }> | null;
    conditions?: Array<{ type?: string; status?: string }> | null;
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
  };
}

export interface ServicePort {
  name?: string;
  port?: number;
  protocol?: string;
}

export interface Service extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    externalName?: string;
    loadBalancerIP?: string;
    ports?: ServicePort[] | null;
    ipFamilyPolicy?: string;
    ipFamilies?: string[] | null;
  };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string }> | null } };
}

export interface ObjectReference {
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface EndpointAddress {
  ip?: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  port?: number;
  protocol?: string;
}

export interface Endpoints extends KubeObject {
  subsets?: Array<{
    addresses?: EndpointAddress[] | null;
    notReadyAddresses?: EndpointAddress[] | null;
    ports?: EndpointPort[] | null;
  }> | null;
}

export interface SliceEndpoint {
  addresses?: string[] | null;
  conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: ObjectReference;
  deprecatedTopology?: Record<string, string> | null;
}

export interface SlicePort {
  name?: string | null;
  port?: number | null;
  protocol?: string | null;
  appProtocol?: string | null;
}

export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: SliceEndpoint[] | null;
  ports?: SlicePort[] | null;
}

export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string | null;
    rules?: Array<{ host?: string; http?: { paths?: Array<{ path?: string }> | null } | null }> | null;
    tls?: Array<{ hosts?: string[] | null }> | null;
  };
}

export type Namespace = KubeObject;

// ---- helpers that read untrusted JSON safely ----

export function list<T>(value: T[] | null | undefined): T[] {
  return Array.isArray(value) ? value.filter((item) => item !== null && typeof item === 'object') : [];
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function dict(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) if (typeof item === 'string') out[key] = item;
  return out;
}

/** A port number as Go would hold it in an int32 (a non-integer reads as absent). */
export function port(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff ? value : undefined;
}

function slimMeta(meta: ObjectMeta | undefined): ObjectMeta {
  const out: ObjectMeta = { name: str(meta?.name), namespace: str(meta?.namespace), uid: str(meta?.uid) };
  if (meta?.resourceVersion !== undefined) out.resourceVersion = str(meta.resourceVersion);
  const labels = dict(meta?.labels);
  if (Object.keys(labels).length > 0) out.labels = labels;
  const annotations = dict(meta?.annotations);
  if (Object.keys(annotations).length > 0) out.annotations = annotations;
  const owners = list(meta?.ownerReferences).map((ref) => ({ kind: str(ref.kind), name: str(ref.name), controller: ref.controller === true }));
  if (owners.length > 0) out.ownerReferences = owners;
  return out;
}

function slimContainers(containers: Container[] | null | undefined): Container[] {
  return list(containers).map((c) => ({
    name: str(c.name),
    image: str(c.image),
    ports: list(c.ports).map((p) => ({ name: str(p.name), containerPort: port(p.containerPort), protocol: str(p.protocol) })),
  }));
}

function slimStatuses(statuses: ContainerStatus[] | null | undefined): ContainerStatus[] {
  return list(statuses).map((s) => ({ name: str(s.name), containerID: str(s.containerID) }));
}

function slimConditions(conditions: Array<{ type?: string; status?: string }> | null | undefined): Array<{ type: string; status: string }> {
  return list(conditions).map((c) => ({ type: str(c.type), status: str(c.status) }));
}

export function slimPod(pod: Pod): Pod {
  return {
    metadata: slimMeta(pod.metadata),
    spec: { nodeName: str(pod.spec?.nodeName), containers: slimContainers(pod.spec?.containers), initContainers: slimContainers(pod.spec?.initContainers) },
    status: {
      phase: str(pod.status?.phase),
      podIP: str(pod.status?.podIP),
      hostIP: str(pod.status?.hostIP),
      conditions: slimConditions(pod.status?.conditions),
      containerStatuses: slimStatuses(pod.status?.containerStatuses),
      initContainerStatuses: slimStatuses(pod.status?.initContainerStatuses),
    },
  };
}

export function slimNode(node: Node): Node {
  return {
    metadata: slimMeta(node.metadata),
    spec: { providerID: str(node.spec?.providerID) },
    status: {
      addresses: list(node.status?.addresses).map((a) => ({ type: str(a.type), address: str(a.address) })),
      conditions: slimConditions(node.status?.conditions),
      daemonEndpoints: { kubeletEndpoint: { Port: port(node.status?.daemonEndpoints?.kubeletEndpoint?.Port) ?? 0 } },
    },
  };
}

export function slimService(service: Service): Service {
  const spec = service.spec;
  return {
    metadata: slimMeta(service.metadata),
    spec: {
      type: str(spec?.type),
      clusterIP: str(spec?.clusterIP),
      externalName: str(spec?.externalName),
      loadBalancerIP: str(spec?.loadBalancerIP),
      ports: list(spec?.ports).map((p) => ({ name: str(p.name), port: port(p.port), protocol: str(p.protocol) })),
      ipFamilyPolicy: str(spec?.ipFamilyPolicy),
      ipFamilies: Array.isArray(spec?.ipFamilies) ? spec!.ipFamilies!.map(str) : [],
    },
    status: { loadBalancer: { ingress: list(service.status?.loadBalancer?.ingress).map((i) => ({ ip: str(i.ip) })) } },
  };
}

function slimRef(ref: ObjectReference | undefined): ObjectReference | undefined {
  if (ref === null || typeof ref !== 'object') return undefined;
  return { kind: str(ref.kind), name: str(ref.name), namespace: str(ref.namespace) };
}

function slimAddress(address: EndpointAddress): EndpointAddress {
  const out: EndpointAddress = { ip: str(address.ip), hostname: str(address.hostname) };
  if (typeof address.nodeName === 'string') out.nodeName = address.nodeName;
  const ref = slimRef(address.targetRef);
  if (ref !== undefined) out.targetRef = ref;
  return out;
}

export function slimEndpoints(endpoints: Endpoints): Endpoints {
  return {
    metadata: slimMeta(endpoints.metadata),
    subsets: list(endpoints.subsets).map((subset) => ({
      addresses: list(subset.addresses).map(slimAddress),
      notReadyAddresses: list(subset.notReadyAddresses).map(slimAddress),
      ports: list(subset.ports).map((p) => ({ name: str(p.name), port: port(p.port), protocol: str(p.protocol) })),
    })),
  };
}

const optionalString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const optionalBool = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);

export function slimEndpointSlice(slice: EndpointSlice): EndpointSlice {
  return {
    metadata: slimMeta(slice.metadata),
    addressType: str(slice.addressType),
    endpoints: list(slice.endpoints).map((endpoint) => {
      const out: SliceEndpoint = {
        addresses: Array.isArray(endpoint.addresses) ? endpoint.addresses.filter((a): a is string => typeof a === 'string') : [],
        conditions: {
          ready: optionalBool(endpoint.conditions?.ready),
          serving: optionalBool(endpoint.conditions?.serving),
          terminating: optionalBool(endpoint.conditions?.terminating),
        },
        hostname: optionalString(endpoint.hostname),
        nodeName: optionalString(endpoint.nodeName),
        zone: optionalString(endpoint.zone),
        targetRef: slimRef(endpoint.targetRef),
      };
      const topology = dict(endpoint.deprecatedTopology);
      if (Object.keys(topology).length > 0) out.deprecatedTopology = topology;
      return out;
    }),
    ports: list(slice.ports).map((p) => ({
      name: optionalString(p.name),
      port: port(p.port),
      protocol: optionalString(p.protocol),
      appProtocol: optionalString(p.appProtocol),
    })),
  };
}

export function slimIngress(ingress: Ingress): Ingress {
  const spec = ingress.spec;
  return {
    metadata: slimMeta(ingress.metadata),
    spec: {
      ingressClassName: optionalString(spec?.ingressClassName),
      rules: list(spec?.rules).map((rule) => ({
        host: str(rule.host),
        http: rule.http === null || typeof rule.http !== 'object' ? null : { paths: rule.http.paths === null || rule.http.paths === undefined ? null : list(rule.http.paths).map((p) => ({ path: str(p.path) })) },
      })),
      tls: list(spec?.tls).map((tls) => ({ hosts: Array.isArray(tls.hosts) ? tls.hosts.filter((h): h is string => typeof h === 'string') : [] })),
    },
  };
}

export function slimNamespace(namespace: Namespace): Namespace {
  return { metadata: slimMeta(namespace.metadata) };
}

/** `namespace/name`, the key of a namespaced object (the name alone for nodes and namespaces). */
export function objectKey(object: KubeObject): string {
  const meta = object.metadata;
  const namespace = str(meta?.namespace);
  return namespace === '' ? str(meta?.name) : `${namespace}/${str(meta?.name)}`;
}
