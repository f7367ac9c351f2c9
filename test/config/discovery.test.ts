/**
 * kubernetes_sd_configs, kubelet_sd_configs and http_sd_configs in a scrape_config: fields,
 * defaults, inheritance of the discovery caps, and Prometheus's load-time checks with their
 * wording, each as `file:line: field: reason`.
 */
import { ConfigError } from '../../src/config/errors';
import { parseConfig } from '../../src/config/load';

const job = (body: string) => `scrape_configs:\n  - job_name: app\n${body}`;

function firstProblem(yaml: string): string {
  try {
    parseConfig(yaml, 'c.yml', { env: {} });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message.split('\n')[0];
  }
  throw new Error('expected the configuration to be refused');
}

describe('kubernetes_sd_configs', () => {
  test('every field, with Prometheus defaults', () => {
    const config = parseConfig(job([
      '    kubernetes_sd_configs:',
      '      - role: endpointslice',
      '        api_server: https://10.0.0.1:6443',
      '        bearer_token_file: /var/run/secrets/token',
      '        tls_config: {ca_file: /var/run/secrets/ca.crt}',
      '        namespaces: {names: [default, kube-system]}',
      '        selectors:',
      '          - role: pod',
      '            field: spec.nodeName=node-a',
      '          - role: service',
      '            label: "app in (web, api),!canary"',
      '        attach_metadata: {node: true}',
      '      - role: node',
    ].join('\n')), '/etc/c.yml', { env: {} });
    const [slices, nodes] = config.scrape_configs[0].kubernetes_sd_configs!;
    expect(slices).toEqual({
      role: 'endpointslice',
      api_server: 'https://10.0.0.1:6443',
      namespaces: { own_namespace: false, names: ['default', 'kube-system'] },
      selectors: [{ role: 'pod', field: 'spec.nodeName=node-a' }, { role: 'service', label: 'app in (web, api),!canary' }],
      attach_metadata: { node: true, namespace: false },
      authorization: { type: 'Bearer', credentials_file: '/var/run/secrets/token' },
      tls_config: { ca_file: '/var/run/secrets/ca.crt', insecure_skip_verify: false },
    });
    expect(nodes).toEqual({
      role: 'node',
      namespaces: { own_namespace: false, names: [] },
      selectors: [],
      attach_metadata: { node: false, namespace: false },
      tls_config: { insecure_skip_verify: false },
    });
  });

  test('a relative kubeconfig_file is resolved against the config file', () => {
    const config = parseConfig(job('    kubernetes_sd_configs:\n      - role: pod\n        kubeconfig_file: kube/config\n'), '/etc/scrapewire/c.yml', { env: {} });
    expect(config.scrape_configs[0].kubernetes_sd_configs![0].kubeconfig_file).toBe('/etc/scrapewire/kube/config');
  });

  const sd = (body: string) => job(`    kubernetes_sd_configs:\n      - ${body.split('\n').join('\n        ')}\n`);
  test.each([
    ['no role', sd('api_server: http://a:1'),
      'c.yml:4: scrape_configs[0].kubernetes_sd_configs[0]: role missing (one of: pod, service, endpoints, endpointslice, node, ingress)'],
    ['unknown role', sd('role: deployment'),
      'c.yml:4: scrape_configs[0].kubernetes_sd_configs[0].role: unknown Kubernetes SD role "deployment"'],
    ['api_server and kubeconfig', sd('role: pod\napi_server: http://a:1\nkubeconfig_file: /k'),
      "c.yml:6: scrape_configs[0].kubernetes_sd_configs[0]: cannot use 'kubeconfig_file' and 'api_server' simultaneously"],
    ['HTTP settings without api_server', sd('role: pod\nbearer_token: x'),
      "c.yml:4: scrape_configs[0].kubernetes_sd_configs[0]: to use custom HTTP client configuration please provide the 'api_server' URL explicitly"],
    ['HTTP settings with kubeconfig', sd('role: pod\nkubeconfig_file: /k\ntls_config: {insecure_skip_verify: true}'),
      "c.yml:5: scrape_configs[0].kubernetes_sd_configs[0]: cannot use a custom HTTP client configuration together with 'kubeconfig_file'"],
    ['own namespace with api_server', sd('role: pod\napi_server: http://a:1\nnamespaces: {own_namespace: true}'),
      "c.yml:6: scrape_configs[0].kubernetes_sd_configs[0]: cannot use 'api_server' and 'namespaces.own_namespace' simultaneously"],
    ['api_server not a URL', sd('role: pod\napi_server: ftp://a:1'),
      "c.yml:5: scrape_configs[0].kubernetes_sd_configs[0].api_server: URL scheme must be 'http' or 'https'"],
    ['selector of a role the role cannot use', sd('role: pod\nselectors: [{role: service, label: a=b}]'),
      'c.yml:5: scrape_configs[0].kubernetes_sd_configs[0].selectors[0].role: pod role supports only pod, node selectors'],
    ['duplicated selector role', sd('role: pod\nselectors: [{role: pod, label: a=b}, {role: pod, field: x=y}]'),
      'c.yml:5: scrape_configs[0].kubernetes_sd_configs[0].selectors[1].role: duplicated selector role: pod'],
    ['bad label selector', sd('role: pod\nselectors: [{role: pod, label: "app in (a b"}]'),
      'c.yml:5: scrape_configs[0].kubernetes_sd_configs[0].selectors[0].label: unbalanced parentheses'],
    ['bad label key', sd('role: pod\nselectors: [{role: pod, label: "-app=x"}]'),
      'c.yml:5: scrape_configs[0].kubernetes_sd_configs[0].selectors[0].label: invalid label key "-app": name part must be at most 63 characters: alphanumerics, \'-\', \'_\' or \'.\', starting and ending with an alphanumeric'],
    ['bad field selector', sd('role: pod\nselectors: [{role: pod, field: "spec.nodeName"}]'),
      'c.yml:5: scrape_configs[0].kubernetes_sd_configs[0].selectors[0].field: invalid selector: "spec.nodeName"; can\'t understand "spec.nodeName"'],
    ['attach_metadata beyond node and namespace', sd('role: pod\nattach_metadata: {deployment: true}'),
      'c.yml:5: field "deployment" of attach_metadata is not supported by scrapewire'],
    ['typo', sd('role: pod\nnamespace: {names: [a]}'),
      'c.yml:5: field "namespace" not found in kubernetes_sd_config'],
  ])('refuses %s', (_name, yaml, expected) => {
    expect(firstProblem(yaml)).toBe(expected);
  });

  test('valid selectors pass', () => {
    const config = parseConfig(sd('role: pod\nselectors: [{role: pod, label: "app.kubernetes.io/name=web, tier notin (db), !canary, env", field: "spec.nodeName=n1,status.phase!=Succeeded"}]'), 'c.yml', { env: {} });
    expect(config.scrape_configs[0].kubernetes_sd_configs![0].selectors).toHaveLength(1);
  });
});

