/**
 * The `__meta_kubernetes_*` labels of every role, asserted whole for representative objects
 * against expectations written from Prometheus's discovery/kubernetes source (pod.go, node.go,
 * service.go, endpoints.go, endpointslice.go, ingress.go). This is where the labels vmagent 1.79
 * lacks, and the places it departs from Prometheus, are pinned down (the differential test skips
 * them): container id and image, node conditions, service port number and load-balancer IP,
 * endpointslice node name / zone / app protocol / serving / terminating, the endpoints role's
 * port protocol, init containers on endpoints roles, group labels on uncovered-port targets.
 */
import { buildEndpointSliceGroup, buildEndpointsGroup, type EndpointsLookup } from '../../src/discovery/kubernetes/endpoints-group';
import { buildNodeGroup } from '../../src/discovery/kubernetes/node-group';
import { slimEndpointSlice, slimEndpoints, slimIngress, slimNode, slimPod, slimService, type Pod, type Service } from '../../src/discovery/kubernetes/objects';
import { buildPodGroup } from '../../src/discovery/kubernetes/pod-group';
import { buildIngressGroup, buildServiceGroup } from '../../src/discovery/kubernetes/service-group';
import type { DiscoveredGroup, LabelSet } from '../../src/discovery/types';
import { exampleCluster } from '../support/kube-apiserver/cluster';
import type { Json } from '../support/kube-apiserver/objects';

const cluster = exampleCluster(90);
const find = (kind: string, name: string): Json => {
  const object = cluster.objects.find((o) => o.kind === kind && (o.metadata as Json).name === name);
  if (object === undefined) throw new Error(`no ${kind} ${name}`);
  return object;
};
const containerId = (pod: Json, container: string) =>
  ((pod.status as Json).containerStatuses as Json[]).concat(((pod.status as Json).initContainerStatuses ?? []) as Json[])
    .find((s) => s.name === container)!.containerID as string;
const uid = (object: Json) => (object.metadata as Json).uid as string;

/** The labels of one target: group labels, then the target's own (as Prometheus merges them). */
function targetLabels(group: DiscoveredGroup, address: string, where: (labels: LabelSet) => boolean = () => true): LabelSet {
  const matches = group.targets.filter((t) => t.__address__ === address && where(t));
  expect(matches).toHaveLength(1);
  return { ...group.labels, ...matches[0] };
}

