import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { defaultConfig, loadConfigFile, parseConfig } from '../../src/config/load';
import { redactConfig } from '../../src/config/redact';

// A prometheus.yml as people write them, plus scrapewire's own sections.
const PROMETHEUS_YML = `# my global config
global:
  scrape_interval: 15s
  evaluation_interval: 15s
  external_labels:
    cluster: prod-eu-1
    replica: "0"

rule_files:
  - "first_rules.yml"

scrape_configs:
  - job_name: "prometheus"
    static_configs:
      - targets: ["localhost:9090"]

  - job_name: node
    scrape_interval: 5s
    honor_labels: yes
    static_configs:
      - targets: ['10.0.0.1:9100', '10.0.0.2:9100']
        labels:
          version: 1.10
          canary: no
    relabel_configs:
      - source_labels: [__address__]
        regex: '(.*):\\d+'
        target_label: instance
      - action: labeldrop
        regex: (?i)TMP_.*
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: go_.*
        action: drop

  - job_name: kubelet
    scheme: https
    metrics_path: metrics/cadvisor
    scrape_timeout: 30s
    scrape_interval: 1m
    bearer_token_file: /var/run/secrets/kubernetes.io/serviceaccount/token
    tls_config:
      ca_file: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
      insecure_skip_verify: true
    body_size_limit: 100MB
    sample_limit: 50000
    on_parse_error: skip
    params:
      module: [http_2xx]

  - job_name: files
    basic_auth:
      username: admin
      password: hunter2
    file_sd_configs:
      - files: [targets/*.json, /etc/sd/static.yml]

  - job_name: kubelet-node
    scheme: https
    authorization:
      credentials_file: /var/run/secrets/kubernetes.io/serviceaccount/token
    static_configs:
      - targets: ['127.0.0.1:10250']

remote_write:
  - url: http://vm:8428/api/v1/write
    queue_config:
      max_samples_per_send: 5000
      batch_send_deadline: 1s
    write_relabel_configs:
      - source_labels: [__name__]
        regex: expensive_.*
        action: drop
  - url: https://mimir.example/api/v1/push
    name: mimir
    protobuf_message: io.prometheus.write.v2.Request
    authorization:
      credentials: s3cret
    headers:
      X-Scope-OrgID: tenant-1
    disk_budget: 2GiB
    memory_budget: 32MiB
    metadata_config:
      send: false

plugins:
  enabled: "cpu|memory"
  settings:
    cpu:
      top: 10
      name: "10"
      ratio: 0.5
      nested: {on: true}
`;