describe('http_sd_configs and kubelet_sd_configs', () => {
  test('defaults: http_sd refreshes every minute, kubelet_sd every 5 s from https://localhost:10250', () => {
    const config = parseConfig(job([
      '    http_sd_configs:',
      '      - url: http://127.0.0.1:8000/sd',
      '    kubelet_sd_configs:',
      '      - bearer_token_file: /var/run/secrets/token',
      '        tls_config: {insecure_skip_verify: true}',
      '        namespaces: [default]',
    ].join('\n')), 'c.yml', { env: {} });
    const scrape = config.scrape_configs[0];
    expect(scrape.http_sd_configs).toEqual([{ url: 'http://127.0.0.1:8000/sd', refresh_interval: 60_000, tls_config: { insecure_skip_verify: false } }]);
    expect(scrape.kubelet_sd_configs).toEqual([{
      url: 'https://localhost:10250', refresh_interval: 5_000, namespaces: ['default'],
      authorization: { type: 'Bearer', credentials_file: '/var/run/secrets/token' },
      tls_config: { insecure_skip_verify: true },
    }]);
  });

  test.each([
    ['http_sd without url', job('    http_sd_configs:\n      - refresh_interval: 10s\n'), 'c.yml:4: scrape_configs[0].http_sd_configs[0]: URL is missing'],
    ['http_sd with a bad scheme', job('    http_sd_configs:\n      - url: file:///sd.json\n'),
      "c.yml:4: scrape_configs[0].http_sd_configs[0].url: URL scheme must be 'http' or 'https'"],
    ['http_sd with a bad refresh', job('    http_sd_configs:\n      - url: http://a/\n        refresh_interval: 1 min\n'),
      'c.yml:5: scrape_configs[0].http_sd_configs[0].refresh_interval: invalid duration "1 min"'],
    ['kubelet_sd with a typo', job('    kubelet_sd_configs:\n      - urls: [http://a/]\n'), 'c.yml:4: field "urls" not found in kubelet_sd_config'],
  ])('refuses %s', (_name, yaml, expected) => {
    expect(firstProblem(yaml)).toBe(expected);
  });
});

describe('discovery caps and keep_dropped_targets', () => {
  test('a job inherits them from global unless it sets its own', () => {
    const config = parseConfig([
      'global:',
      '  max_targets_per_pod: 8',
      '  keep_dropped_targets: 10',
      'scrape_configs:',
      '  - job_name: a',
      '  - job_name: b',
      '    max_targets_per_pod: 0',
      '    max_targets_per_discovery: 100',
      '    keep_dropped_targets: 0',
    ].join('\n'), 'c.yml', { env: {} });
    const [a, b] = config.scrape_configs;
    expect([a.max_targets_per_pod, a.max_targets_per_discovery, a.keep_dropped_targets]).toEqual([8, 50_000, 10]);
    expect([b.max_targets_per_pod, b.max_targets_per_discovery, b.keep_dropped_targets]).toEqual([0, 100, 0]);
  });

  test('must be non-negative integers', () => {
    expect(firstProblem(job('    max_targets_per_pod: -1\n'))).toBe('c.yml:3: scrape_configs[0].max_targets_per_pod: invalid non-negative integer "-1"');
  });
});
