/**
 * In-process targets (src/scrape/local-source.ts): a prom-client registry or a function of this
 * process as a target whose fetch is a call, through the one pipeline. First LocalScraper alone
 * (what a source may return, its failures and the timeout), then targets of a ScrapeManager:
 * job/instance labels, relabeling, limits, report series, staleness, one call per interval for
 * every job reading the same source.
 */
import { Readable } from 'node:stream';
import { Counter, Gauge, Registry } from 'prom-client';
import { withLocalTargets } from '../../src/collector/collector';
import { parseConfig } from '../../src/config/load';
import { Core } from '../../src/core/core';
import { ScrapewireError } from '../../src/errors';
import { LocalScraper, LocalSources, type LocalSource } from '../../src/scrape/local-source';
import { ScrapeManager } from '../../src/scrape/scrape-manager';
import { TargetScraper } from '../../src/scrape/target';
import { scrapeMetrics } from '../../src/scrape/scrape-metrics';
import { scrapeIntoCore } from '../../src/scrape/scrape-into-core';
import { encodePage, PROTOBUF_CONTENT_TYPE } from '../support/client-model';
import { DecodingSink } from './support/decoding-sink';
import { ManualClock, waitFor } from './support/manual-clock';

const PAGE = '# TYPE jobs gauge\njobs{queue="mail"} 3\njobs{queue="sms"} 4\n';

function scraperOf(source: LocalSource, options: { url?: string; timeoutMs?: number } = {}): LocalScraper {
  return new LocalScraper({ url: options.url ?? 'local://app/metrics', scrapeTimeoutMs: options.timeoutMs ?? 1000 }, new LocalSources().register('app', source));
}

/** Scrapes `source` once into a fresh core: the samples' values by series, or the error. */
async function scrapeOnce(source: LocalSource, timeoutMs = 1000): Promise<{ values?: Record<string, number>; format?: string; error?: ScrapewireError }> {
  const core = Core.create();
  try {
    const { format } = await scrapeIntoCore(scraperOf(source, { timeoutMs }), core, { timestampMs: 1000, honorTimestamps: true });
    const values: Record<string, number> = {};
    const snapshot = core.snapshot();
    snapshot.refs.forEach((ref, i) => { values[core.labelsOf(ref).map(([n, v]) => `${n}=${v}`).join(',')] = snapshot.values[i]; });
    return { values, format };
  } catch (err) {
    return { error: err as ScrapewireError };
  }
}

