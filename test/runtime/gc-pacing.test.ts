/**
 * GC pacing: a minor collection per step of scraped body, counted; off by default in the library,
 * on in the collector with --gc.pace-bytes; usable without --expose-gc.
 */
import { Core } from '../../src/core';
import { parseRunFlags } from '../../src/cli/run';
import { HttpScraper } from '../../src/scrape';
import { scrapeIntoCore } from '../../src/scrape/scrape-into-core';
import { countScrapedBytes, disableGcPacing, enableGcPacing, gcPacingStats } from '../../src/runtime/gc-pacing';
import { createSelfMetricsRegistry } from '../../src/server/self-metrics';
import { startHttpServer, type LoopbackServer } from '../scrape/support/loopback-server';

const MiB = 1024 * 1024;

afterEach(() => disableGcPacing());

test('off by default: scraped bytes run no collection', () => {
  const before = gcPacingStats().collections;
  countScrapedBytes(64 * MiB);
  expect(gcPacingStats()).toEqual({ everyBytes: 0, collections: before });
});

test('one minor collection per step of scraped bytes, whether or not node has --expose-gc', () => {
  enableGcPacing({ everyBytes: MiB });
  const before = gcPacingStats().collections;
  for (let i = 0; i < 56; i++) countScrapedBytes(64 * 1024); // 3.5 MiB
  expect(gcPacingStats()).toEqual({ everyBytes: MiB, collections: before + 3 });
  // Taking gc() from a fresh context leaves no `gc` global behind when node had none.
  if (!process.execArgv.includes('--expose-gc')) expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
});

test('a step of 0 turns pacing off; a negative one is refused', () => {
  enableGcPacing({ everyBytes: MiB });
  enableGcPacing({ everyBytes: 0 });
  expect(gcPacingStats().everyBytes).toBe(0);
  expect(() => enableGcPacing({ everyBytes: -1 })).toThrow(RangeError);
});

describe('scraping', () => {
  let server: LoopbackServer;
  const line = `big_metric{pod="p",container="c"} 1\n`;
  const lines = Math.ceil((3 * MiB) / line.length);
  beforeAll(async () => {
    server = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      const body = line.repeat(lines);
      res.end(body);
    });
  });
  afterAll(() => server.close());

  test('every body byte fed to a core counts toward the next collection', async () => {
    enableGcPacing({ everyBytes: MiB });
    const before = gcPacingStats().collections;
    const scraper = new HttpScraper({ url: `${server.origin}/metrics`, scrapeTimeoutMs: 10_000 });
    try {
      await scrapeIntoCore(scraper, Core.create(), { timestampMs: 1, honorTimestamps: true, onBodyBytes: countScrapedBytes });
    } finally {
      await scraper.close();
    }
    expect(gcPacingStats().collections - before).toBe(Math.floor((lines * line.length) / MiB));
  });
});

test('the collector paces at 4 MiB unless --gc.pace-bytes says otherwise', () => {
  expect(parseRunFlags([], {}).gcPaceBytes).toBe(4 * MiB);
  expect(parseRunFlags(['--gc.pace-bytes=16MiB'], {}).gcPaceBytes).toBe(16 * MiB);
  expect(parseRunFlags(['--gc.pace-bytes=0'], {}).gcPaceBytes).toBe(0);
  expect(() => parseRunFlags(['--gc.pace-bytes=lots'], {})).toThrow(/--gc.pace-bytes must be a size/);
});

test('the collections are a self-metric', async () => {
  enableGcPacing({ everyBytes: MiB });
  countScrapedBytes(2 * MiB);
  const text = await createSelfMetricsRegistry().metrics();
  expect(text).toMatch(new RegExp(`^scrapewire_gc_paced_collections_total ${gcPacingStats().collections}$`, 'm'));
});
