/**
 * A configuration written in code (src/config/document.ts): the same validator, defaults and
 * messages as a file, strings taken literally, and the collector telling a validated Config from
 * a document still to validate.
 */
import { configFromDocument, isValidatedConfig } from '../../src/config/document';
import { parseConfig } from '../../src/config/load';
import { Collector } from '../../src/collector/collector';

test('a document is validated and defaulted as the same YAML would be', () => {
  const document = {
    global: { scrape_interval: '15s', external_labels: { site: 'eu' } },
    scrape_configs: [{ job_name: 'app', static_configs: [{ targets: ['127.0.0.1:8080'] }], sample_limit: 100 }],
    remote_write: [{ url: 'http://127.0.0.1:8428/api/v1/write', disk_budget: '2GiB', queue_config: { max_samples_per_send: 500 } }],
  };
  const fromFile = parseConfig([
    'global: {scrape_interval: 15s, external_labels: {site: eu}}',
    'scrape_configs: [{job_name: app, static_configs: [{targets: ["127.0.0.1:8080"]}], sample_limit: 100}]',
    'remote_write: [{url: "http://127.0.0.1:8428/api/v1/write", disk_budget: 2GiB, queue_config: {max_samples_per_send: 500}}]',
  ].join('\n'), 'same.yml');
  const config = configFromDocument(document);
  expect(config).toEqual(fromFile);
  expect(config.remote_write[0].disk_budget).toBe(2 * 1024 ** 3);
  expect(isValidatedConfig(config)).toBe(true);
  expect(isValidatedConfig(document as never)).toBe(false);
});

test('problems name the field; several are reported at once', () => {
  expect(() => configFromDocument({
    scrape_configs: [{ job_name: 'app', scrape_interval: 'often' }],
    remote_write: [{ url: 'not a url' }],
  }, '<mine>')).toThrow(/^<mine>:\d+: scrape_configs\[0\]\.scrape_interval: .*"often".*\n<mine>:\d+: remote_write\[0\]\.url: invalid url "not a url"/);
  expect(() => configFromDocument({ remote_write: [{ url: 'http://x/', typo_field: 1 } as never] })).toThrow(/field "typo_field" not found/);
});

test('strings are literal: ${NAME} and %{NAME} are not read from the environment', () => {
  process.env.SCRAPEWIRE_DOCUMENT_TEST = 'expanded';
  try {
    const config = configFromDocument({
      global: { external_labels: { a: '${SCRAPEWIRE_DOCUMENT_TEST}', b: '%{SCRAPEWIRE_DOCUMENT_TEST}', c: '$${x}', d: 'cost $5' } },
      scrape_configs: [{ job_name: 'app', relabel_configs: [{ source_labels: ['__address__'], regex: '(?P<host>[^:]+):.*', target_label: 'host', replacement: '${host}' }] }],
    });
    expect(config.global.external_labels).toEqual({ a: '${SCRAPEWIRE_DOCUMENT_TEST}', b: '%{SCRAPEWIRE_DOCUMENT_TEST}', c: '$${x}', d: 'cost $5' });
    expect(config.scrape_configs[0].relabel_configs[0].replacement).toBe('${host}');
  } finally {
    delete process.env.SCRAPEWIRE_DOCUMENT_TEST;
  }
});

test('Collector.start takes a document and reports its problems as ERR_CONFIG naming CollectorOptions.config', async () => {
  await expect(Collector.start({ listen: false, config: { remote_write: [{ url: 'ftp://x/' }] } })).rejects.toMatchObject({
    code: 'ERR_CONFIG', message: expect.stringMatching(/^<CollectorOptions\.config>:\d+: remote_write\[0\]\.url: invalid url/),
  });
});
