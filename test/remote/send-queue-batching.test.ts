/**
 * Batching keeps every sample: 100 real targets (TargetScraper over loopback HTTP: a page, its
 * report series, metadata) scraped five times into one RemoteWriter whose batches carry many
 * targets each, delivered to a real VictoriaMetrics; what it stored is counted series by series
 * and compared exactly with what was scraped.
 */
import { Registry } from 'prom-client';
import { RemoteWriter } from '../../src/remote';
import { TargetScraper } from '../../src/scrape/target';
import { VictoriaMetrics } from '../helpers/receivers';
import { startHttpServer, type LoopbackServer } from '../scrape/support/loopback-server';
import { targetSpec, testMetrics } from '../scrape/support/decoding-sink';
import { endpoints, metricValue } from './producer';

const TARGETS = 100;
const ROUNDS = 5;
const SERIES_PER_PAGE = 30;
const REPORT_SERIES = 5;
const BASE_TS = Date.now() - 60 * 60 * 1000;

function page(target: number, round: number): string {
  const lines = ['# HELP batch_value A value per target.', '# TYPE batch_value gauge'];
  for (let s = 0; s < SERIES_PER_PAGE; s++) lines.push(`batch_value{series="${s}",target="${target}"} ${round * 1000 + s}`);
  return `${lines.join('\n')}\n`;
}

describe('batching into VictoriaMetrics', () => {
  const vm = new VictoriaMetrics();
  let server: LoopbackServer;
  let round = 0;
  beforeAll(async () => {
    await vm.start();
    server = await startHttpServer((req, res) => {
      const target = Number(/\/t\/(\d+)/.exec(req.url ?? '')?.[1]);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(page(target, round));
    });
  });
  afterAll(async () => {
    await server.close();
    await vm.destroy();
  });

  it('stores every sample of every target exactly once, in fewer requests than scrapes', async () => {
    const registry = new Registry();
    const writer = new RemoteWriter({
      registry,
      endpoints: endpoints({ url: vm.writeUrl, name: 'vm', queue_config: { max_samples_per_send: 500, batch_send_deadline: '100ms', max_shards: 4 } }),
    });
    const metrics = testMetrics();
    const scrapers = Array.from({ length: TARGETS }, (_, t) => new TargetScraper(
      targetSpec(`${server.origin}/t/${t}`, { job: 'batch', labels: [['instance', `target-${t}`], ['job', 'batch']] }),
      { sink: writer, metrics, now: () => BASE_TS + round * 15_000, maxSamplesPerRequest: 500, metadataIntervalMs: 60_000 },
    ));
    try {
      let samplesWritten = 0;
      for (round = 0; round < ROUNDS; round++) {
        for (const scraper of scrapers) {
          const outcome = await scraper.scrape();
          expect(outcome.error).toBeUndefined();
          samplesWritten += outcome.samplesWritten;
        }
      }
      await writer.whenIdle();
      expect(samplesWritten).toBe(TARGETS * ROUNDS * (SERIES_PER_PAGE + REPORT_SERIES));
      expect(await metricValue(registry, 'scrapewire_remote_write_samples_sent_total', { endpoint: 'vm' })).toBe(samplesWritten);
      expect(await metricValue(registry, 'scrapewire_remote_write_samples_dropped_total', { endpoint: 'vm' })).toBe(0);
      // Batched: 1,000 scrapes (page + report series each) went out in far fewer requests.
      const requests = await metricValue(registry, 'scrapewire_remote_write_requests_sent_total', { endpoint: 'vm' });
      expect(requests).toBeLessThan(TARGETS * ROUNDS / 5);

      const stored = await vm.exportSeries('{job="batch"}');
      expect(stored).toHaveLength(TARGETS * (SERIES_PER_PAGE + REPORT_SERIES));
      const expectedStamps = Array.from({ length: ROUNDS }, (_, r) => BASE_TS + r * 15_000);
      for (const series of stored) {
        expect({ series: series.metric, timestamps: series.timestamps }).toEqual({ series: series.metric, timestamps: expectedStamps });
        if (series.metric.__name__ === 'batch_value') {
          const s = Number(series.metric.series);
          expect(series.values).toEqual(expectedStamps.map((_, r) => r * 1000 + s));
        }
      }
      const total = stored.reduce((sum, series) => sum + series.values.length, 0);
      expect(total).toBe(samplesWritten);
    } finally {
      for (const scraper of scrapers) await scraper.stop({ markStale: false });
      await writer.close(1000);
    }
  });
});
