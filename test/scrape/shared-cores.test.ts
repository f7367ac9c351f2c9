/**
 * Targets whose cores share one instance (TargetScraperOptions.corePool, src/core/core-pool.ts),
 * delivered to a real VictoriaMetrics: a hostile target (too many series for its sample_limit,
 * then a page that breaks in the middle) never touches the other target's series, and a target
 * that goes away gives its memory back to the pool.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CorePool } from '../../src/core/core-pool';
import { createRemoteWriter } from '../../src/remote';
import type { RemoteWriter } from '../../src/remote/remote-writer';
import { TargetScraper } from '../../src/scrape/target';
import { VictoriaMetrics } from '../helpers/receivers';
import { targetSpec, testMetrics } from './support/decoding-sink';
import { startHttpServer, type LoopbackServer } from './support/loopback-server';

const GOOD_SERIES = 300;

function goodPage(scrape: number): string {
  let text = '# TYPE app_requests_total counter\n';
  for (let i = 0; i < GOOD_SERIES; i++) text += `app_requests_total{path="/p/${i % 17}",shard="${i}"} ${scrape * 1000 + i}\n`;
  return text;
}

function hostilePage(scrape: number): string {
  let text = '';
  // Every scrape 20,000 series never seen before, with long values: a label explosion.
  for (let i = 0; i < 20_000; i++) text += `boom{id="${scrape}-${i}",pad="${'z'.repeat(120)}"} 1\n`;
  // The last scrape also breaks in the middle.
  if (scrape === 3) text = text.slice(0, 50_000) + 'this is { not a line\n' + text.slice(50_000);
  return text;
}

describe('targets on shared cores', () => {
  let vm: VictoriaMetrics;
  let server: LoopbackServer;
  let scrapeNumber = 0;
  let storage: string;
  let writer: RemoteWriter;

  beforeAll(async () => {
    vm = await new VictoriaMetrics().start();
    server = await startHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(req.url === '/good' ? goodPage(scrapeNumber) : hostilePage(scrapeNumber));
    });
    storage = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-shared-cores-'));
    writer = createRemoteWriter({ endpoints: [{ url: vm.writeUrl, name: 'vm' }], storageDir: storage });
  }, 30_000);

  afterAll(async () => {
    await writer?.close(5_000);
    await server?.close();
    await vm?.destroy();
    fs.rmSync(storage, { recursive: true, force: true });
  });

  it('delivers every sample of the good target while the hostile one fails, and frees the hostile one', async () => {
    const pool = new CorePool();
    const metrics = testMetrics();
    let now = 1_700_000_000_000;
    const clock = () => now;
    const host = new URL(server.origin).host;
    const good = new TargetScraper(targetSpec(`${server.origin}/good`, { job: 'good', labels: [['instance', host], ['job', 'good']] }), { sink: writer, metrics, now: clock, corePool: pool });
    const hostile = new TargetScraper(targetSpec(`${server.origin}/hostile`, { job: 'hostile', labels: [['instance', host], ['job', 'hostile']], sampleLimit: 5_000 }), { sink: writer, metrics, now: clock, corePool: pool });
    expect(pool.stats()).toMatchObject({ instances: 1, contexts: 2 });

    for (scrapeNumber = 1; scrapeNumber <= 3; scrapeNumber++) {
      now += 1000;
      // Both in flight at once: their bodies arrive chunk by chunk, in turn, into one instance.
      const [g, h] = await Promise.all([good.scrape(), hostile.scrape()]);
      expect(g.error).toBeUndefined();
      expect(h.error?.code).toBe(scrapeNumber === 3 ? 'ERR_PARSE' : 'ERR_SAMPLE_LIMIT');
    }
    expect(pool.stats()).toMatchObject({ instances: 1, contexts: 2, contextsTrapped: 0 });
    await writer.flush();

    // Every good sample, as scraped, at its scrape's timestamp.
    const series = await vm.exportSeries('{job="good",__name__="app_requests_total"}');
    expect(series).toHaveLength(GOOD_SERIES);
    for (const s of series) {
      const shard = Number(s.metric.shard);
      expect(s.values).toEqual([1, 2, 3].map((n) => n * 1000 + shard));
      expect(s.timestamps).toEqual([1, 2, 3].map((n) => 1_700_000_000_000 + n * 1000));
    }
    const [goodUp] = await vm.exportSeries('up{job="good"}');
    expect(goodUp.values).toEqual([1, 1, 1]);
    const [hostileUp] = await vm.exportSeries('up{job="hostile"}');
    expect(hostileUp.values).toEqual([0, 0, 0]);
    expect(await vm.exportSeries('{__name__="boom"}')).toEqual([]);

    // The hostile target goes away: its memory goes back to the pool, the good one scrapes on.
    const hostileHeap = hostile.scrapedCore.memoryStats().heapBytes;
    const freeBefore = pool.stats().poolFreeBytes;
    await hostile.stop();
    expect(pool.stats().contexts).toBe(1);
    expect(pool.stats().poolFreeBytes).toBe(freeBefore + hostileHeap);
    scrapeNumber = 4;
    now += 1000;
    expect((await good.scrape()).error).toBeUndefined();
    await good.stop();
    expect(pool.stats().contexts).toBe(0);
    await writer.flush();
    const after = await vm.exportSeries('{job="good",__name__="app_requests_total",shard="7"}');
    // Four samples, then the staleness marker of stop() (VictoriaMetrics exports it as null).
    expect(after[0].values).toEqual([1007, 2007, 3007, 4007, null]);
  }, 60_000);
});
