/**
 * ScrapeCache against a real loopback server that counts requests: one request per source per
 * interval whatever the number of consumers, everyone reading the same snapshot.
 */
import { ScrapewireError } from '../../src/core/errors';
import { HttpScraper } from '../../src/scrape/http-scraper';
import { ScrapeCache, type CachedScrape } from '../../src/sources/scrape-cache';
import { startHttpServer, type LoopbackServer } from '../scrape/support/loopback-server';

const PAGE = 'node_load1 0.5\nnode_load5{cpu="0"} 1\nnode_load5{cpu="1"} 2\n';

describe('ScrapeCache', () => {
  let server: LoopbackServer;
  let status = 200;
  let delayMs = 0;
  let cache: ScrapeCache;

  beforeAll(async () => {
    server = await startHttpServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(status === 200 ? PAGE : 'boom');
      }, delayMs);
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    status = 200;
    delayMs = 0;
    cache = new ScrapeCache();
    cache.add({ name: 'node', scraper: new HttpScraper({ url: `${server.origin}/metrics`, scrapeTimeoutMs: 2000 }) });
  });
  afterEach(() => cache.close());

  /** What a consumer reads: the snapshot's values, right after the await. */
  function read(scrape: CachedScrape): number[] {
    return [...scrape.core.snapshot().values];
  }

  test('concurrent callers of one interval share one request and one snapshot', async () => {
    delayMs = 100;
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => cache.get('node', 1000)));
    expect(server.requests).toHaveLength(1);
    for (const result of results) expect(result).toBe(results[0]);
    expect(read(results[0])).toEqual([0.5, 1, 2]);
    expect(results[0].summary.samples).toBe(3);
    // Settled results are served to late callers of the same interval, and older intervals never refetch.
    await cache.get('node', 1000);
    await cache.get('node', 0);
    expect(server.requests).toHaveLength(1);
    const next = await cache.get('node', 2000);
    expect(server.requests).toHaveLength(2);
    expect(results[0].isCurrent()).toBe(false);
    expect(next.isCurrent()).toBe(true);
  });

  test('a newer interval asked for during a fetch waits for it, then fetches once', async () => {
    delayMs = 150;
    const first = cache.get('node', 1000);
    const second = cache.get('node', 2000);
    const secondAgain = cache.get('node', 2000);
    expect(secondAgain).toBe(second);
    const [a, b] = await Promise.all([first, second]);
    expect(a.intervalStart).toBe(1000);
    expect(b.intervalStart).toBe(2000);
    expect(server.requests).toHaveLength(2);
  });

  test('a failed scrape is shared by every caller of its interval and names the target', async () => {
    status = 500;
    const calls = [cache.get('node', 1000), cache.get('node', 1000)];
    const errors = await Promise.all(calls.map((call) => call.then(() => undefined, (err: unknown) => err)));
    expect(errors[0]).toBeInstanceOf(ScrapewireError);
    expect(errors[1]).toBe(errors[0]);
    expect((errors[0] as ScrapewireError).code).toBe('ERR_HTTP_STATUS');
    expect((errors[0] as ScrapewireError).message).toContain(`${server.origin}/metrics`);
    await expect(cache.get('node', 1000)).rejects.toBe(errors[0]);
    expect(server.requests).toHaveLength(1);
    status = 200;
    expect(read(await cache.get('node', 2000))).toEqual([0.5, 1, 2]);
  });

  test('an unknown source is a usage error', async () => {
    await expect(cache.get('nope', 0)).rejects.toMatchObject({ code: 'ERR_USAGE' });
  });

  test('five consumers on a 1 s interval for ~4 s make one request per interval', async () => {
    delayMs = 120; // long enough that consumers arrive while the fetch is in flight
    const intervalMs = 1000;
    const seen: Array<{ consumer: number; intervalStart: number; timestampMs: number; values: number[] }> = [];
    const timers: NodeJS.Timeout[] = [];
    const pending: Promise<void>[] = [];
    const consume = (consumer: number) => {
      const intervalStart = Math.floor(Date.now() / intervalMs) * intervalMs;
      pending.push(cache.get('node', intervalStart).then((scrape) => {
        seen.push({ consumer, intervalStart: scrape.intervalStart, timestampMs: scrape.timestampMs, values: read(scrape) });
      }));
    };
    for (let consumer = 0; consumer < 5; consumer++) {
      // Each consumer ticks at its own phase within the second, like plugins with their own timers.
      const start = setTimeout(() => {
        consume(consumer);
        timers.push(setInterval(() => consume(consumer), intervalMs));
      }, consumer * 40);
      timers.push(start);
    }
    await new Promise((resolve) => setTimeout(resolve, 4200));
    for (const timer of timers) clearInterval(timer);
    await Promise.all(pending);

    const intervals = new Set(seen.map((entry) => entry.intervalStart));
    expect(seen.length).toBeGreaterThanOrEqual(15);
    expect(intervals.size).toBeGreaterThanOrEqual(3);
    expect(server.requests).toHaveLength(intervals.size);
    expect(cache.requestCount('node')).toBe(intervals.size);
    // Everyone in one interval read the same scrape.
    for (const interval of intervals) {
      const readers = seen.filter((entry) => entry.intervalStart === interval);
      expect(new Set(readers.map((entry) => entry.timestampMs)).size).toBe(1);
      for (const reader of readers) expect(reader.values).toEqual([0.5, 1, 2]);
    }
  });
});
