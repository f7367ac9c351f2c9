/**
 * The service-discovery sections of a scrape_config beyond static_configs and file_sd_configs:
 * kubernetes_sd_configs and http_sd_configs as Prometheus has them (fields, defaults, and the
 * checks Prometheus makes at load, with its wording), and scrapewire's kubelet_sd_configs.
 */
import * as path from 'node:path';
import { fieldSelectorProblem, labelSelectorProblem } from '../discovery/kubernetes/selectors';
import { HTTP_CLIENT_FIELDS, HTTP_CLIENT_UNSUPPORTED, readHttpClient } from './http-client';
import type { HttpClientConfig, HttpSdConfig, KubeletSdConfig, KubernetesRole, KubernetesSdConfig, KubernetesSelector } from './types';
import type { ValueNode, YamlReader } from './yaml-reader';

export const KUBERNETES_ROLES: readonly KubernetesRole[] = ['pod', 'service', 'endpoints', 'endpointslice', 'node', 'ingress'];

/** Which selector roles each discovery role accepts (Prometheus: "X role supports only Y selectors"). */
const ALLOWED_SELECTORS: Readonly<Record<KubernetesRole, readonly KubernetesRole[]>> = {
  pod: ['pod', 'node'],
  service: ['service'],
  endpointslice: ['pod', 'service', 'endpointslice'],
  endpoints: ['pod', 'service', 'endpoints'],
  node: ['node'],
  ingress: ['ingress'],
};

export const DEFAULT_HTTP_SD_REFRESH_INTERVAL = 60_000;
/** Alloy's discovery.kubelet default: the kubelet answers /pods from memory. */
export const DEFAULT_KUBELET_SD_REFRESH_INTERVAL = 5_000;
export const DEFAULT_KUBELET_URL = 'https://localhost:10250';

function hasCustomHttpClient(client: HttpClientConfig): boolean {
  const tls = client.tls_config;
  return client.authorization !== undefined || client.basic_auth !== undefined ||
    tls.ca_file !== undefined || tls.cert_file !== undefined || tls.key_file !== undefined ||
    tls.server_name !== undefined || tls.insecure_skip_verify;
}

