/**
 * A target's limits enforced by its core while the body streams (src/scrape/scrape-limits.ts):
 * a hostile page served by a real loopback HTTP server fails its own scrape at the line that
 * passes a limit, the rest of the page is not read, nothing of that scrape is pushed, the last
 * good scrape's series get their staleness markers, and up=0 says why.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { compileRelabelConfigs } from '../../src/relabel/relabeler';
import { DEFAULT_TARGET_SERIES_LIMIT, targetCoreLimits } from '../../src/scrape/scrape-limits';
import { TargetScraper, type TargetSpec } from '../../src/scrape/target';
import { startHttpServer, type LoopbackServer } from './support/loopback-server';
import { DecodingSink, targetSpec, testMetrics } from './support/decoding-sink';

/** Serves `good` until `hostile` is set, then streams `hostile`'s lines (with backpressure); counts bytes written. */
class Page {
  hostile: (() => Generator<string>) | undefined;
  bytesWritten = 0;
  constructor(readonly good: string) {}

  serve(_req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    if (this.hostile === undefined) {
      res.end(this.good);
      return;
    }
    const lines = this.hostile();
    const pump = (): void => {
      for (;;) {
        let chunk = '';
        for (let next = lines.next(); !next.done; next = lines.next()) {
          chunk += next.value;
          if (chunk.length >= 65_536) break;
        }
        if (chunk === '') {
          res.end();
          return;
        }
        this.bytesWritten += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    res.on('error', () => undefined);
    pump();
  }
}

function* uniqueSeries(count: number): Generator<string> {
  for (let i = 0; i < count; i++) yield `hostile_series{pod="pod-${i}",container="c"} ${i}\n`;
}

describe('a target over a limit, enforced while its body streams', () => {
  let server: LoopbackServer;
  const pages = new Map<string, Page>();
  const scrapers: TargetScraper[] = [];

  beforeAll(async () => {
    server = await startHttpServer((req, res) => {
      const page = pages.get(new URL(req.url ?? '/', 'http://x').pathname);
      if (page === undefined) res.writeHead(404).end();
      else page.serve(req, res);
    });
  });
  afterAll(async () => {
    await Promise.all(scrapers.map((s) => s.stop()));
    await server.close();
  });

  function scraper(path: string, page: Page, overrides: Partial<TargetSpec>) {
    pages.set(path, page);
    const sink = new DecodingSink(true);
    const target = new TargetScraper(targetSpec(`${server.origin}${path}`, { http: { url: `${server.origin}${path}`, scrapeTimeoutMs: 20_000 }, ...overrides }), { sink, metrics: testMetrics() });
    scrapers.push(target);
    return { target, sink };
  }

  test('a page of 3 M unique series under sample_limit 10,000 fails at the limit, reads a few percent of the page, pushes only staleness and up=0', async () => {
    const page = new Page('good_a 1\ngood_b 2\n');
    const { target, sink } = scraper('/3m', page, { sampleLimit: 10_000 });
    expect((await target.scrape()).error).toBeUndefined();
    sink.clear();

    page.hostile = () => uniqueSeries(3_000_000);
    const outcome = await target.scrape();
    expect(outcome.error?.code).toBe('ERR_SAMPLE_LIMIT');
    expect(outcome.error?.message).toMatch(new RegExp(`^${server.origin}/3m: line \\d+, column 1: sample_limit exceeded \\(more than 10000 samples after relabeling, limit: 10000\\)$`));
    expect(outcome.error?.line).toBeLessThanOrEqual(10_000 + 256);
    expect(target.health).toBe('down');
    // The 3 M lines are ~140 MB: the scrape stopped reading within the first few MB.
    expect(page.bytesWritten).toBeLessThan(0.05 * 140e6);
    // Nothing of the failed scrape; the good scrape's series marked stale; the report series.
    expect(sink.of('hostile_series')).toEqual([]);
    expect(sink.stale().map((s) => s.labels.__name__).sort()).toEqual(['good_a', 'good_b']);
    expect(sink.of('up').map((s) => s.value)).toEqual([0]);

    // The target comes back when its page does (its two series still known, already marked stale).
    page.hostile = undefined;
    sink.clear();
    const next = await target.scrape();
    expect(next.error).toBeUndefined();
    expect(next.summary).toMatchObject({ samples: 2, newSeries: 0, staleSeries: 0 });
    expect(sink.of('up').map((s) => s.value)).toEqual([1]);
  });

  test('a line of 20,000 labels under label_limit fails at that line, before its labels are sorted', async () => {
    const labels = Array.from({ length: 20_000 }, (_, i) => `l${i}="v"`).join(',');
    const page = new Page(`ok 1\nwide{${labels}} 1\n`);
    const { target, sink } = scraper('/wide', page, { labelLimit: 64 });
    const outcome = await target.scrape();
    expect(outcome.error).toMatchObject({ code: 'ERR_LABEL_LIMIT', line: 2 });
    expect(outcome.error?.message).toContain('label_limit exceeded (more than 64 labels, limit: 64)');
    expect(sink.of('ok')).toEqual([]);
    expect(sink.of('up').map((s) => s.value)).toEqual([0]);
  });
});

describe('targetCoreLimits', () => {
  const spec = { sampleLimit: 100, labelLimit: 30, labelNameLengthLimit: 40, labelValueLengthLimit: 50 };

  test('passes sample_limit, the series cap and, without metric relabeling, the label limits to the core', () => {
    expect(targetCoreLimits(spec)).toEqual({
      sampleLimit: 100, seriesLimit: DEFAULT_TARGET_SERIES_LIMIT, labelLimit: 30, labelNameLengthLimit: 40, labelValueLengthLimit: 50,
    });
  });

  test('leaves the label limits to the resolver when metric relabeling may remove labels', () => {
    const metricRelabeler = compileRelabelConfigs([{ regex: 'big_.*', action: 'labeldrop' }]);
    expect(targetCoreLimits({ ...spec, metricRelabeler })).toEqual({ sampleLimit: 100, seriesLimit: DEFAULT_TARGET_SERIES_LIMIT });
  });
});