describe('a real prometheus.yml', () => {
  const config = parseConfig(PROMETHEUS_YML, '/etc/scrapewire/prometheus.yml');

  test('global', () => {
    expect(config.global).toEqual({
      scrape_interval: 15_000,
      scrape_timeout: 10_000,
      evaluation_interval: 15_000,
      external_labels: { cluster: 'prod-eu-1', replica: '0' },
      body_size_limit: 0, sample_limit: 0, label_limit: 0, label_name_length_limit: 0, label_value_length_limit: 0, target_limit: 0,
      keep_dropped_targets: 1000, max_targets_per_pod: 64, max_targets_per_discovery: 50_000,
      metric_name_escaping_scheme: 'allow-utf-8',
      always_scrape_classic_histograms: false, scrape_native_histograms: false, convert_classic_histograms_to_nhcb: false,
    });
  });

  test('a minimal job gets every default', () => {
    expect(config.scrape_configs[0]).toEqual({
      job_name: 'prometheus',
      scrape_interval: 15_000,
      scrape_timeout: 10_000,
      metrics_path: '/metrics',
      params: {},
      scheme: 'http',
      honor_labels: false,
      honor_timestamps: true,
      static_configs: [{ targets: ['localhost:9090'], labels: {} }],
      file_sd_configs: [],
      kubernetes_sd_configs: [],
      kubelet_sd_configs: [],
      http_sd_configs: [],
      keep_dropped_targets: 1000, max_targets_per_pod: 64, max_targets_per_discovery: 50_000,
      relabel_configs: [],
      metric_relabel_configs: [],
      body_size_limit: 0, sample_limit: 0, label_limit: 0, label_name_length_limit: 0, label_value_length_limit: 0, target_limit: 0,
      tls_config: { insecure_skip_verify: false },
      on_parse_error: 'fail',
      scrape_protocols: ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'],
      metric_name_escaping_scheme: 'allow-utf-8',
      always_scrape_classic_histograms: false, scrape_native_histograms: false, convert_classic_histograms_to_nhcb: false,
    });
  });

  test('scalars keep the text written, like Go yaml into a string field', () => {
    const node = config.scrape_configs[1];
    expect(node.static_configs[0].labels).toEqual({ version: '1.10', canary: 'no' });
    expect(node.honor_labels).toBe(true);
    // Job timeout defaults to min(global timeout, job interval).
    expect(node.scrape_interval).toBe(5_000);
    expect(node.scrape_timeout).toBe(5_000);
  });

  test('relabel rules are filled with Prometheus defaults', () => {
    const node = config.scrape_configs[1];
    expect(node.relabel_configs).toEqual([
      { source_labels: ['__address__'], separator: ';', regex: '(.*):\\d+', target_label: 'instance', replacement: '$1', action: 'replace' },
      { separator: ';', regex: '(?i)TMP_.*', replacement: '$1', action: 'labeldrop' },
    ]);
    expect(node.metric_relabel_configs[0].action).toBe('drop');
  });

  test('https job with a token file, TLS, limits and params', () => {
    const kubelet = config.scrape_configs[2];
    expect(kubelet).toMatchObject({
      scheme: 'https',
      metrics_path: '/metrics/cadvisor',
      scrape_interval: 60_000,
      scrape_timeout: 30_000,
      body_size_limit: 100 * 1024 ** 2,
      sample_limit: 50_000,
      on_parse_error: 'skip',
      params: { module: ['http_2xx'] },
      authorization: { type: 'Bearer', credentials_file: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
      tls_config: { ca_file: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', insecure_skip_verify: true },
    });
  });

  test('file_sd paths are resolved against the config file directory', () => {
    expect(config.scrape_configs[3].file_sd_configs).toEqual([
      { files: ['/etc/scrapewire/targets/*.json', '/etc/sd/static.yml'], refresh_interval: 300_000 },
    ]);
    expect(config.scrape_configs[3].basic_auth).toEqual({ username: 'admin', password: 'hunter2' });
  });

  test('the kubelet is an ordinary job (the sources section is gone)', () => {
    expect(config.scrape_configs[4]).toMatchObject({
      job_name: 'kubelet-node',
      scheme: 'https',
      authorization: { type: 'Bearer', credentials_file: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
      static_configs: [{ targets: ['127.0.0.1:10250'], labels: {} }],
    });
    expect(Object.keys(config)).not.toContain('sources');
  });

  test('remote_write defaults', () => {
    const [vm, mimir] = config.remote_write;
    expect(vm).toMatchObject({
      url: 'http://vm:8428/api/v1/write',
      remote_timeout: 30_000,
      headers: {},
      protobuf_message: 'prometheus.WriteRequest',
      queue_config: {
        capacity: 10_000, max_shards: 50, min_shards: 1, max_samples_per_send: 5_000,
        batch_send_deadline: 1_000, min_backoff: 30, max_backoff: 5_000, retry_on_http_429: true,
      },
      metadata_config: { send: true, send_interval: 60_000, max_samples_per_send: 2_000 },
      disk_budget: 1024 ** 3,
      memory_budget: 64 * 1024 ** 2,
    });
    expect(vm.name).toMatch(/^[0-9a-f]{6}$/);
    expect(vm.write_relabel_configs).toHaveLength(1);
    expect(mimir).toMatchObject({
      name: 'mimir',
      protobuf_message: 'io.prometheus.write.v2.Request',
      authorization: { type: 'Bearer', credentials: 's3cret' },
      headers: { 'X-Scope-OrgID': 'tenant-1' },
      disk_budget: 2 * 1024 ** 3,
      memory_budget: 32 * 1024 ** 2,
      metadata_config: { send: false, send_interval: 60_000, max_samples_per_send: 2_000 },
    });
  });

  test('plugins, with settings typed as YAML 1.2 would type them', () => {
    expect(config.plugins).toEqual({
      enabled: 'cpu|memory',
      settings: { cpu: { top: 10, name: '10', ratio: 0.5, nested: { on: true } } },
    });
  });

  test('Prometheus sections scrapewire does not use are warned about, not refused', () => {
    expect(config.warnings).toEqual([
      '/etc/scrapewire/prometheus.yml:9: rule_files is ignored: scrapewire collects and forwards, it does not evaluate or store',
    ]);
  });
});

describe('defaults', () => {
  test('defaultConfig is Prometheus\'s empty configuration', () => {
    expect(defaultConfig()).toEqual({
      global: {
        scrape_interval: 60_000, scrape_timeout: 10_000, evaluation_interval: 60_000, external_labels: {},
        body_size_limit: 0, sample_limit: 0, label_limit: 0, label_name_length_limit: 0, label_value_length_limit: 0, target_limit: 0,
        keep_dropped_targets: 1000, max_targets_per_pod: 64, max_targets_per_discovery: 50_000,
        metric_name_escaping_scheme: 'allow-utf-8',
        always_scrape_classic_histograms: false, scrape_native_histograms: false, convert_classic_histograms_to_nhcb: false,
      },
      scrape_configs: [],
      remote_write: [],
      plugins: { enabled: '', settings: {} },
      warnings: [],
    });
    expect(parseConfig('global:\n', 'c.yml')).toEqual(defaultConfig());
  });

  test('the caller can replace the default interval; the timeout is capped at it', () => {
    const config = parseConfig('scrape_configs:\n  - job_name: a\n', 'c.yml', { defaultScrapeInterval: 1_000 });
    expect(config.global.scrape_interval).toBe(1_000);
    expect(config.global.scrape_timeout).toBe(1_000);
    expect(config.scrape_configs[0].scrape_interval).toBe(1_000);
    expect(config.scrape_configs[0].scrape_timeout).toBe(1_000);
  });

  test('a global interval below 10s caps the default timeout, as in Prometheus', () => {
    const config = parseConfig('global:\n  scrape_interval: 5s\nscrape_configs:\n  - job_name: a\n    scrape_interval: 2s\n', 'c.yml');
    expect([config.global.scrape_interval, config.global.scrape_timeout]).toEqual([5_000, 5_000]);
    expect([config.scrape_configs[0].scrape_interval, config.scrape_configs[0].scrape_timeout]).toEqual([2_000, 2_000]);
  });

  test('an explicit global interval wins over the caller default', () => {
    const config = parseConfig('global:\n  scrape_interval: 30s\n', 'c.yml', { defaultScrapeInterval: 1_000 });
    expect(config.global.scrape_interval).toBe(30_000);
    expect(config.global.scrape_timeout).toBe(10_000);
  });

  test('global limits are inherited by jobs that set none', () => {
    const config = parseConfig('global:\n  sample_limit: 100\n  body_size_limit: 1048576\nscrape_configs:\n  - job_name: a\n  - job_name: b\n    sample_limit: 5\n', 'c.yml');
    expect(config.scrape_configs.map((j) => [j.sample_limit, j.body_size_limit])).toEqual([[100, 1_048_576], [5, 1_048_576]]);
  });

  test('anchors and aliases are followed', () => {
    const config = parseConfig([
      'scrape_configs:',
      '  - job_name: a',
      '    static_configs: &targets',
      '      - targets: [a:1]',
      '  - job_name: b',
      '    static_configs: *targets',
    ].join('\n'), 'c.yml');
    expect(config.scrape_configs[1].static_configs).toEqual([{ targets: ['a:1'], labels: {} }]);
  });

  test('merge keys are expanded, keys written in place win', () => {
    const config = parseConfig([
      'scrape_configs:',
      '  - &defaults',
      '    job_name: a',
      '    scrape_interval: 10s',
      '    metrics_path: /m',
      '  - <<: *defaults',
      '    job_name: b',
      '    scrape_interval: 5s',
    ].join('\n'), 'c.yml');
    expect(config.scrape_configs.map((j) => [j.job_name, j.scrape_interval, j.metrics_path])).toEqual([
      ['a', 10_000, '/m'],
      ['b', 5_000, '/m'],
    ]);
    // A typo inside the merged mapping is still reported, at its own line.
    expect(() => parseConfig('scrape_configs:\n  - job_name: a\n    <<: {scrape_intervl: 1s}\n', 'c.yml'))
      .toThrow('c.yml:3: field "scrape_intervl" not found in scrape_config');
  });
});

describe('environment variables', () => {
  const yaml = 'global:\n  external_labels:\n    node: ${NODE_NAME}\n    price: $$5\n';

  test('${NAME} is expanded everywhere; $$ not before a brace is left for relabel replacements', () => {
    expect(parseConfig(yaml, 'c.yml', { env: { NODE_NAME: 'n1' } }).global.external_labels).toEqual({ node: 'n1', price: '$$5' });
  });

  test('are expanded in external labels when asked', () => {
    const config = parseConfig(yaml, 'c.yml', { expandExternalLabels: true, env: { NODE_NAME: 'n1' } });
    expect(config.global.external_labels).toEqual({ node: 'n1', price: '$5' });
  });
});

describe('redactConfig', () => {
  test('replaces every inline secret and leaves the original alone', () => {
    const config = parseConfig(PROMETHEUS_YML.replace('  - job_name: node\n', '  - job_name: node\n    bearer_token: tok\n'), 'c.yml');
    const redacted = redactConfig(config);
    expect(redacted.scrape_configs[1].authorization).toEqual({ type: 'Bearer', credentials: '<secret>' });
    expect(redacted.scrape_configs[3].basic_auth).toEqual({ username: 'admin', password: '<secret>' });
    expect(redacted.remote_write[1].authorization?.credentials).toBe('<secret>');
    // Files say where a secret is, not what it is.
    expect(redacted.scrape_configs[4].authorization?.credentials_file).toBe('/var/run/secrets/kubernetes.io/serviceaccount/token');
    expect(JSON.stringify(redacted)).not.toMatch(/hunter2|s3cret|"tok"/);
    expect(config.scrape_configs[3].basic_auth?.password).toBe('hunter2');
    expect(config.scrape_configs[1].authorization?.credentials).toBe('tok');
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(path.join(tmpdir(), 'scrapewire-config-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  test('reads and validates a file, naming it in errors', async () => {
    const good = path.join(dir, 'good.yml');
    await writeFile(good, PROMETHEUS_YML);
    const config = await loadConfigFile(good);
    expect(config.scrape_configs).toHaveLength(5);
    expect(config.scrape_configs[3].file_sd_configs[0].files[0]).toBe(path.join(dir, 'targets/*.json'));

    const bad = path.join(dir, 'bad.yml');
    await writeFile(bad, 'global:\n  scrape_interval: 1x\n');
    await expect(loadConfigFile(bad)).rejects.toThrow(`${bad}:2: global.scrape_interval: invalid duration "1x"`);
  });

  test('a missing file is a config error', async () => {
    const missing = path.join(dir, 'missing.yml');
    const error = await loadConfigFile(missing).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('ERR_CONFIG');
    expect((error as ConfigError).message).toContain(`${missing}: cannot read configuration`);
  });
});
