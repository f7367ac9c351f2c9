/**
 * Roles service and ingress, as Prometheus builds them.
 *
 * Service: one target per port at `<name>.<namespace>.svc:<port>`, with
 * `__meta_kubernetes_service_port_name`, `_port_number`, `_port_protocol`, `_type`, and
 * `_cluster_ip` (or `_external_name` for an ExternalName service), `_loadbalancer_ip` for a
 * LoadBalancer (the status ingress IPs joined by commas, else spec.loadBalancerIP); group
 * labels: namespace, the service's name, labels and annotations.
 *
 * Ingress: one target per rule and path, the address being the rule's host, with
 * `__meta_kubernetes_ingress_scheme` (https when a TLS entry covers the host, wildcards
 * included), `_host`, `_path` (`/` for an empty path or a rule without http); group labels:
 * namespace, `_ingress_class_name`, name, labels and annotations.
 */
import type { DiscoveredGroup, LabelSet } from '../types';
import { addObjectMetaLabels, joinHostPort, META, NAMESPACE_LABEL } from './labels';
import { list, str, type Ingress, type Service } from './objects';

export function serviceSource(namespace: string, name: string): string {
  return `svc/${namespace}/${name}`;
}

/** The group labels of a service (also what endpoints and endpointslice targets get from theirs). */
export function serviceLabels(service: Service): LabelSet {
  const set: LabelSet = { [NAMESPACE_LABEL]: str(service.metadata?.namespace) };
  addObjectMetaLabels(set, service.metadata, 'service');
  return set;
}

function loadBalancerIps(service: Service): string {
  const ips = list(service.status?.loadBalancer?.ingress).map((ingress) => str(ingress.ip)).filter((ip) => ip !== '');
  return ips.length > 0 ? ips.join(',') : str(service.spec?.loadBalancerIP);
}

export function buildServiceGroup(service: Service, extraLabels: LabelSet = {}): DiscoveredGroup {
  const namespace = str(service.metadata?.namespace);
  const name = str(service.metadata?.name);
  const type = str(service.spec?.type);
  const group: DiscoveredGroup = { source: serviceSource(namespace, name), labels: { ...serviceLabels(service), ...extraLabels }, targets: [] };
  for (const port of list(service.spec?.ports)) {
    const number = String(port.port ?? 0);
    const target: LabelSet = {
      __address__: joinHostPort(`${name}.${namespace}.svc`, number),
      [`${META}service_port_name`]: str(port.name),
      [`${META}service_port_number`]: number,
      [`${META}service_port_protocol`]: str(port.protocol),
      [`${META}service_type`]: type,
    };
    if (type === 'ExternalName') target[`${META}service_external_name`] = str(service.spec?.externalName);
    else target[`${META}service_cluster_ip`] = str(service.spec?.clusterIP);
    if (type === 'LoadBalancer') target[`${META}service_loadbalancer_ip`] = loadBalancerIps(service);
    group.targets.push(target);
  }
  return group;
}

export function ingressSource(namespace: string, name: string): string {
  return `ingress/${namespace}/${name}`;
}

function matchesHostPattern(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  const patternParts = pattern.split('.');
  const hostParts = host.split('.');
  if (patternParts[0] !== '*' || patternParts.length !== hostParts.length) return false;
  return patternParts.every((part, i) => i === 0 || part === hostParts[i]);
}

export function buildIngressGroup(ingress: Ingress, extraLabels: LabelSet = {}): DiscoveredGroup {
  const namespace = str(ingress.metadata?.namespace);
  const labels: LabelSet = { [NAMESPACE_LABEL]: namespace };
  const className = ingress.spec?.ingressClassName;
  if (typeof className === 'string') labels[`${META}ingress_class_name`] = className;
  addObjectMetaLabels(labels, ingress.metadata, 'ingress');
  const group: DiscoveredGroup = { source: ingressSource(namespace, str(ingress.metadata?.name)), labels: { ...labels, ...extraLabels }, targets: [] };
  const tlsHosts = list(ingress.spec?.tls).flatMap((tls) => tls.hosts ?? []);
  for (const rule of list(ingress.spec?.rules)) {
    const host = str(rule.host);
    const scheme = tlsHosts.some((pattern) => matchesHostPattern(pattern, host)) ? 'https' : 'http';
    const paths = rule.http === null || rule.http === undefined ? ['/'] : list(rule.http.paths).map((p) => str(p.path) || '/');
    for (const path of paths) {
      group.targets.push({
        __address__: host,
        [`${META}ingress_scheme`]: scheme,
        [`${META}ingress_host`]: host,
        [`${META}ingress_path`]: path,
      });
    }
  }
  return group;
}
