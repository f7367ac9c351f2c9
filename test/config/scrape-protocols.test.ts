/**
 * scrape_protocols, fallback_scrape_protocol, metric_name_escaping_scheme and the histogram
 * switches as the loader reads them: Prometheus 3's names, defaults and inheritance from global,
 * and the refusals that say what scrapewire cannot do yet.
 */
import { ConfigError } from '../../src/config/errors';
import { parseConfig } from '../../src/config/load';
import { DEFAULT_SCRAPE_PROTOCOLS } from '../../src/config/scrape-protocols';
import type { Config } from '../../src/config/types';

function load(yaml: string): Config {
  return parseConfig(yaml, 'config.yml');
}

/** The problems of a refused configuration, one `file:line: message` per entry. */
function problems(yaml: string): string[] {
  try {
    load(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message.split('\n');
  }
  throw new Error('expected the configuration to be refused');
}

const job = (body: string, global = '') => `${global === '' ? '' : `global:\n${global}`}scrape_configs:\n  - job_name: app\n${body}`;

describe('scrape_protocols', () => {
  test('defaults to Prometheus 3\'s DefaultScrapeProtocols, PrometheusText1.0.0 included', () => {
    expect(DEFAULT_SCRAPE_PROTOCOLS).toEqual(['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4']);
    const config = load(job(''));
    expect(config.scrape_configs[0].scrape_protocols).toEqual(DEFAULT_SCRAPE_PROTOCOLS);
    expect(config.global.scrape_protocols).toBeUndefined();
    // A null value is "not set", as a nil slice is in Go.
    expect(load(job('    scrape_protocols:\n')).scrape_configs[0].scrape_protocols).toEqual(DEFAULT_SCRAPE_PROTOCOLS);
  });

  test('a job inherits global\'s list unless it sets its own', () => {
    const config = parseConfig([
      'global:',
      '  scrape_protocols: [PrometheusText0.0.4, OpenMetricsText1.0.0]',
      'scrape_configs:',
      '  - job_name: inherits',
      '  - job_name: own',
      '    scrape_protocols: [OpenMetricsText0.0.1]',
    ].join('\n'), 'config.yml');
    expect(config.global.scrape_protocols).toEqual(['PrometheusText0.0.4', 'OpenMetricsText1.0.0']);
    expect(config.scrape_configs.map((c) => c.scrape_protocols)).toEqual([
      ['PrometheusText0.0.4', 'OpenMetricsText1.0.0'],
      ['OpenMetricsText0.0.1'],
    ]);
  });

  test.each([
    ['an empty list', job('    scrape_protocols: []\n'),
      'config.yml:3: scrape_configs[0].scrape_protocols: cannot be empty'],
    ['an unknown name (names are case sensitive)', job('    scrape_protocols:\n      - OpenMetricsText1.0.0\n      - openmetricstext0.0.1\n'),
      'config.yml:5: scrape_configs[0].scrape_protocols[1]: unknown scrape protocol "openmetricstext0.0.1", supported: '
      + 'OpenMetricsText0.0.1, OpenMetricsText1.0.0, PrometheusProto, PrometheusText0.0.4, PrometheusText1.0.0'],
    ['a duplicate, compared without case as Prometheus does', job('    scrape_protocols: [PrometheusText0.0.4, prometheustext0.0.4]\n'),
      'config.yml:3: scrape_configs[0].scrape_protocols[1]: duplicated protocol "prometheustext0.0.4"'],
    ['a string instead of a list', job('    scrape_protocols: PrometheusText0.0.4\n'),
      'config.yml:3: scrape_configs[0].scrape_protocols: expected a sequence, got "PrometheusText0.0.4"'],
    ['a null item', job('    scrape_protocols: [PrometheusText0.0.4, ~]\n'),
      'config.yml:3: scrape_configs[0].scrape_protocols[1]: expected a scrape protocol, got null'],
  ])('refuses %s', (_name, yaml, message) => {
    expect(problems(yaml)[0]).toBe(message);
  });
});

test('PrometheusProto (the protobuf exposition) is accepted in a job, in global and as the fallback', () => {
  const config = load(job('    scrape_protocols: [PrometheusProto, OpenMetricsText1.0.0]\n    fallback_scrape_protocol: PrometheusProto\n'));
  expect(config.scrape_configs[0].scrape_protocols).toEqual(['PrometheusProto', 'OpenMetricsText1.0.0']);
  expect(config.scrape_configs[0].fallback_scrape_protocol).toBe('PrometheusProto');
  expect(load('global:\n  scrape_protocols:\n    - PrometheusProto\n').global.scrape_protocols).toEqual(['PrometheusProto']);
});

describe('fallback_scrape_protocol', () => {
  test('is absent unless set, and takes any protocol scrapewire parses', () => {
    expect(load(job('')).scrape_configs[0].fallback_scrape_protocol).toBeUndefined();
    expect(load(job('    fallback_scrape_protocol: PrometheusText0.0.4\n')).scrape_configs[0].fallback_scrape_protocol).toBe('PrometheusText0.0.4');
    expect(load(job('    fallback_scrape_protocol: OpenMetricsText1.0.0\n')).scrape_configs[0].fallback_scrape_protocol).toBe('OpenMetricsText1.0.0');
  });

  test('is per job only, as in Prometheus', () => {
    expect(problems('global:\n  fallback_scrape_protocol: PrometheusText0.0.4\n')[0])
      .toBe('config.yml:2: field "fallback_scrape_protocol" not found in global');
  });

  test.each([
    ['an unknown name', job('    fallback_scrape_protocol: text\n'),
      'config.yml:3: scrape_configs[0].fallback_scrape_protocol: unknown scrape protocol "text", supported: '
      + 'OpenMetricsText0.0.1, OpenMetricsText1.0.0, PrometheusProto, PrometheusText0.0.4, PrometheusText1.0.0'],
    ['scrape_fallback_protocol, a name scrapewire once listed by mistake', job('    scrape_fallback_protocol: PrometheusText0.0.4\n'),
      'config.yml:3: field "scrape_fallback_protocol" not found in scrape_config'],
  ])('refuses %s', (_name, yaml, message) => {
    expect(problems(yaml)[0]).toBe(message);
  });
});

describe('metric_name_escaping_scheme', () => {
  test('defaults to allow-utf-8; a job inherits global\'s', () => {
    expect(load(job('')).scrape_configs[0].metric_name_escaping_scheme).toBe('allow-utf-8');
    const config = load(job('', '  metric_name_escaping_scheme: underscores\n'));
    expect(config.global.metric_name_escaping_scheme).toBe('underscores');
    expect(config.scrape_configs[0].metric_name_escaping_scheme).toBe('underscores');
    expect(load(job('    metric_name_escaping_scheme: dots\n', '  metric_name_escaping_scheme: values\n')).scrape_configs[0]
      .metric_name_escaping_scheme).toBe('dots');
  });

  test('refuses an unknown scheme', () => {
    expect(problems(job('    metric_name_escaping_scheme: utf8\n'))[0]).toBe(
      'config.yml:3: scrape_configs[0].metric_name_escaping_scheme: unknown name escaping method "utf8", must be one of '
      + '\'allow-utf-8\', \'underscores\', \'dots\', \'values\'');
  });

  test('metric_name_validation_scheme stays refused: names are only ever checked as UTF-8', () => {
    expect(problems(job('    metric_name_validation_scheme: legacy\n'))[0])
      .toBe('config.yml:3: field "metric_name_validation_scheme" of scrape_config is not supported by scrapewire');
  });
});

describe('histogram switches', () => {
  test('always_scrape_classic_histograms is read, inherited from global, and spelled the Prometheus 2 way too', () => {
    expect(load(job('')).scrape_configs[0].always_scrape_classic_histograms).toBe(false);
    expect(load(job('', '  always_scrape_classic_histograms: true\n')).scrape_configs[0].always_scrape_classic_histograms).toBe(true);
    expect(load(job('    always_scrape_classic_histograms: false\n', '  always_scrape_classic_histograms: true\n'))
      .scrape_configs[0].always_scrape_classic_histograms).toBe(false);
    expect(load(job('    scrape_classic_histograms: true\n')).scrape_configs[0].always_scrape_classic_histograms).toBe(true);
  });

  test('scrape_native_histograms, inherited from global, puts PrometheusProto first in the default protocols only', () => {
    const config = load('global:\n  scrape_native_histograms: true\nscrape_configs:\n  - job_name: a\n  - job_name: b\n    scrape_native_histograms: false\n'
      + '  - job_name: c\n    scrape_protocols: [PrometheusText0.0.4]\n');
    expect(config.scrape_configs.map((j) => j.scrape_native_histograms)).toEqual([true, false, true]);
    expect(config.scrape_configs[0].scrape_protocols).toEqual(['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4']);
    expect(config.scrape_configs[1].scrape_protocols).toEqual([...DEFAULT_SCRAPE_PROTOCOLS]);
    expect(config.scrape_configs[2].scrape_protocols).toEqual(['PrometheusText0.0.4']);
  });

  test('created_timestamp_zero_ingestion is per job (scrapewire\'s own), puts PrometheusProto first in the default protocols only', () => {
    const config = load('scrape_configs:\n  - job_name: a\n    created_timestamp_zero_ingestion: true\n  - job_name: b\n'
      + '  - job_name: c\n    created_timestamp_zero_ingestion: true\n    scrape_protocols: [OpenMetricsText1.0.0]\n');
    expect(config.scrape_configs.map((j) => j.created_timestamp_zero_ingestion)).toEqual([true, undefined, true]);
    expect(config.scrape_configs[0].scrape_protocols).toEqual(['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4']);
    expect(config.scrape_configs[1].scrape_protocols).toEqual([...DEFAULT_SCRAPE_PROTOCOLS]);
    expect(config.scrape_configs[2].scrape_protocols).toEqual(['OpenMetricsText1.0.0']);
    expect(problems(job('    created_timestamp_zero_ingestion: maybe\n'))[0])
      .toBe('config.yml:3: scrape_configs[0].created_timestamp_zero_ingestion: invalid boolean "maybe"');
    expect(problems('global:\n  created_timestamp_zero_ingestion: true\n')[0]).toMatch(/created_timestamp_zero_ingestion/);
  });

  test('convert_classic_histograms_to_nhcb is read per job, inherited from global', () => {
    const config = load('global:\n  convert_classic_histograms_to_nhcb: true\nscrape_configs:\n  - job_name: a\n  - job_name: b\n    convert_classic_histograms_to_nhcb: false\n');
    expect(config.scrape_configs.map((j) => j.convert_classic_histograms_to_nhcb)).toEqual([true, false]);
  });

  test('native_histogram_bucket_limit and native_histogram_min_bucket_factor are read per job (0: none)', () => {
    const config = load(job('    native_histogram_bucket_limit: 160\n    native_histogram_min_bucket_factor: 1.1\n'));
    expect(config.scrape_configs[0]).toMatchObject({ native_histogram_bucket_limit: 160, native_histogram_min_bucket_factor: 1.1 });
    expect(load(job('    native_histogram_bucket_limit: 0\n')).scrape_configs[0].native_histogram_bucket_limit).toBeUndefined();
  });

  test('false is accepted for the switches that need native histograms in the core', () => {
    const config = load(job('    scrape_native_histograms: false\n    convert_classic_histograms_to_nhcb: false\n',
      '  scrape_native_histograms: false\n  convert_classic_histograms_to_nhcb: false\n'));
    expect(config.scrape_configs[0]).toMatchObject({ scrape_native_histograms: false, convert_classic_histograms_to_nhcb: false });
  });

  test.each([
    ['convert_classic_histograms_to_nhcb that is not a boolean', job('    convert_classic_histograms_to_nhcb: often\n'),
      'config.yml:3: scrape_configs[0].convert_classic_histograms_to_nhcb: invalid boolean "often"'],
    ['both names of one switch', job('    always_scrape_classic_histograms: true\n    scrape_classic_histograms: true\n'),
      'config.yml:4: scrape_configs[0].scrape_classic_histograms: set always_scrape_classic_histograms only: '
      + 'scrape_classic_histograms is its Prometheus 2 name'],
    ['a negative native_histogram_bucket_limit', job('    native_histogram_bucket_limit: -1\n'),
      'config.yml:3: scrape_configs[0].native_histogram_bucket_limit: invalid non-negative integer "-1"'],
    ['native_histogram_min_bucket_factor that is not a number', job('    native_histogram_min_bucket_factor: fast\n'),
      'config.yml:3: scrape_configs[0].native_histogram_min_bucket_factor: invalid number "fast"'],
  ])('refuses %s', (_name, yaml, message) => {
    expect(problems(yaml)[0]).toBe(message);
  });
});