describe('LocalScraper: what a source may return', () => {
  const expected = { '__name__=jobs,queue=mail': 3, '__name__=jobs,queue=sms': 4 };

  test.each<[string, LocalSource]>([
    ['a string', () => PAGE],
    ['a promise of bytes', async () => Buffer.from(PAGE)],
    ['an array of chunks split mid-line', () => [PAGE.slice(0, 20), Buffer.from(PAGE.slice(20))]],
    ['an async generator', async function* () { for (const line of PAGE.split(/(?<=\n)/)) yield line; }],
    ['a Node Readable', () => Readable.from([Buffer.from(PAGE.slice(0, 7)), Buffer.from(PAGE.slice(7))])],
    ['a web ReadableStream', () => new Blob([PAGE]).stream()],
  ])('%s', async (_what, source) => {
    expect(await scrapeOnce(source)).toEqual({ values: expected, format: 'text' });
  });

  test('a prom-client registry, in the format its contentType names (text, then OpenMetrics)', async () => {
    const registry = new Registry() as Registry<typeof Registry.PROMETHEUS_CONTENT_TYPE | typeof Registry.OPENMETRICS_CONTENT_TYPE>;
    new Gauge({ name: 'jobs', help: 'Jobs queued.', labelNames: ['queue'], registers: [registry as Registry] }).set({ queue: 'mail' }, 3);
    expect(await scrapeOnce(registry)).toEqual({ values: { '__name__=jobs,queue=mail': 3 }, format: 'text' });
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    expect(await scrapeOnce(registry)).toEqual({ values: { '__name__=jobs,queue=mail': 3 }, format: 'openmetrics' });
  });

  test('{ body, contentType } selects OpenMetrics as a Content-Type does', async () => {
    const result = await scrapeOnce(() => ({ body: '# TYPE jobs counter\njobs_total 1\n# EOF\n', contentType: 'application/openmetrics-text; version=1.0.0' }));
    expect(result).toEqual({ values: { '__name__=jobs_total': 1 }, format: 'openmetrics' });
  });

  test('a protobuf content type is read by the protobuf parser (a text body under it fails at its bytes); an unknown one is read as text', async () => {
    const families = [{ name: 'jobs', type: 'GAUGE' as const, metric: [
      { label: [{ name: 'queue', value: 'mail' }], gauge: { value: 3 } },
      { label: [{ name: 'queue', value: 'sms' }], gauge: { value: 4 } },
    ] }];
    expect(await scrapeOnce(() => ({ body: encodePage(families), contentType: PROTOBUF_CONTENT_TYPE }))).toEqual({ values: expected, format: 'protobuf' });
    const mislabelled = await scrapeOnce(() => ({ body: PAGE, contentType: PROTOBUF_CONTENT_TYPE }));
    expect(mislabelled.error?.code).toBe('ERR_PARSE');
    expect(await scrapeOnce(() => ({ body: PAGE, contentType: 'application/x-whatever' }))).toEqual({ values: expected, format: 'text' });
  });

  test('a body longer than a chunk is handed over in 64 KiB pieces, without a copy', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `big{i="${i}"} ${i}\n`).join('');
    const scraper = scraperOf(() => lines);
    const response = await scraper.scrape();
    const sizes: number[] = [];
    for await (const chunk of response.body) sizes.push(chunk.length);
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBe(64 * 1024);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(Buffer.byteLength(lines));
    expect(response.bytesRead()).toBe(Buffer.byteLength(lines));
  });

  test('failures are ScrapewireErrors naming the target: a throw, a rejection, a bad value, a bad chunk, no such source', async () => {
    const failures = await Promise.all([
      scrapeOnce(() => { throw new Error('registry broken'); }),
      scrapeOnce(async () => { throw new Error('async broken'); }),
      scrapeOnce((() => 42) as unknown as LocalSource),
      scrapeOnce((() => [PAGE, 7]) as unknown as LocalSource),
      scrapeOnce(async function* () { yield PAGE; throw new Error('stream broke'); }),
    ]);
    expect(failures.map(({ error }) => [error?.code, error?.target, error?.detail])).toEqual([
      ['ERR_LOCAL_SOURCE', 'local://app/metrics', 'the in-process source failed: registry broken'],
      ['ERR_LOCAL_SOURCE', 'local://app/metrics', 'the in-process source failed: async broken'],
      ['ERR_LOCAL_SOURCE', 'local://app/metrics', 'the in-process source returned a number, not exposition text'],
      ['ERR_LOCAL_SOURCE', 'local://app/metrics', 'the in-process source yielded a number, not a string or bytes'],
      ['ERR_LOCAL_SOURCE', 'local://app/metrics', 'reading the in-process source failed: stream broke'],
    ]);
    const missing = new LocalScraper({ url: 'local://nobody/metrics', scrapeTimeoutMs: 1000 }, new LocalSources());
    await expect(missing.scrape()).rejects.toMatchObject({ code: 'ERR_LOCAL_SOURCE', detail: 'no in-process source is registered as "nobody"' });
  });

  test('the scrape timeout covers the call and the body; the source is told through its signal', async () => {
    let signalled: unknown;
    const hanging = await scrapeOnce(({ signal }) => new Promise<string>(() => {
      signal.addEventListener('abort', () => { signalled = signal.reason; });
    }), 100);
    expect(hanging.error).toMatchObject({ code: 'ERR_SCRAPE_TIMEOUT', target: 'local://app/metrics' });
    expect(signalled).toBeInstanceOf(ScrapewireError);
    let returned = false;
    const stalled = await scrapeOnce(() => ({
      [Symbol.asyncIterator]: () => ({
        next: () => (returned ? Promise.resolve({ done: true, value: undefined }) : new Promise<IteratorResult<string>>(() => undefined)),
        return: () => { returned = true; return Promise.resolve({ done: true, value: undefined }); },
      }),
    }), 100);
    expect(stalled.error).toMatchObject({ code: 'ERR_SCRAPE_TIMEOUT' });
    // The stream given up is told to stop.
    expect(returned).toBe(true);
  });

  test('names are checked when registered', () => {
    const sources = new LocalSources();
    expect(() => sources.register('a/b', () => '')).toThrow(/in-process target name "a\/b"/);
    expect(() => sources.register('app', {} as LocalSource)).toThrow(/must be a function or have metrics\(\) and contentType/);
    const source = (): string => '';
    sources.register('app', source).register('app', source);
    expect(() => sources.register('app', () => '')).toThrow(/already taken/);
  });
});