/** An absolute http(s) URL with a host, or the reason it is not one (Prometheus's wording). */
export function httpUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `invalid URL ${JSON.stringify(url)}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return "URL scheme must be 'http' or 'https'";
  if (parsed.host === '') return 'host is missing in URL';
  return undefined;
}

function readRole(reader: YamlReader, node: ValueNode, rolePath: string): KubernetesRole | undefined {
  const text = reader.string(node, rolePath);
  if (text === undefined || text === '') return undefined;
  if (!KUBERNETES_ROLES.includes(text as KubernetesRole)) {
    reader.error(node, rolePath, `unknown Kubernetes SD role ${JSON.stringify(text)}`);
    return undefined;
  }
  return text as KubernetesRole;
}

export function readKubernetesSdConfigs(reader: YamlReader, node: ValueNode, listPath: string, configDir: string): KubernetesSdConfig[] {
  const configs: KubernetesSdConfig[] = [];
  for (const item of reader.items(node, listPath)) {
    const config = readKubernetesSdConfig(reader, item.node, item.path, configDir);
    if (config !== undefined) configs.push(config);
  }
  return configs;
}

function readKubernetesSdConfig(reader: YamlReader, node: ValueNode, itemPath: string, configDir: string): KubernetesSdConfig | undefined {
  const fields = reader.mapping(node, itemPath, 'kubernetes_sd_config',
    ['api_server', 'role', 'kubeconfig_file', 'namespaces', 'selectors', 'attach_metadata', ...HTTP_CLIENT_FIELDS], HTTP_CLIENT_UNSUPPORTED);
  if (fields === undefined) return undefined;
  const value = (name: string) => fields.get(name)?.value ?? null;
  const p = (name: string) => `${itemPath}.${name}`;
  const where = node ?? value('role');

  const role = readRole(reader, value('role'), p('role'));
  if (role === undefined && (value('role') === null || reader.string(value('role'), p('role')) === '')) {
    reader.error(value('role') ?? where, itemPath, 'role missing (one of: pod, service, endpoints, endpointslice, node, ingress)');
  }
  const client = readHttpClient(reader, fields, node, itemPath);

  const apiServer = reader.string(value('api_server'), p('api_server')) || undefined;
  if (apiServer !== undefined) {
    const problem = httpUrlProblem(apiServer);
    if (problem !== undefined) reader.error(value('api_server'), p('api_server'), problem);
  }
  let kubeconfig = reader.string(value('kubeconfig_file'), p('kubeconfig_file')) || undefined;
  if (kubeconfig !== undefined && !path.isAbsolute(kubeconfig)) kubeconfig = path.join(configDir, kubeconfig);

  const namespaces = { own_namespace: false, names: [] as string[] };
  const nsFields = reader.mapping(value('namespaces'), p('namespaces'), 'namespaces', ['own_namespace', 'names']);
  if (nsFields !== undefined) {
    namespaces.own_namespace = reader.bool(nsFields.get('own_namespace')?.value ?? null, p('namespaces.own_namespace')) ?? false;
    namespaces.names = reader.stringList(nsFields.get('names')?.value ?? null, p('namespaces.names'));
  }

  const attach = { node: false, namespace: false };
  const attachFields = reader.mapping(value('attach_metadata'), p('attach_metadata'), 'attach_metadata', ['node', 'namespace'],
    ['deployment', 'job', 'cronjob']);
  if (attachFields !== undefined) {
    attach.node = reader.bool(attachFields.get('node')?.value ?? null, p('attach_metadata.node')) ?? false;
    attach.namespace = reader.bool(attachFields.get('namespace')?.value ?? null, p('attach_metadata.namespace')) ?? false;
  }

  // Prometheus's checks, in its order and wording.
  const keyOf = (name: string) => fields.get(name)?.key ?? where;
  if (apiServer !== undefined && kubeconfig !== undefined) {
    reader.error(keyOf('kubeconfig_file'), itemPath, "cannot use 'kubeconfig_file' and 'api_server' simultaneously");
  } else if (kubeconfig !== undefined && hasCustomHttpClient(client)) {
    reader.error(keyOf('kubeconfig_file'), itemPath, "cannot use a custom HTTP client configuration together with 'kubeconfig_file'");
  } else if (apiServer === undefined && kubeconfig === undefined && hasCustomHttpClient(client)) {
    reader.error(where, itemPath, "to use custom HTTP client configuration please provide the 'api_server' URL explicitly");
  } else if (apiServer !== undefined && namespaces.own_namespace) {
    reader.error(keyOf('namespaces'), itemPath, "cannot use 'api_server' and 'namespaces.own_namespace' simultaneously");
  } else if (kubeconfig !== undefined && namespaces.own_namespace) {
    reader.error(keyOf('namespaces'), itemPath, "cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously");
  }

  const selectors: KubernetesSelector[] = [];
  const seen = new Set<string>();
  for (const selectorItem of reader.items(value('selectors'), p('selectors'))) {
    const selectorFields = reader.mapping(selectorItem.node, selectorItem.path, 'selector', ['role', 'label', 'field']);
    if (selectorFields === undefined) continue;
    const roleNode = selectorFields.get('role')?.value ?? null;
    const selectorRole = readRole(reader, roleNode, `${selectorItem.path}.role`);
    if (selectorRole === undefined) {
      if (roleNode === null) reader.error(selectorItem.node, selectorItem.path, 'selector role missing');
      continue;
    }
    if (seen.has(selectorRole)) {
      reader.error(roleNode, `${selectorItem.path}.role`, `duplicated selector role: ${selectorRole}`);
      continue;
    }
    seen.add(selectorRole);
    if (role !== undefined && !ALLOWED_SELECTORS[role].includes(selectorRole)) {
      reader.error(roleNode, `${selectorItem.path}.role`, `${role} role supports only ${ALLOWED_SELECTORS[role].join(', ')} selectors`);
      continue;
    }
    const selector: KubernetesSelector = { role: selectorRole };
    const labelNode = selectorFields.get('label')?.value ?? null;
    const label = reader.string(labelNode, `${selectorItem.path}.label`);
    if (label !== undefined && label !== '') {
      const problem = labelSelectorProblem(label);
      if (problem !== undefined) reader.error(labelNode, `${selectorItem.path}.label`, problem);
      selector.label = label;
    }
    const fieldNode = selectorFields.get('field')?.value ?? null;
    const field = reader.string(fieldNode, `${selectorItem.path}.field`);
    if (field !== undefined && field !== '') {
      const problem = fieldSelectorProblem(field);
      if (problem !== undefined) reader.error(fieldNode, `${selectorItem.path}.field`, problem);
      selector.field = field;
    }
    selectors.push(selector);
  }

  const config: KubernetesSdConfig = { role: role ?? 'pod', namespaces, selectors, attach_metadata: attach, ...client };
  if (apiServer !== undefined) config.api_server = apiServer;
  if (kubeconfig !== undefined) config.kubeconfig_file = kubeconfig;
  return config;
}

export function readHttpSdConfigs(reader: YamlReader, node: ValueNode, listPath: string): HttpSdConfig[] {
  const configs: HttpSdConfig[] = [];
  for (const item of reader.items(node, listPath)) {
    const fields = reader.mapping(item.node, item.path, 'http_sd_config', ['url', 'refresh_interval', ...HTTP_CLIENT_FIELDS], HTTP_CLIENT_UNSUPPORTED);
    if (fields === undefined) continue;
    const urlNode = fields.get('url')?.value ?? null;
    const url = reader.string(urlNode, `${item.path}.url`) ?? '';
    if (url === '') {
      reader.error(urlNode ?? item.node, fields.has('url') ? `${item.path}.url` : item.path, 'URL is missing');
    } else {
      const problem = httpUrlProblem(url);
      if (problem !== undefined) reader.error(urlNode, `${item.path}.url`, problem);
    }
    const refresh = reader.duration(fields.get('refresh_interval')?.value ?? null, `${item.path}.refresh_interval`);
    configs.push({ url, refresh_interval: refresh || DEFAULT_HTTP_SD_REFRESH_INTERVAL, ...readHttpClient(reader, fields, item.node, item.path) });
  }
  return configs;
}

export function readKubeletSdConfigs(reader: YamlReader, node: ValueNode, listPath: string): KubeletSdConfig[] {
  const configs: KubeletSdConfig[] = [];
  for (const item of reader.items(node, listPath)) {
    const fields = reader.mapping(item.node, item.path, 'kubelet_sd_config',
      ['url', 'refresh_interval', 'namespaces', ...HTTP_CLIENT_FIELDS], HTTP_CLIENT_UNSUPPORTED);
    if (fields === undefined) continue;
    const urlNode = fields.get('url')?.value ?? null;
    const url = reader.string(urlNode, `${item.path}.url`) || DEFAULT_KUBELET_URL;
    const problem = httpUrlProblem(url);
    if (problem !== undefined) reader.error(urlNode, `${item.path}.url`, problem);
    const refresh = reader.duration(fields.get('refresh_interval')?.value ?? null, `${item.path}.refresh_interval`);
    configs.push({
      url,
      refresh_interval: refresh || DEFAULT_KUBELET_SD_REFRESH_INTERVAL,
      namespaces: reader.stringList(fields.get('namespaces')?.value ?? null, `${item.path}.namespaces`),
      ...readHttpClient(reader, fields, item.node, item.path),
    });
  }
  return configs;
}