describe('role pod (and kubelet_sd, which builds the same groups)', () => {
  const web = find('Pod', 'web-7d9c5b6f4-x2k8p');
  const group = buildPodGroup(slimPod(web as Pod), { maxTargetsPerPod: 0 });
  const podLabels = {
    __meta_kubernetes_namespace: 'default',
    __meta_kubernetes_pod_name: 'web-7d9c5b6f4-x2k8p',
    __meta_kubernetes_pod_ip: '127.90.0.11',
    __meta_kubernetes_pod_ready: 'true',
    __meta_kubernetes_pod_phase: 'Running',
    __meta_kubernetes_pod_node_name: 'node-a',
    __meta_kubernetes_pod_host_ip: '127.90.0.1',
    __meta_kubernetes_pod_uid: uid(web),
    __meta_kubernetes_pod_controller_kind: 'ReplicaSet',
    __meta_kubernetes_pod_controller_name: 'web-7d9c5b6f4',
    __meta_kubernetes_pod_label_app: 'web',
    __meta_kubernetes_pod_labelpresent_app: 'true',
    __meta_kubernetes_pod_label_pod_template_hash: '7d9c5b6f4',
    __meta_kubernetes_pod_labelpresent_pod_template_hash: 'true',
    __meta_kubernetes_pod_label_app_kubernetes_io_part_of: 'shop',
    __meta_kubernetes_pod_labelpresent_app_kubernetes_io_part_of: 'true',
    __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'true',
    __meta_kubernetes_pod_annotationpresent_prometheus_io_scrape: 'true',
    __meta_kubernetes_pod_annotation_prometheus_io_port: '8080',
    __meta_kubernetes_pod_annotationpresent_prometheus_io_port: 'true',
    __meta_kubernetes_pod_annotation_prometheus_io_path: '/metrics',
    __meta_kubernetes_pod_annotationpresent_prometheus_io_path: 'true',
  };

  test('source, and one target per container port, containers first, init containers after', () => {
    expect(group.source).toBe('pod/default/web-7d9c5b6f4-x2k8p');
    expect(group.targets.map((t) => t.__address__)).toEqual(['127.90.0.11:8080', '127.90.0.11:8443', '127.90.0.11:9901', '127.90.0.11:7777']);
  });

  test('a named port: every label, container id and image included', () => {
    expect(targetLabels(group, '127.90.0.11:8080')).toEqual({
      ...podLabels,
      __address__: '127.90.0.11:8080',
      __meta_kubernetes_pod_container_name: 'web',
      __meta_kubernetes_pod_container_id: containerId(web, 'web'),
      __meta_kubernetes_pod_container_image: 'registry.example.org/web:2.3.1',
      __meta_kubernetes_pod_container_init: 'false',
      __meta_kubernetes_pod_container_port_name: 'http-metrics',
      __meta_kubernetes_pod_container_port_number: '8080',
      __meta_kubernetes_pod_container_port_protocol: 'TCP',
    });
  });

  test('an unnamed port has an empty port name; an init container says so, with its own status id', () => {
    expect(targetLabels(group, '127.90.0.11:8443').__meta_kubernetes_pod_container_port_name).toBe('');
    const init = targetLabels(group, '127.90.0.11:7777');
    expect(init.__meta_kubernetes_pod_container_init).toBe('true');
    expect(init.__meta_kubernetes_pod_container_name).toBe('migrate');
    expect(init.__meta_kubernetes_pod_container_id).toBe(containerId(web, 'migrate'));
  });

  test('a pod without ports: one target per container at the bare pod IP', () => {
    const worker = buildPodGroup(slimPod(find('Pod', 'worker-0') as Pod), { maxTargetsPerPod: 0 });
    expect(worker.targets.map((t) => [t.__address__, t.__meta_kubernetes_pod_container_name, t.__meta_kubernetes_pod_container_port_number]))
      .toEqual([['127.90.0.13', 'worker', undefined], ['127.90.0.13', 'log-shipper', undefined]]);
  });

  test('not ready, succeeded and pending pods', () => {
    expect(buildPodGroup(slimPod(find('Pod', 'web-7d9c5b6f4-q9zt4') as Pod), { maxTargetsPerPod: 0 }).labels.__meta_kubernetes_pod_ready).toBe('false');
    const succeeded = buildPodGroup(slimPod(find('Pod', 'report-28461230-h7x2z') as Pod), { maxTargetsPerPod: 0 });
    expect([succeeded.labels.__meta_kubernetes_pod_phase, succeeded.labels.__meta_kubernetes_pod_ready, succeeded.labels.__meta_kubernetes_pod_controller_kind])
      .toEqual(['Succeeded', 'false', 'Job']);
    expect(succeeded.targets).toHaveLength(1);
    const pending = buildPodGroup(slimPod(find('Pod', 'web-7d9c5b6f4-pend1') as Pod), { maxTargetsPerPod: 0 });
    expect(pending).toEqual({ source: 'pod/default/web-7d9c5b6f4-pend1', labels: {}, targets: [] });
  });

  test('max_targets_per_pod keeps the first targets and counts the rest', () => {
    const capped = buildPodGroup(slimPod(web as Pod), { maxTargetsPerPod: 2 });
    expect(capped.targets.map((t) => t.__address__)).toEqual(['127.90.0.11:8080', '127.90.0.11:8443']);
    expect(capped.podCapDropped).toBe(2);
  });

  test('a pod from a hostile API server: wrong types are ignored, never thrown', () => {
    const hostile = { metadata: { name: 'x', namespace: 7, labels: 'no', ownerReferences: [null, 3] }, spec: { containers: 'none' }, status: { podIP: '127.90.0.99', conditions: {} } };
    const built = buildPodGroup(slimPod(hostile as unknown as Pod), { maxTargetsPerPod: 0 });
    expect(built.source).toBe('pod//x');
    expect(built.targets).toEqual([]);
  });
});

