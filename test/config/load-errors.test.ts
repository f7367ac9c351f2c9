import { ConfigError } from '../../src/config/errors';
import { parseConfig } from '../../src/config/load';
import { ScrapewireError } from '../../src/errors';

/** Runs the loader on `yaml` and returns the thrown ConfigError. */
function configError(yaml: string): ConfigError {
  try {
    parseConfig(yaml, 'config.yml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected the configuration to be refused');
}

const job = (body: string) => `scrape_configs:\n  - job_name: app\n${body}`;

// Each case: a broken configuration and the exact first line of the error message.
const BROKEN: Array<[string, string, string]> = [
  ['unknown field in a job', job('    scrape_intervall: 10s\n'),
    'config.yml:3: field "scrape_intervall" not found in scrape_config'],
  ['unknown top-level section', 'global: {}\nscrape_config: []\n',
    'config.yml:2: field "scrape_config" not found in config'],
  ['unknown global field', 'global:\n  scrape_interval: 15s\n  nonexistent_field: 1\n',
    'config.yml:3: field "nonexistent_field" not found in global'],
  ['invalid job duration', job('    static_configs: []\n    scrape_interval: 1x\n'),
    'config.yml:4: scrape_configs[0].scrape_interval: invalid duration "1x"'],
  ['fractional duration', 'global:\n  scrape_timeout: 1.5s\n',
    'config.yml:2: global.scrape_timeout: invalid duration "1.5s"'],
  ['global timeout above interval', 'global:\n  scrape_interval: 5s\n  scrape_timeout: 6s\n',
    'config.yml:3: global.scrape_timeout: global scrape timeout greater than scrape interval'],
  ['job timeout above interval', job('    scrape_interval: 5s\n    scrape_timeout: 6s\n'),
    'config.yml:4: scrape_configs[0].scrape_timeout: scrape timeout greater than scrape interval for scrape config with job name "app"'],
  ['missing job_name', 'scrape_configs:\n  - metrics_path: /m\n',
    'config.yml:2: scrape_configs[0]: job_name is empty'],
  ['duplicate job_name', 'scrape_configs:\n  - job_name: a\n  - job_name: b\n  - job_name: a\n',
    'config.yml:4: scrape_configs[2].job_name: found multiple scrape configs with job name "a"'],
  ['null job', 'scrape_configs:\n  - job_name: a\n  -\n',
    'config.yml:2: scrape_configs[1]: empty or null scrape config section'],
  ['job is a string', 'scrape_configs:\n  - app\n',
    'config.yml:2: scrape_configs[0]: expected scrape_config (a mapping), got "app"'],
  ['scrape_configs is a mapping', 'scrape_configs:\n  job_name: a\n',
    'config.yml:2: scrape_configs: expected a sequence, got a mapping'],
  ['bad scheme', job('    scheme: ftp\n'),
    'config.yml:3: scrape_configs[0].scheme: invalid scheme "ftp", must be "http" or "https"'],
  ['bad boolean', job('    honor_labels: maybe\n'),
    'config.yml:3: scrape_configs[0].honor_labels: invalid boolean "maybe"'],
  ['negative limit', job('    sample_limit: -1\n'),
    'config.yml:3: scrape_configs[0].sample_limit: invalid non-negative integer "-1"'],
  ['bad size', job('    body_size_limit: 10kB\n'),
    'config.yml:3: scrape_configs[0].body_size_limit: invalid size "10kB"'],
  ['URL as a target', job('    static_configs:\n      - targets: ["ok:9100", "http://bad"]\n'),
    'config.yml:4: scrape_configs[0].static_configs[0].targets[1]: "http://bad" is not a valid hostname'],
  ['invalid label name', job('    static_configs:\n      - targets: [a:1]\n        labels:\n          not-allowed: x\n'),
    'config.yml:6: scrape_configs[0].static_configs[0].labels: "not-allowed" is not a valid label name'],
  ['invalid external label name', 'global:\n  external_labels:\n    "not:allowed": x\n',
    'config.yml:3: global.external_labels: "not:allowed" is not a valid label name'],
  ['targets is a string', job('    static_configs:\n      - targets: a:1\n'),
    'config.yml:4: scrape_configs[0].static_configs[0].targets: expected a sequence, got "a:1"'],
  ['unknown relabel action', job('    relabel_configs:\n      - action: keepit\n'),
    'config.yml:4: scrape_configs[0].relabel_configs[0].action: unknown relabel action "keepit"'],
  ['regex does not compile', job('    metric_relabel_configs:\n      - source_labels: [__name__]\n        regex: "foo("\n        action: drop\n'),
    'config.yml:5: scrape_configs[0].metric_relabel_configs[0].regex: invalid regex "foo(": error parsing regexp: missing closing ): `^(?s:foo()$`'],
  ['hashmod without modulus', job('    relabel_configs:\n      - action: hashmod\n        target_label: shard\n'),
    'config.yml:4: scrape_configs[0].relabel_configs[0]: relabel configuration for hashmod requires non-zero modulus'],
  ['replace without target_label', job('    relabel_configs:\n      - source_labels: [a]\n'),
    "config.yml:4: scrape_configs[0].relabel_configs[0]: relabel configuration for replace action requires 'target_label' value"],
  ['labeldrop with other fields', job('    relabel_configs:\n      - action: labeldrop\n        regex: tmp_.*\n        source_labels: [a]\n'),
    "config.yml:4: scrape_configs[0].relabel_configs[0]: labeldrop action requires only 'regex', and no other fields"],
  ['labelmap bad replacement', job('    relabel_configs:\n      - action: labelmap\n        regex: __meta_(.+)\n        replacement: l-$1\n'),
    `config.yml:6: scrape_configs[0].relabel_configs[0].replacement: "l-$1" is invalid 'replacement' for labelmap action`],
  ['invalid source label', job('    relabel_configs:\n      - source_labels: [ok, "b-ad"]\n        target_label: x\n'),
    'config.yml:4: scrape_configs[0].relabel_configs[0].source_labels[1]: "b-ad" is not a valid label name'],
  ['null relabel rule', job('    relabel_configs:\n      -\n'),
    'config.yml:4: scrape_configs[0].relabel_configs[0]: empty or null target relabeling rule'],
  ['bearer_token and bearer_token_file', job('    bearer_token: a\n    bearer_token_file: /t\n'),
    'config.yml:4: scrape_configs[0]: at most one of bearer_token & bearer_token_file must be configured'],
  ['basic_auth and bearer_token', job('    basic_auth:\n      username: u\n    bearer_token: t\n'),
    'config.yml:5: scrape_configs[0]: at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured'],
  ['password and password_file', job('    basic_auth:\n      username: u\n      password: p\n      password_file: /p\n'),
    'config.yml:6: scrape_configs[0].basic_auth: at most one of basic_auth password & password_file must be configured'],
  ['authorization with bearer_token', job('    authorization:\n      credentials: c\n    bearer_token: t\n'),
    'config.yml:3: scrape_configs[0]: authorization is not compatible with bearer_token & bearer_token_file'],
  ['authorization type basic', job('    authorization:\n      type: Basic\n      credentials: c\n'),
    'config.yml:4: scrape_configs[0].authorization.type: authorization type cannot be set to "basic", use "basic_auth" instead'],
  ['cert without key', job('    tls_config:\n      cert_file: /c.pem\n'),
    'config.yml:4: scrape_configs[0].tls_config: client cert file "/c.pem" specified without client key file'],
  ['unknown tls field', job('    tls_config:\n      insecure: true\n'),
    'config.yml:4: field "insecure" not found in tls_config'],
  ['unsupported service discovery', job('    consul_sd_configs:\n      - server: localhost:8500\n'),
    'config.yml:3: field "consul_sd_configs" of scrape_config is not supported by scrapewire'],
  ['file_sd without files', job('    file_sd_configs:\n      - refresh_interval: 1m\n'),
    'config.yml:4: scrape_configs[0].file_sd_configs[0]: file service discovery config must contain at least one path name'],
  ['file_sd bad extension', job('    file_sd_configs:\n      - files: [targets/*.txt]\n'),
    'config.yml:4: scrape_configs[0].file_sd_configs[0].files[0]: path name "targets/*.txt" is not valid for file discovery'],
  ['bad on_parse_error', job('    on_parse_error: ignore\n'),
    'config.yml:3: scrape_configs[0].on_parse_error: invalid on_parse_error "ignore", must be "fail" or "skip"'],
  ['a job reading a source (removed)', job('    source: kubelet\n'),
    'config.yml:3: scrape_configs[0].source: source was removed with the sources section: give the job its targets (static_configs, kubelet_sd_configs...); jobs scraping the same URL share one request per interval on their own'],
  ['remote_write without url', 'remote_write:\n  - name: a\n',
    'config.yml:2: remote_write[0]: url for remote_write is empty'],
  ['remote_write relative url', 'remote_write:\n  - url: /api/v1/write\n',
    'config.yml:2: remote_write[0].url: invalid url "/api/v1/write": must be an absolute http or https URL'],
  ['remote_write duplicate names', 'remote_write:\n  - url: http://a/w\n    name: q\n  - url: http://b/w\n    name: q\n',
    'config.yml:5: remote_write[1].name: found multiple remote write configs with job name "q"'],
  ['unknown protobuf message', 'remote_write:\n  - url: http://a/w\n    protobuf_message: v3\n',
    'config.yml:3: remote_write[0].protobuf_message: unknown remote write protobuf message "v3", supported: prometheus.WriteRequest, io.prometheus.write.v2.Request'],
  ['unknown queue_config field', 'remote_write:\n  - url: http://a/w\n    queue_config:\n      max_shard: 5\n',
    'config.yml:4: field "max_shard" not found in queue_config'],
  ['queue min_shards above max_shards', 'remote_write:\n  - url: http://a/w\n    queue_config:\n      min_shards: 10\n      max_shards: 5\n',
    'config.yml:4: remote_write[0].queue_config: min_shards (10) must not exceed max_shards (5)'],
  ['bad memory_budget', 'remote_write:\n  - url: http://a/w\n    memory_budget: lots\n',
    'config.yml:3: remote_write[0].memory_budget: invalid size "lots"'],
  ['remote_write url credentials next to an auth section', 'remote_write:\n  - url: http://u:p@a/w\n    bearer_token: t\n',
    'config.yml:2: remote_write[0].url: has credentials (user:password@) and an authorization or basic_auth section at once'],
  ['reserved remote_write header', 'remote_write:\n  - url: http://a/w\n    headers:\n      X-Tenant: a\n      Content-Type: text/plain\n',
    'config.yml:5: remote_write[0].headers.Content-Type: Content-Type is a reserved header. It must not be changed'],
  ['the sources section (removed)', 'sources:\n  - name: k\n    kind: kubelet\n',
    'config.yml:1: sources: the sources section was removed: every target is a scrape_configs job now (static_configs for the kubelet\'s /metrics and /metrics/cadvisor, kubelet_sd_configs for the pods of this node, see deploy/configmap.yaml); targets with the same URL and credentials share one request per interval on their own, and plugins name the jobs they read'],
  ['plugins.enabled does not compile', 'plugins:\n  enabled: "cpu|("\n',
    'config.yml:2: plugins.enabled: invalid regex "cpu|(": Unterminated group'],
  ['plugin settings not a mapping', 'plugins:\n  settings:\n    cpu: [1, 2]\n',
    'config.yml:3: plugins.settings.cpu: plugin settings must be a mapping'],
  ['duplicate key', 'global:\n  scrape_interval: 1s\nglobal:\n  scrape_interval: 2s\n',
    'config.yml:3: mapping key "global" already defined'],
  ['YAML syntax error', 'scrape_configs:\n  - job_name: "app\n',
    // yaml reports an unterminated quote where the input ends.
    'config.yml:3: yaml: Missing closing "quote'],
  ['merge key on a scalar', 'scrape_configs:\n  - job_name: a\n    <<: not-a-map\n',
    'config.yml:3: scrape_configs[0]: a merge key (<<) must refer to a mapping or a list of mappings'],
  ['document is a list', '- job_name: a\n',
    'config.yml:1: expected config (a mapping), got a sequence'],
];

describe('broken configurations', () => {
  test('the table is large enough to mean something', () => {
    expect(BROKEN.length).toBeGreaterThanOrEqual(25);
  });

  test.each(BROKEN)('%s', (_name, yaml, expected) => {
    const error = configError(yaml);
    expect(error).toBeInstanceOf(ScrapewireError);
    expect(error.code).toBe('ERR_CONFIG');
    expect(error.message.split('\n')[0]).toBe(expected);
    expect(error.problems.length).toBeGreaterThanOrEqual(1);
  });
});

describe('error reporting', () => {
  test('collects every problem, in file order, first one in the first line', () => {
    const error = configError([
      'remote_write:',                 // 1
      '  - url: ""',                   // 2
      'scrape_configs:',               // 3
      '  - job_name: a',               // 4
      '    scrape_interval: 1x',       // 5
      '    scheme: gopher',            // 6
      'global:',                       // 7
      '  scrape_intervall: 1s',        // 8
    ].join('\n'));
    expect(error.message.split('\n')).toEqual([
      'config.yml:2: remote_write[0].url: url for remote_write is empty',
      'config.yml:5: scrape_configs[0].scrape_interval: invalid duration "1x"',
      'config.yml:6: scrape_configs[0].scheme: invalid scheme "gopher", must be "http" or "https"',
      'config.yml:8: field "scrape_intervall" not found in global',
    ]);
    expect(error.problems.map((p) => p.line)).toEqual([2, 5, 6, 8]);
    expect(error.problems.every((p) => p.file === 'config.yml')).toBe(true);
  });

  test('a wrong type names the field path and what came instead', () => {
    const error = configError(job('    params:\n      module: {a: b}\n'));
    expect(error.message).toBe('config.yml:4: scrape_configs[0].params.module: expected a sequence, got a mapping');
  });
});