describe('in-process targets in the scrape pipeline', () => {
  test('scraped on their job\'s interval with its labels, relabeling and limits, one call per interval for every job reading them', async () => {
    const registry = new Registry();
    const orders = new Counter({ name: 'shop_orders_total', help: 'Orders.', labelNames: ['kind'], registers: [registry] });
    orders.inc({ kind: 'web' }, 5);
    orders.inc({ kind: 'internal' }, 1);
    let calls = 0;
    const counted: LocalSource = { contentType: registry.contentType, metrics: () => { calls++; return registry.metrics(); } };
    const config = withLocalTargets(parseConfig([
      'global: {scrape_interval: 10s, scrape_timeout: 5s, external_labels: {site: eu}}',
      'scrape_configs:',
      '  - job_name: shop',
      '    metric_relabel_configs: [{source_labels: [kind], regex: internal, action: drop}]',
      '  - job_name: audit',
      '    sample_limit: 1',
    ].join('\n'), 'local.yml'), [
      { job: 'shop', source: counted, name: 'shop-app', labels: { team: 'orders' } },
      { job: 'audit', source: counted, name: 'shop-app' },
      // A job the configuration does not have: made with the global defaults.
      { job: 'extra', source: () => 'extra_value 1\n' },
    ]);
    expect(config.scrape_configs.map((job) => [job.job_name, job.scrape_interval])).toEqual([['shop', 10_000], ['audit', 10_000], ['extra', 10_000]]);

    const sources = new LocalSources();
    sources.register('shop-app', counted).register('extra', () => 'extra_value 1\n');
    const clock = new ManualClock();
    const sink = new DecodingSink();
    const metricsRegistry = new Registry();
    const manager = new ScrapeManager({ config, sink, registry: metricsRegistry, clock, localSources: sources });
    await manager.start();
    try {
      await waitFor(() => manager.targets().length === 3, 'three targets');
      expect(manager.targets().map((t) => [t.spec.job, t.target]).sort()).toEqual([
        ['audit', 'local://shop-app/metrics'], ['extra', 'local://extra/metrics'], ['shop', 'local://shop-app/metrics'],
      ]);
      // The two jobs reading one source are one fetch group.
      expect(manager.loop.fetchGroups().map((group) => group.targets.length).sort()).toEqual([1, 2]);
      clock.advance(10_000);
      const scrapes = async (): Promise<number> => (await scrapeMetrics(metricsRegistry).scrapes.get()).values.reduce((sum, v) => sum + v.value, 0);
      await waitFor(async () => (await scrapes()) === 3, 'one scrape of each target');
      expect(calls).toBe(1);

      const shop = sink.of('shop_orders_total');
      expect(shop.map((s) => s.labels)).toEqual([
        { __name__: 'shop_orders_total', instance: 'shop-app', job: 'shop', kind: 'web', site: 'eu', team: 'orders' },
      ]);
      expect(shop[0].value).toBe(5);
      // Report series of each target; the audit job over its sample_limit is down with the limit's error.
      const up = Object.fromEntries(sink.of('up').map((s) => [s.labels.job, s.value]));
      expect(up).toEqual({ shop: 1, audit: 0, extra: 1 });
      const audit = manager.targets().find((t) => t.spec.job === 'audit')!;
      expect(audit.lastError?.code).toBe('ERR_SAMPLE_LIMIT');
      expect(sink.of('extra_value').map((s) => s.labels)).toEqual([{ __name__: 'extra_value', instance: 'extra', job: 'extra', site: 'eu' }]);

      // A source that starts failing: up 0 and a staleness marker for each of its series.
      const before = sink.samples.length;
      (counted as { metrics: () => unknown }).metrics = () => { calls++; throw new Error('registry unavailable'); };
      clock.advance(10_000);
      await waitFor(async () => (await scrapes()) === 6, 'a second scrape of each target');
      expect(calls).toBe(2);
      const after = sink.samples.slice(before);
      const shopAfter = after.filter((s) => s.labels.job === 'shop');
      expect(shopAfter.find((s) => s.labels.__name__ === 'up')?.value).toBe(0);
      const stale = shopAfter.find((s) => s.labels.__name__ === 'shop_orders_total');
      expect(stale !== undefined && Number.isNaN(stale.value)).toBe(true);
      expect(manager.targets().find((t) => t.spec.job === 'shop')!.lastError).toMatchObject({ code: 'ERR_LOCAL_SOURCE', target: 'local://shop-app/metrics' });
    } finally {
      await manager.stop();
    }
  });
});

test('TargetScraper.scrape({ signal }): a standalone scrape given up by its caller fails with up 0, not waiting for the timeout', async () => {
  const sources = new LocalSources().register('slow', () => new Promise<string>(() => undefined));
  const sink = new DecodingSink();
  const target = new TargetScraper({
    job: 'slow', labels: [['instance', 'slow'], ['job', 'slow']], intervalMs: 60_000,
    http: { url: 'local://slow/metrics', scrapeTimeoutMs: 60_000 },
    honorLabels: false, honorTimestamps: true, onParseError: 'fail',
    sampleLimit: 0, labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 0,
  }, { sink, metrics: scrapeMetrics(new Registry()), localSources: sources });
  const controller = new AbortController();
  const outcome = target.scrape({ signal: controller.signal });
  setTimeout(() => controller.abort(new Error('caller gave up')), 50);
  const result = await outcome;
  expect(result.error?.message).toContain('caller gave up');
  expect(target.health).toBe('down');
  expect(sink.of('up').map((s) => s.value)).toEqual([0]);
  await target.stop();
});