describe('role node', () => {
  const nodeA = find('Node', 'node-a');
  const group = buildNodeGroup(slimNode(nodeA))!;

  test('the kubelet address, instance = node name, conditions, addresses, provider id', () => {
    expect(group.source).toBe('node/node-a');
    expect(group.targets).toEqual([{
      __address__: '127.90.0.1:10250',
      instance: 'node-a',
      __meta_kubernetes_node_address_InternalIP: '127.90.0.1',
      __meta_kubernetes_node_address_Hostname: 'node-a',
    }]);
    expect(group.labels).toEqual({
      __meta_kubernetes_node_name: 'node-a',
      __meta_kubernetes_node_provider_id: 'kind://docker/kind/node-a',
      __meta_kubernetes_node_condition_memorypressure: 'false',
      __meta_kubernetes_node_condition_diskpressure: 'false',
      __meta_kubernetes_node_condition_pidpressure: 'false',
      __meta_kubernetes_node_condition_ready: 'true',
      __meta_kubernetes_node_label_beta_kubernetes_io_arch: 'amd64',
      __meta_kubernetes_node_labelpresent_beta_kubernetes_io_arch: 'true',
      __meta_kubernetes_node_label_kubernetes_io_arch: 'amd64',
      __meta_kubernetes_node_labelpresent_kubernetes_io_arch: 'true',
      __meta_kubernetes_node_label_kubernetes_io_hostname: 'node-a',
      __meta_kubernetes_node_labelpresent_kubernetes_io_hostname: 'true',
      __meta_kubernetes_node_label_kubernetes_io_os: 'linux',
      __meta_kubernetes_node_labelpresent_kubernetes_io_os: 'true',
      __meta_kubernetes_node_label_topology_kubernetes_io_zone: 'zone-1',
      __meta_kubernetes_node_labelpresent_topology_kubernetes_io_zone: 'true',
      __meta_kubernetes_node_label_node_role_kubernetes_io_worker: '',
      __meta_kubernetes_node_labelpresent_node_role_kubernetes_io_worker: 'true',
      __meta_kubernetes_node_annotation_node_alpha_kubernetes_io_ttl: '0',
      __meta_kubernetes_node_annotationpresent_node_alpha_kubernetes_io_ttl: 'true',
      __meta_kubernetes_node_annotation_volumes_kubernetes_io_controller_managed_attach_detach: 'true',
      __meta_kubernetes_node_annotationpresent_volumes_kubernetes_io_controller_managed_attach_detach: 'true',
    });
  });

  test('InternalIP before Hostname; a node without addresses has no group', () => {
    const noAddress = slimNode({ metadata: { name: 'n' }, status: { addresses: [] } });
    expect(buildNodeGroup(noAddress)).toBeUndefined();
  });
});

describe('roles service and ingress', () => {
  test('service: one target per port at <name>.<namespace>.svc, cluster IP or external name, load balancer IPs', () => {
    const lb = buildServiceGroup(slimService(find('Service', 'shop-lb') as Service));
    expect(lb.source).toBe('svc/default/shop-lb');
    expect(lb.labels).toEqual({ __meta_kubernetes_namespace: 'default', __meta_kubernetes_service_name: 'shop-lb' });
    expect(lb.targets[0]).toEqual({
      __address__: 'shop-lb.default.svc:80',
      __meta_kubernetes_service_port_name: 'http',
      __meta_kubernetes_service_port_number: '80',
      __meta_kubernetes_service_port_protocol: 'TCP',
      __meta_kubernetes_service_type: 'LoadBalancer',
      __meta_kubernetes_service_cluster_ip: '10.96.40.7',
      __meta_kubernetes_service_loadbalancer_ip: '198.51.100.7',
    });
    const external = buildServiceGroup(slimService(find('Service', 'payments') as Service));
    expect(external.targets).toEqual([{
      __address__: 'payments.default.svc:443',
      __meta_kubernetes_service_port_name: '',
      __meta_kubernetes_service_port_number: '443',
      __meta_kubernetes_service_port_protocol: 'TCP',
      __meta_kubernetes_service_type: 'ExternalName',
      __meta_kubernetes_service_external_name: 'payments.example.org',
    }]);
  });

  test('ingress: a target per rule and path, https when a TLS host (wildcards too) covers the rule', () => {
    const shop = buildIngressGroup(slimIngress(find('Ingress', 'shop')));
    expect(shop.labels).toEqual({
      __meta_kubernetes_namespace: 'default',
      __meta_kubernetes_ingress_name: 'shop',
      __meta_kubernetes_ingress_class_name: 'nginx',
      __meta_kubernetes_ingress_label_app: 'shop',
      __meta_kubernetes_ingress_labelpresent_app: 'true',
    });
    expect(shop.targets.map((t) => [t.__address__, t.__meta_kubernetes_ingress_scheme, t.__meta_kubernetes_ingress_path])).toEqual([
      ['shop.example.org', 'https', '/'], ['shop.example.org', 'https', '/api'], ['admin.example.org', 'https', '/'],
    ]);
    const legacy = buildIngressGroup(slimIngress(find('Ingress', 'legacy')));
    expect(legacy.targets).toEqual([{
      __address__: 'legacy.example.net', __meta_kubernetes_ingress_scheme: 'http', __meta_kubernetes_ingress_host: 'legacy.example.net', __meta_kubernetes_ingress_path: '/',
    }]);
    expect('__meta_kubernetes_ingress_class_name' in legacy.labels).toBe(false);
  });
});

