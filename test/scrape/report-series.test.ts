/**
 * Report series (up, scrape_*) written by the target's own core, after its page's samples and in
 * its requests (src/scrape/report-series.ts, Core.setReportSeries, assembly/report.ts): one core
 * per target, with the semantics the second core had.
 */
import { Core } from '../../src/core/core';
import { TargetScraper } from '../../src/scrape/target';
import { REPORT_SERIES_NAMES, reportSeriesLabels } from '../../src/scrape/report-series';
import { DecodingSink, targetSpec, testMetrics } from './support/decoding-sink';
import { startHttpServer, type LoopbackServer } from './support/loopback-server';
import { decodeRw1 } from '../helpers/remote-write-proto';

const encoder = new TextEncoder();

describe('report series in the target core', () => {
  let server: LoopbackServer;
  let page = '';
  let status = 200;
  beforeAll(async () => {
    server = await startHttpServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(page);
    });
  });
  afterAll(() => server.close());

  it('travel in the page request, with the target labels winning over the page own up', async () => {
    // honor_labels: the page's own `up{job="page"}` keeps its job; the report's up has the target's.
    page = 'up{job="page"} 7\nscrape_duration_seconds 99\nother 1\n';
    status = 200;
    const sink = new DecodingSink(true);
    const target = new TargetScraper(targetSpec(`${server.origin}/metrics`, { honorLabels: true }), { sink, metrics: testMetrics() });
    try {
      const outcome = await target.scrape();
      expect(outcome.error).toBeUndefined();
      expect(sink.requests).toHaveLength(1); // page and report series in one request
      expect(outcome.samplesWritten).toBe(3 + 5);
      const ups = sink.of('up').map((s) => [s.labels.job, s.value]).sort();
      expect(ups).toEqual([['page', 7], ['test', 1]]);
      const durations = sink.of('scrape_duration_seconds');
      expect(durations).toHaveLength(2);
      expect(durations.filter((s) => s.value === 99)).toHaveLength(1); // the page's is untouched
      expect(sink.of('scrape_samples_scraped')[0].value).toBe(3);
      expect(sink.of('scrape_series_added')[0].value).toBe(3);
      // The report's samples are not the page's: a reader of the core's snapshot (plugins) sees 3.
      expect(target.scrapedCore.snapshot().refs.length).toBe(3);
    } finally {
      await target.stop({ markStale: false });
    }
  });

  it('are written with up=0 when the scrape fails, never stale, and go stale with the target', async () => {
    page = 'a 1\nb 2\n';
    status = 200;
    const sink = new DecodingSink();
    let now = 1_000_000;
    const target = new TargetScraper(targetSpec(`${server.origin}/metrics`), { sink, metrics: testMetrics(), now: () => now });
    await target.scrape();
    expect(sink.of('up', 1_000_000).map((s) => s.value)).toEqual([1]);

    status = 500;
    now = 1_001_000;
    const failed = await target.scrape();
    expect(failed.error?.code).toBe('ERR_HTTP_STATUS');
    // The page's series stale, the report series written.
    expect(sink.stale(1_001_000).map((s) => s.labels.__name__).sort()).toEqual(['a', 'b']);
    expect(sink.of('up', 1_001_000).map((s) => s.value)).toEqual([0]);
    expect(sink.of('scrape_samples_scraped', 1_001_000).map((s) => s.value)).toEqual([0]);

    // Ten failed scrapes more (past the core's eviction age): the report series stay.
    for (let i = 2; i < 12; i++) {
      now = 1_000_000 + i * 1000;
      await target.scrape();
      expect(sink.of('up', now).map((s) => s.value)).toEqual([0]);
    }
    status = 200;
    now = 1_020_000;
    await target.scrape();
    expect(sink.of('up', now).map((s) => s.value)).toEqual([1]);

    now = 1_021_000;
    await target.stop();
    const stale = sink.stale(1_021_000).map((s) => s.labels.__name__).sort();
    expect(stale).toEqual(['a', 'b', ...REPORT_SERIES_NAMES].sort());
    for (const sample of sink.stale(1_021_000)) expect(sample.labels.instance).toBe(new URL(server.origin).host);
  });

  it('survive a rebuild of the core: kept, not stale, still not reachable from the page', () => {
    const core = Core.create();
    core.setReportSeries(reportSeriesLabels([['instance', 'i:1'], ['job', 'j']]));
    const scrape = (text: string, ts: number, values: number[]) => {
      core.begin({ format: 'text', timestampMs: ts });
      core.feed(encoder.encode(text));
      core.finish();
      core.appendReport(values);
    };
    const encoded = () => {
      const samples: Array<[string, number]> = [];
      core.encode('prometheus.WriteRequest', {}, (body) => {
        for (const series of decodeRw1(body).timeseries) {
          const name = series.labels.find((l: { name: string }) => l.name === '__name__')!.value;
          for (const sample of series.samples) samples.push([name, sample.value]);
        }
      });
      return samples.sort();
    };
    scrape('x 1\ny 2\n', 1000, [1, 0.5, 2, 2, 2]);
    expect(encoded()).toEqual([['scrape_duration_seconds', 0.5], ['scrape_samples_post_metric_relabeling', 2],
      ['scrape_samples_scraped', 2], ['scrape_series_added', 2], ['up', 1], ['x', 1], ['y', 2]]);
    core.rebuild();
    // The rebuilt core still has the last scrape, report samples included, and the snapshot is the page's.
    expect(encoded()).toHaveLength(7);
    expect(core.snapshot().refs.length).toBe(2);
    // The next scrape: y went away (stale), the report series did not.
    scrape('x 3\n', 2000, [1, 0.25, 1, 1, 0]);
    const samples = encoded();
    expect(samples.filter(([, v]) => Number.isNaN(v)).map(([n]) => n)).toEqual(['y']);
    expect(samples.filter(([n]) => n === 'up')).toEqual([['up', 1]]);
    // 5 report series and x: the page's y was evicted or is stale, nothing was duplicated.
    expect(core.memoryStats().series).toBeLessThanOrEqual(7);
  });

  it('write relabeling that drops a report series leaves it out', () => {
    const labels = reportSeriesLabels([['instance', 'i:1'], ['job', 'j']], [['cluster', 'c']], undefined);
    expect(labels).toHaveLength(5);
    expect(labels[0]).toEqual([['__name__', 'up'], ['cluster', 'c'], ['instance', 'i:1'], ['job', 'j']]);
    const core = Core.create();
    core.setReportSeries([labels[0], null, null, null, null]);
    core.begin({ format: 'text', timestampMs: 5 });
    core.finish();
    expect(core.appendReport([1, 2, 3, 4, 5])).toBe(1);
    let samples = 0;
    core.encode('prometheus.WriteRequest', {}, (_body, n) => { samples += n; });
    expect(samples).toBe(1);
  });
});
