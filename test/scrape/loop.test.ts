/**
 * TargetScraper and ScrapeLoop against real loopback HTTP servers: outcomes (up=1/0 and why),
 * limits, staleness, target labels, and the schedule of several targets when one is slow.
 * Every request the sink gets is decoded with the official .proto files.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { compileRelabelConfigs } from '../../src/relabel/relabeler';
import { ScrapeLoop, nextSlot, scrapeOffset, scrapeOffsetSeed } from '../../src/scrape/scrape-loop';
import { scrapeMetrics } from '../../src/scrape/scrape-metrics';
import { mergeTargetLabels } from '../../src/scrape/series-labels';
import { TargetScraper, type TargetSpec } from '../../src/scrape/target';
import { startHttpServer, type LoopbackServer } from './support/loopback-server';
import { DecodingSink, targetSpec, testMetrics } from './support/decoding-sink';
import { ManualClock, waitFor } from './support/manual-clock';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

const text = (body: string): Route => (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
  res.end(body);
};

describe('TargetScraper', () => {
  let server: LoopbackServer;
  const routes = new Map<string, Route>();
  const scrapers: TargetScraper[] = [];
  let clockMs = 1_700_000_000_000;
  const now = () => clockMs;

  beforeAll(async () => {
    server = await startHttpServer((req, res) => {
      const route = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
      if (route === undefined) {
        res.writeHead(404);
        res.end();
      } else route(req, res);
    });
  });
  afterAll(async () => {
    await Promise.all(scrapers.map((s) => s.stop()));
    await server.close();
  });

  function scraper(path: string, overrides: Partial<TargetSpec> = {}, sink = new DecodingSink()) {
    const metrics = testMetrics();
    const target = new TargetScraper(targetSpec(`${server.origin}${path}`, overrides), { sink, metrics, now });
    scrapers.push(target);
    return { target, sink, metrics };
  }

  async function scrapeAt(target: TargetScraper, timestampMs: number) {
    clockMs = timestampMs;
    return target.scrape();
  }

  test('a good scrape: samples with target labels, up=1 and the report series at the scrape timestamp', async () => {
    routes.set('/good', text('# TYPE http_requests_total counter\nhttp_requests_total{code="200"} 7\nhttp_requests_total{code="500"} 1\ntemp 21.5\n'));
    const { target, sink } = scraper('/good', {}, new DecodingSink(true));
    const outcome = await scrapeAt(target, 1_000_000);
    expect(outcome.error).toBeUndefined();
    expect(target.health).toBe('up');
    const instance = new URL(server.origin).host;
    expect(sink.of('http_requests_total')).toEqual([
      { labels: { __name__: 'http_requests_total', code: '200', instance, job: 'test' }, value: 7, timestamp: 1_000_000 },
      { labels: { __name__: 'http_requests_total', code: '500', instance, job: 'test' }, value: 1, timestamp: 1_000_000 },
    ]);
    expect(sink.of('up')).toEqual([{ labels: { __name__: 'up', instance, job: 'test' }, value: 1, timestamp: 1_000_000 }]);
    expect(sink.of('scrape_samples_scraped')[0].value).toBe(3);
    expect(sink.of('scrape_samples_post_metric_relabeling')[0].value).toBe(3);
    expect(sink.of('scrape_series_added')[0].value).toBe(3);
    expect(sink.of('scrape_duration_seconds')).toHaveLength(1);
    // Every request of this target shares its shard key, so the queue keeps them in order.
    expect(new Set(sink.requests.map((r) => r.shardKey)).size).toBe(1);

    // Known series are not added again.
    sink.clear();
    await scrapeAt(target, 2_000_000);
    expect(sink.of('scrape_series_added')[0].value).toBe(0);
    expect(sink.of('temp', 2_000_000)).toHaveLength(1);
  });

  test.each([
    ['status 500', '/fail500', (_req: IncomingMessage, res: ServerResponse) => { res.writeHead(500); res.end('oops'); }, {}, 'ERR_HTTP_STATUS'],
    ['timeout', '/slow', (_req: IncomingMessage, res: ServerResponse) => { setTimeout(() => text('a 1\n')(_req, res), 1500); }, { http: { url: '', scrapeTimeoutMs: 200 } }, 'ERR_SCRAPE_TIMEOUT'],
    ['body over body_size_limit', '/big', text(`${'filler_metric 1\n'.repeat(10_000)}`), { http: { url: '', scrapeTimeoutMs: 2000, bodySizeLimitBytes: 4096 } }, 'ERR_BODY_SIZE_LIMIT'],
    ['sample_limit', '/many', text('a 1\nb 2\nc 3\n'), { sampleLimit: 2 }, 'ERR_SAMPLE_LIMIT'],
    ['label_limit', '/labels', text('a{x="1",y="2",z="3"} 1\n'), { labelLimit: 4 }, 'ERR_LABEL_LIMIT'],
    ['label_name_length_limit', '/names', text('a{very_long_label_name="1"} 1\n'), { labelNameLengthLimit: 10 }, 'ERR_LABEL_NAME_LENGTH_LIMIT'],
    ['label_value_length_limit', '/values', text('a{x="a value longer than ten"} 1\n'), { labelValueLengthLimit: 10 }, 'ERR_LABEL_VALUE_LENGTH_LIMIT'],
  ] as const)('%s fails the scrape: up=0, nothing of it pushed, the error names the target', async (_name, path, route, overrides, code) => {
    routes.set(path, route);
    const spec = { ...overrides } as Partial<TargetSpec>;
    if (spec.http !== undefined) spec.http = { ...spec.http, url: `${server.origin}${path}` };
    const { target, sink, metrics } = scraper(path, spec);
    const outcome = await scrapeAt(target, 5_000_000);
    expect(outcome.error?.code).toBe(code);
    expect(outcome.error?.message).toContain(`${server.origin}${path}`);
    expect(target.health).toBe('down');
    const names = new Set(sink.samples.map((s) => s.labels.__name__));
    expect([...names].sort()).toEqual(['scrape_duration_seconds', 'scrape_samples_post_metric_relabeling', 'scrape_samples_scraped', 'scrape_series_added', 'up']);
    expect(sink.of('up')[0].value).toBe(0);
    expect((await metrics.scrapes.get()).values.find((v) => v.labels.result === code)?.value).toBe(1);
  });

  test('a series over a label limit is checked again by the next scrape (forgotten, not remembered as dropped)', async () => {
    routes.set('/limit-again', text('ok 1\nbad{a="1",b="2",c="3"} 1\n'));
    const { target, sink } = scraper('/limit-again', { labelLimit: 4 });
    expect((await scrapeAt(target, 6_000_000)).error?.code).toBe('ERR_LABEL_LIMIT');
    expect((await scrapeAt(target, 6_001_000)).error?.code).toBe('ERR_LABEL_LIMIT');
    expect(sink.of('ok')).toHaveLength(0);
    // Once the page is fixed, the scrape succeeds and the good series flows.
    routes.set('/limit-again', text('ok 1\n'));
    expect((await scrapeAt(target, 6_002_000)).error).toBeUndefined();
    expect(sink.of('ok', 6_002_000)).toHaveLength(1);
  });

  test('sample_limit counts samples after metric relabeling', async () => {
    routes.set('/relabeled', text('keep_a 1\nkeep_b 2\ndrop_c 3\ndrop_d 4\n'));
    const metricRelabeler = compileRelabelConfigs([{ source_labels: ['__name__'], regex: 'drop_.*', action: 'drop' }]);
    const { target, sink } = scraper('/relabeled', { sampleLimit: 2, metricRelabeler });
    const outcome = await scrapeAt(target, 7_000_000);
    expect(outcome.error).toBeUndefined();
    expect(sink.of('scrape_samples_scraped')[0].value).toBe(4);
    expect(sink.of('scrape_samples_post_metric_relabeling')[0].value).toBe(2);
    expect(sink.samples.filter((s) => s.labels.__name__.startsWith('drop_'))).toHaveLength(0);
  });

  test('garbage halfway through a 50 MB page: the scrape fails naming the target, line and reason, nothing of it is pushed', async () => {
    // 50 MB streamed in 64 KiB writes: 400,000 lines of ~125 bytes, the bad one at line 200,001.
    const line = (i: number) => `big_series_total{pod="pod-${i % 5000}",container="c-${i % 7}",id="/kubepods/burstable/pod${i}"} ${i}\n`;
    routes.set('/big-garbage', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      let i = 0;
      const write = () => {
        while (i < 400_000) {
          let chunk = '';
          while (chunk.length < 65_536 && i < 400_000) {
            chunk += i === 200_000 ? 'big_series_total{pod="x" 1\n' : line(i);
            i++;
          }
          if (!res.write(chunk)) {
            res.once('drain', write);
            return;
          }
        }
        res.end();
      };
      write();
    });
    const { target, sink } = scraper('/big-garbage', { http: { url: `${server.origin}/big-garbage`, scrapeTimeoutMs: 60_000 } });
    const outcome = await scrapeAt(target, 9_000_000);
    expect(outcome.error?.code).toBe('ERR_PARSE');
    expect(outcome.error?.line).toBe(200_001);
    expect(outcome.error?.message).toContain(`${server.origin}/big-garbage`);
    expect(outcome.error?.message).toContain('line 200001, column 26: expected "," or "}" after label value');
    expect(sink.samples.filter((s) => s.labels.__name__ === 'big_series_total')).toHaveLength(0);
    expect(sink.of('up')[0].value).toBe(0);
  });

  test('garbage halfway through a large page fails the scrape (on_parse_error: fail), the last good series go stale once', async () => {
    const good = Array.from({ length: 5000 }, (_, i) => `series_${i}{shard="${i % 7}"} ${i}\n`).join('');
    let page = good;
    routes.set('/garbage', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      // Written in pieces so the body arrives as many chunks and the bad line is mid-stream.
      const pieces = page.match(/[\s\S]{1,16384}/g) ?? [];
      for (const piece of pieces) res.write(piece);
      res.end();
    });
    const { target, sink } = scraper('/garbage');
    expect((await scrapeAt(target, 8_000_000)).error).toBeUndefined();
    expect(sink.samples.filter((s) => s.labels.__name__.startsWith('series_'))).toHaveLength(5000);

    sink.clear();
    page = good.slice(0, good.length / 2) + 'this is {not a sample\n' + good.slice(good.length / 2);
    const failed = await scrapeAt(target, 8_001_000);
    expect(failed.error?.code).toBe('ERR_PARSE');
    expect(failed.error?.line).toBeGreaterThan(1);
    // No sample of the failed scrape; one staleness marker per series of the last good one.
    expect(sink.samples.filter((s) => s.labels.__name__.startsWith('series_') && !Number.isNaN(s.value))).toHaveLength(0);
    const stale = sink.stale(8_001_000).filter((s) => s.labels.__name__.startsWith('series_'));
    expect(stale).toHaveLength(5000);
    expect(new Set(stale.map((s) => s.labels.__name__)).size).toBe(5000);
    expect(sink.of('up')[0].value).toBe(0);

    // Failing again: nothing left to mark.
    sink.clear();
    expect((await scrapeAt(target, 8_002_000)).error?.code).toBe('ERR_PARSE');
    expect(sink.stale()).toHaveLength(0);

    // Recovering: the series come back without a new resolution (still interned).
    sink.clear();
    page = good;
    const back = await scrapeAt(target, 8_003_000);
    expect(back.error).toBeUndefined();
    expect(sink.of('series_42', 8_003_000)).toHaveLength(1);
  });

  test('on_parse_error: skip keeps the good lines and counts the bad ones', async () => {
    routes.set('/skip', text('good_a 1\nthis is {not a sample\ngood_b 2\nanother bad line here\n'));
    const { target, sink, metrics } = scraper('/skip', { onParseError: 'skip' });
    const outcome = await scrapeAt(target, 9_000_000);
    expect(outcome.error).toBeUndefined();
    expect(outcome.summary?.skippedLines).toBe(2);
    expect(sink.of('good_a')).toHaveLength(1);
    expect(sink.of('good_b')).toHaveLength(1);
    expect(sink.of('up')[0].value).toBe(1);
    expect((await metrics.skippedLines.get()).values[0].value).toBe(2);
  });

  test('a series that disappears gets exactly one staleness marker, at the next scrape timestamp', async () => {
    let page = 'stays 1\ngoes{id="x"} 2\n';
    routes.set('/churn', (req, res) => text(page)(req, res));
    const { target, sink } = scraper('/churn');
    await scrapeAt(target, 10_000_000);
    page = 'stays 1\n';
    await scrapeAt(target, 10_001_000);
    await scrapeAt(target, 10_002_000);
    const markers = sink.stale();
    expect(markers).toHaveLength(1);
    expect(markers[0].labels).toMatchObject({ __name__: 'goes', id: 'x', job: 'test' });
    expect(markers[0].timestamp).toBe(10_001_000);
    expect(sink.of('stays').map((s) => s.timestamp)).toEqual([10_000_000, 10_001_000, 10_002_000]);
  });

  test('honor_timestamps: false replaces the samples\' own timestamps with the scrape\'s', async () => {
    routes.set('/ts', text('with_ts 1 1234567\n'));
    const honoring = scraper('/ts', {});
    await scrapeAt(honoring.target, 11_000_000);
    expect(honoring.sink.of('with_ts')[0].timestamp).toBe(1234567);
    const ignoring = scraper('/ts', { honorTimestamps: false });
    await scrapeAt(ignoring.target, 11_000_000);
    expect(ignoring.sink.of('with_ts')[0].timestamp).toBe(11_000_000);
  });

  test('honor_labels and the exported_ rule', async () => {
    routes.set('/clash', text('m{job="scraped",instance="i0",exported_job="taken",env="prod"} 1\n'));
    const targetLabels: TargetSpec['labels'] = [['env', ''], ['instance', 'target:80'], ['job', 'test'], ['zone', 'z1']];
    const plain = scraper('/clash', { labels: targetLabels });
    await scrapeAt(plain.target, 12_000_000);
    expect(plain.sink.of('m')[0].labels).toEqual({
      __name__: 'm', job: 'test', instance: 'target:80', zone: 'z1',
      exported_job: 'taken', exported_exported_job: 'scraped', exported_instance: 'i0', exported_env: 'prod',
    });
    const honoring = scraper('/clash', { labels: targetLabels, honorLabels: true });
    await scrapeAt(honoring.target, 12_000_000);
    expect(honoring.sink.of('m')[0].labels).toEqual({
      __name__: 'm', job: 'scraped', instance: 'i0', exported_job: 'taken', env: 'prod', zone: 'z1',
    });
  });

  test('stop(): every series of the target, report series included, gets one staleness marker', async () => {
    routes.set('/gone', text('a 1\nb 2\n'));
    const { target, sink } = scraper('/gone');
    await scrapeAt(target, 13_000_000);
    sink.clear();
    clockMs = 13_000_500;
    await target.stop();
    const stale = sink.stale(13_000_500).map((s) => s.labels.__name__).sort();
    expect(stale).toEqual(['a', 'b', 'scrape_duration_seconds', 'scrape_samples_post_metric_relabeling', 'scrape_samples_scraped', 'scrape_series_added', 'up']);
    expect(sink.samples).toHaveLength(stale.length);
    await target.stop();
    expect(sink.samples).toHaveLength(stale.length);
    await expect(target.scrape()).rejects.toMatchObject({ code: 'ERR_USAGE' });
  });
});

describe('mergeTargetLabels', () => {
  test.each([
    ['no clash', [['a', '1']], [['job', 'j']], false, { a: '1', job: 'j' }],
    ['clash, not honored', [['job', 'x']], [['job', 'j']], false, { job: 'j', exported_job: 'x' }],
    ['clash, honored', [['job', 'x']], [['job', 'j']], true, { job: 'x' }],
    ['exported_ taken', [['job', 'x'], ['exported_job', 'y']], [['job', 'j']], false, { job: 'j', exported_job: 'y', exported_exported_job: 'x' }],
    ['empty target value removes the scraped one', [['env', 'p']], [['env', '']], false, { exported_env: 'p' }],
    ['empty target value, honored', [['env', 'p']], [['env', '']], true, { env: 'p' }],
    ['shorter names exported first', [['ab', '2'], ['a', '1'], ['exported_a', '0']], [['a', 't'], ['ab', 't']], false,
      { a: 't', ab: 't', exported_a: '0', exported_exported_a: '1', exported_ab: '2' }],
  ] as const)('%s', (_name, scraped, target, honor, expected) => {
    const merged = mergeTargetLabels(scraped as never, target as never, honor);
    expect(Object.fromEntries(merged)).toEqual(expected);
    const names = merged.map(([name]) => name);
    expect(names).toEqual([...names].sort());
  });
});

describe('schedule', () => {
  test('offsets spread targets within the interval and ticks land on their phase', () => {
    const offsets = Array.from({ length: 200 }, (_, i) => scrapeOffset(`job\u0000http://10.0.0.${i}:9100/metrics`, 1000));
    for (const offset of offsets) expect(offset).toBeGreaterThanOrEqual(0);
    for (const offset of offsets) expect(offset).toBeLessThan(1000);
    expect(new Set(offsets.map((o) => Math.floor(o / 100))).size).toBeGreaterThanOrEqual(8);
    expect(scrapeOffset('same', 1000)).toBe(scrapeOffset('same', 1000));
    expect(nextSlot(10_250, 1000, 300)).toBe(10_300);
    expect(nextSlot(10_300, 1000, 300)).toBe(11_300);
    expect(nextSlot(10_350, 1000, 300)).toBe(11_300);
  });

  test('the collector\'s seed (host name and external labels, as Prometheus\'s jitter seed) moves every phase; the same seed keeps it', () => {
    const keys = Array.from({ length: 200 }, (_, i) => `job\u0000http://10.0.0.${i}:9100/metrics`);
    const a = scrapeOffsetSeed('node-a', { cluster: 'eu', replica: '0' });
    const b = scrapeOffsetSeed('node-a', { replica: '1', cluster: 'eu' });
    expect(a).toBe('node-a{cluster="eu", replica="0"}');
    expect(scrapeOffsetSeed('node-a', { replica: '0', cluster: 'eu' })).toBe(a);
    const moved = keys.filter((key) => scrapeOffset(key, 1000, a) !== scrapeOffset(key, 1000, b));
    expect(moved.length).toBeGreaterThan(190);
    for (const key of keys) expect(scrapeOffset(key, 1000, a)).toBe(scrapeOffset(key, 1000, a));
  });

  test('a slow target skips ticks (counted) while the other targets keep their schedule', async () => {
    const scrapes = new Map<string, number>();
    let slowInFlight = 0;
    let slowOverlap = false;
    const server = await startHttpServer((req, res) => {
      const path = req.url ?? '';
      scrapes.set(path, (scrapes.get(path) ?? 0) + 1);
      if (path === '/slow') {
        slowInFlight++;
        if (slowInFlight > 1) slowOverlap = true;
        setTimeout(() => { slowInFlight--; text('slow 1\n')(req, res); }, 450);
      } else text('fast 1\n')(req, res);
    });
    const registry = new Registry();
    const sink = new DecodingSink();
    const loop = new ScrapeLoop({ sink, registry });
    const spec = (path: string): TargetSpec => targetSpec(`${server.origin}${path}`, {
      intervalMs: 100,
      http: { url: `${server.origin}${path}`, scrapeTimeoutMs: 2000 },
    });
    await loop.sync([spec('/fast1'), spec('/fast2'), spec('/slow')]);
    expect(loop.targets()).toHaveLength(3);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await loop.stop();
    await server.close();

    const fast1 = scrapes.get('/fast1') ?? 0;
    const fast2 = scrapes.get('/fast2') ?? 0;
    const slow = scrapes.get('/slow') ?? 0;
    // ~15 ticks each; bounds are loose on purpose (a loaded machine), the contrast is what matters.
    expect(fast1).toBeGreaterThanOrEqual(8);
    expect(fast2).toBeGreaterThanOrEqual(8);
    expect(slow).toBeGreaterThanOrEqual(1);
    expect(slow).toBeLessThanOrEqual(5);
    expect(slowOverlap).toBe(false);
    const skipped = (await scrapeMetrics(registry).skippedTicks.get()).values.reduce((sum, v) => sum + v.value, 0);
    expect(skipped).toBeGreaterThanOrEqual(fast1 - slow - 4);
    // Stopping marked every target's up series stale.
    expect(sink.stale().filter((s) => s.labels.__name__ === 'up')).toHaveLength(3);
  });

  test('maxConcurrentFetches: at most that many requests at once; a waiting tick starts when a slot frees, each later tick of a waiting target is skipped and counted', async () => {
    const held: ServerResponse[] = [];
    let requests = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const server = await startHttpServer((_req, res) => {
      requests++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.once('finish', () => { inFlight--; });
      held.push(res);
    });
    const release = (): void => { for (const res of held.splice(0)) text('held 1\n')(undefined as unknown as IncomingMessage, res); };
    const registry = new Registry();
    const clock = new ManualClock();
    const loop = new ScrapeLoop({ sink: new DecodingSink(), registry, clock, maxConcurrentFetches: 2 });
    const skipped = async (): Promise<number> => (await scrapeMetrics(registry).skippedTicks.get()).values.reduce((sum, v) => sum + v.value, 0);
    try {
      await loop.sync([0, 1, 2, 3, 4].map((i) => targetSpec(`${server.origin}/t${i}`, { intervalMs: 1000, http: { url: `${server.origin}/t${i}`, scrapeTimeoutMs: 30_000 } })));
      clock.advance(1000);
      await waitFor(() => requests === 2, 'two requests');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(requests).toBe(2);
      // Each release lets the waiting ticks in, two at a time, within the same interval.
      for (const total of [4, 5]) {
        release();
        await waitFor(() => requests === total, `${total} requests`);
      }
      release();
      await waitFor(() => inFlight === 0 && loop.targets().every((t) => !t.busy), 'every scrape done');
      expect(await skipped()).toBe(0);

      // Two held, three waiting: the next round's five ticks are all skipped (two still running,
      // three still waiting), and the three waiting ones then run once each, not twice.
      clock.advance(1000);
      await waitFor(() => requests === 7, 'seven requests');
      clock.advance(1000);
      expect(await skipped()).toBe(5);
      for (const total of [9, 10]) {
        release();
        await waitFor(() => requests === total, `${total} requests`);
      }
      release();
      await waitFor(() => inFlight === 0 && loop.targets().every((t) => !t.busy), 'every scrape done');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(requests).toBe(10);
      expect(maxInFlight).toBe(2);
    } finally {
      release();
      await loop.stop();
      await server.close();
    }
  });

  test('a timer that fires before its slot does not scrape the slot twice', async () => {
    let requests = 0;
    const server = await startHttpServer((req, res) => { requests++; text('x 1\n')(req, res); });
    const registry = new Registry();
    // Every timer fires 30 ms early by the wall clock (node's timers run on the monotonic clock
    // and do fire a millisecond or two early; 30 ms makes it happen on every tick).
    const earlyClock = {
      now: () => Date.now(),
      setTimeout: (callback: () => void, delayMs: number) => setTimeout(callback, Math.max(0, delayMs - 30)),
      clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
    };
    const skipped = async () => (await scrapeMetrics(registry).skippedTicks.get()).values.reduce((sum, v) => sum + v.value, 0);
    // The first scrape (a new connection, a new core) may outlast a slot on a loaded machine, and
    // a page received is not cut at the timeout: the ticks it skips are not this test's subject.
    let skippedByFirst: Promise<number> | undefined;
    const loop = new ScrapeLoop({ sink: new DecodingSink(), registry, clock: earlyClock, onScrape: () => { skippedByFirst ??= skipped(); } });
    await loop.sync([targetSpec(`${server.origin}/m`, { intervalMs: 100, http: { url: `${server.origin}/m`, scrapeTimeoutMs: 100 } })]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await loop.stop();
    await server.close();
    // About 10 slots in a second; scraping each slot twice made it about 20, with skipped ticks.
    expect(requests).toBeLessThanOrEqual(12);
    expect(skippedByFirst).toBeDefined();
    expect(await skipped()).toBe(await skippedByFirst);
  });

  test('how late each tick starts after its slot is recorded (scrapewire_scrape_tick_delay_seconds)', async () => {
    const server = await startHttpServer(text('x 1\n'));
    const registry = new Registry();
    // Every timer fires 250 ms after it was due, as on an event loop busy for 250 ms.
    class LateClock extends ManualClock {
      override setTimeout(callback: () => void, delayMs: number): unknown {
        return super.setTimeout(callback, delayMs + 250);
      }
    }
    const clock = new LateClock();
    const loop = new ScrapeLoop({ sink: new DecodingSink(), registry, clock });
    await loop.sync([targetSpec(`${server.origin}/m`, { intervalMs: 1000, http: { url: `${server.origin}/m`, scrapeTimeoutMs: 1000 } })]);
    try {
      for (let tick = 1; tick <= 3; tick++) {
        // The first slot is within an interval of now, whatever the target's phase; 250 ms later it fires.
        clock.advance(tick === 1 ? 1250 : 1000);
        await waitFor(async () => (await scrapeMetrics(registry).scrapes.get()).values.reduce((sum, v) => sum + v.value, 0) === tick, `tick ${tick}`);
      }
    } finally {
      await loop.stop();
      await server.close();
    }
    const delay = (await scrapeMetrics(registry).tickDelay.get()).values;
    const count = delay.find((v) => v.metricName === 'scrapewire_scrape_tick_delay_seconds_count')!.value;
    const sum = delay.find((v) => v.metricName === 'scrapewire_scrape_tick_delay_seconds_sum')!.value;
    expect(count).toBe(3);
    expect(sum / count).toBeCloseTo(0.25, 3);
    // Nothing within 100 ms, everything within 250 ms.
    expect(delay.find((v) => v.labels.le === 0.1)!.value).toBe(0);
    expect(delay.find((v) => v.labels.le === 0.25)!.value).toBe(3);
  });

  test('sync() of hundreds of new targets lets the event loop run between slices of them', async () => {
    const loop = new ScrapeLoop({ sink: new DecodingSink(), clock: new ManualClock() });
    const specs = Array.from({ length: 400 }, (_, i) => targetSpec(`http://127.0.0.1:1/t${i}`, { intervalMs: 10_000 }));
    // Each starting target builds WebAssembly instances; the loop yields every few ms of that.
    const seenBetween: number[] = [];
    const watch = setInterval(() => seenBetween.push(loop.targets().length), 0);
    try {
      await loop.sync(specs);
    } finally {
      clearInterval(watch);
    }
    expect(loop.targets()).toHaveLength(400);
    expect(seenBetween.some((started) => started > 0 && started < 400)).toBe(true);
    await loop.stop();
  });

  test('sync() starts new targets, stops vanished ones with staleness markers, leaves the rest', async () => {
    const server = await startHttpServer(text('x 1\n'));
    const sink = new DecodingSink();
    const loop = new ScrapeLoop({ sink });
    const spec = (path: string) => targetSpec(`${server.origin}${path}`, { intervalMs: 100, http: { url: `${server.origin}${path}`, scrapeTimeoutMs: 100 } });
    await loop.sync([spec('/a'), spec('/b')]);
    const [first] = loop.targets();
    await new Promise((resolve) => setTimeout(resolve, 350));
    await loop.sync([spec('/a')]);
    expect(loop.targets()).toEqual([first]);
    const staleUp = sink.stale().filter((s) => s.labels.__name__ === 'up');
    expect(staleUp).toHaveLength(1);
    expect(staleUp[0].labels.instance).toBe(new URL(server.origin).host);
    await loop.stop();
    await server.close();
  });
});