describe('roles endpoints and endpointslice', () => {
  const pods = new Map(cluster.objects.filter((o) => o.kind === 'Pod').map((o) => [`${(o.metadata as Json).namespace}/${(o.metadata as Json).name}`, slimPod(o as Pod)]));
  const services = new Map(cluster.objects.filter((o) => o.kind === 'Service').map((o) => [`${(o.metadata as Json).namespace}/${(o.metadata as Json).name}`, slimService(o as Service)]));
  const lookup: EndpointsLookup = {
    service: (ns, name) => services.get(`${ns}/${name}`),
    pod: (ns, name) => pods.get(`${ns}/${name}`),
    namespaceLabels: () => ({}),
    maxTargetsPerPod: 0,
  };
  const webPod = find('Pod', 'web-7d9c5b6f4-x2k8p');
  const serviceLabels = {
    __meta_kubernetes_service_name: 'web',
    __meta_kubernetes_service_label_app: 'web',
    __meta_kubernetes_service_labelpresent_app: 'true',
    __meta_kubernetes_service_annotation_prometheus_io_probe: 'true',
    __meta_kubernetes_service_annotationpresent_prometheus_io_probe: 'true',
  };

  test('endpoints: group labels are the namespace, the service and the Endpoints object; targets carry the pod', () => {
    const group = buildEndpointsGroup(slimEndpoints(find('Endpoints', 'web')), lookup);
    expect(group.source).toBe('endpoints/default/web');
    expect(group.labels).toEqual({
      __meta_kubernetes_namespace: 'default',
      ...serviceLabels,
      __meta_kubernetes_endpoints_name: 'web',
      __meta_kubernetes_endpoints_label_app: 'web',
      __meta_kubernetes_endpoints_labelpresent_app: 'true',
      __meta_kubernetes_endpoints_annotation_endpoints_kubernetes_io_last_change_trigger_time: '2026-05-20T08:00:00Z',
      __meta_kubernetes_endpoints_annotationpresent_endpoints_kubernetes_io_last_change_trigger_time: 'true',
    });
    const ready = targetLabels(group, '127.90.0.11:8080');
    expect(ready).toMatchObject({
      __meta_kubernetes_endpoint_port_name: 'http',
      __meta_kubernetes_endpoint_port_protocol: 'TCP',
      __meta_kubernetes_endpoint_ready: 'true',
      __meta_kubernetes_endpoint_node_name: 'node-a',
      __meta_kubernetes_endpoint_address_target_kind: 'Pod',
      __meta_kubernetes_endpoint_address_target_name: 'web-7d9c5b6f4-x2k8p',
      __meta_kubernetes_pod_name: 'web-7d9c5b6f4-x2k8p',
      __meta_kubernetes_pod_uid: uid(webPod),
      __meta_kubernetes_pod_container_name: 'web',
      __meta_kubernetes_pod_container_image: 'registry.example.org/web:2.3.1',
      __meta_kubernetes_pod_container_port_name: 'http-metrics',
      __meta_kubernetes_pod_container_port_number: '8080',
      __meta_kubernetes_pod_container_init: 'false',
    });
    // Endpoints targets name no container id (Prometheus's endpoints.go sets none).
    expect('__meta_kubernetes_pod_container_id' in ready).toBe(false);
    expect(targetLabels(group, '127.90.0.12:8080').__meta_kubernetes_endpoint_ready).toBe('false');
  });

  test('endpoints: the backing pods\' other ports get targets too, init containers included, with the group labels', () => {
    const group = buildEndpointsGroup(slimEndpoints(find('Endpoints', 'web')), lookup);
    expect(group.targets.map((t) => t.__address__).sort()).toEqual([
      '127.90.0.11:7777', '127.90.0.11:8080', '127.90.0.11:8443', '127.90.0.11:9901', '127.90.0.12:8080', '127.90.0.12:8443',
    ]);
    const init = targetLabels(group, '127.90.0.11:7777');
    expect(init).toMatchObject({ __meta_kubernetes_endpoints_name: 'web', __meta_kubernetes_pod_container_init: 'true', __meta_kubernetes_pod_container_name: 'migrate' });
    expect('__meta_kubernetes_endpoint_ready' in init).toBe(false);
  });

  test('endpoints: the container port gets the endpoint port\'s protocol (dns-tcp on a UDP-first container)', () => {
    const group = buildEndpointsGroup(slimEndpoints(find('Endpoints', 'kube-dns')), lookup);
    const ports = group.targets.filter((t) => t.__address__ === '127.90.0.31:53');
    expect(ports.map((t) => [t.__meta_kubernetes_endpoint_port_name, t.__meta_kubernetes_pod_container_port_name, t.__meta_kubernetes_pod_container_port_protocol]))
      .toEqual([['dns', 'dns', 'UDP'], ['dns-tcp', 'dns', 'TCP']]);
  });

  test('an endpoint without a target (the API server) has no pod labels', () => {
    const group = buildEndpointsGroup(slimEndpoints(find('Endpoints', 'kubernetes')), lookup);
    expect(group.targets).toEqual([{
      __address__: '127.90.0.1:6443', __meta_kubernetes_endpoint_port_name: 'https', __meta_kubernetes_endpoint_port_protocol: 'TCP', __meta_kubernetes_endpoint_ready: 'true',
    }]);
  });

  test('endpointslice: address type, conditions, zone, node name, app protocol; the pod\'s container port protocol', () => {
    const group = buildEndpointSliceGroup(slimEndpointSlice(find('EndpointSlice', 'web-8sd2k')), lookup);
    expect(group.source).toBe('endpointslice/default/web-8sd2k');
    expect(group.labels).toMatchObject({ __meta_kubernetes_endpointslice_address_type: 'IPv4', __meta_kubernetes_endpointslice_name: 'web-8sd2k', ...serviceLabels });
    expect(targetLabels(group, '127.90.0.12:8080')).toMatchObject({
      __meta_kubernetes_endpointslice_port: '8080',
      __meta_kubernetes_endpointslice_port_name: 'http',
      __meta_kubernetes_endpointslice_port_protocol: 'TCP',
      __meta_kubernetes_endpointslice_port_app_protocol: 'http',
      __meta_kubernetes_endpointslice_endpoint_conditions_ready: 'false',
      __meta_kubernetes_endpointslice_endpoint_conditions_serving: 'false',
      __meta_kubernetes_endpointslice_endpoint_conditions_terminating: 'false',
      __meta_kubernetes_endpointslice_endpoint_zone: 'zone-2',
      __meta_kubernetes_endpointslice_endpoint_node_name: 'node-b',
      __meta_kubernetes_endpointslice_address_target_kind: 'Pod',
      __meta_kubernetes_endpointslice_address_target_name: 'web-7d9c5b6f4-q9zt4',
      __meta_kubernetes_pod_ready: 'false',
      __meta_kubernetes_pod_container_init: 'false',
    });
    const dns = buildEndpointSliceGroup(slimEndpointSlice(find('EndpointSlice', 'kube-dns-xk2pl')), lookup);
    expect(dns.targets.filter((t) => t.__address__ === '127.90.0.31:53').map((t) => [t.__meta_kubernetes_endpointslice_port_name, t.__meta_kubernetes_pod_container_port_protocol]))
      .toEqual([['dns', 'UDP'], ['dns-tcp', 'UDP']]);
  });

  test('endpointslice: the secondary slice of a dual-stack service has no targets', () => {
    const dualStack = slimService({ ...find('Service', 'web'), spec: { ...(find('Service', 'web').spec as Json), ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'] } } as Service);
    const group = buildEndpointSliceGroup(slimEndpointSlice(find('EndpointSlice', 'web-8sd2k')), { ...lookup, service: () => dualStack });
    expect(group.targets).toEqual([]);
  });

  test('max_targets_per_pod counts each backing pod\'s targets', () => {
    const group = buildEndpointsGroup(slimEndpoints(find('Endpoints', 'web')), { ...lookup, maxTargetsPerPod: 2 });
    expect(group.targets.map((t) => t.__address__).sort()).toEqual(['127.90.0.11:8080', '127.90.0.11:8443', '127.90.0.12:8080', '127.90.0.12:8443']);
    expect(group.podCapDropped).toBe(2);
  });
});
