/**
 * The scrape timeout bounds the fetch (the request and receiving the body), as Prometheus's
 * does: a page whose last byte has arrived finishes its processing (parsing, the scrape's end)
 * even when the event loop is held past the timeout meanwhile; a body still arriving at the
 * timeout fails with ERR_SCRAPE_TIMEOUT. The loop is held with a busy wait at a chosen point of
 * the scrape (never a timing assertion: each test asserts what the scrape's outcome is).
 */
import { gzipSync } from 'node:zlib';
import { TargetScraper } from '../../src/scrape/target';
import { DecodingSink, targetSpec, testMetrics } from './support/decoding-sink';
import { startHttpServer, type LoopbackServer } from './support/loopback-server';

const TIMEOUT_MS = 100;

/** Holds the event loop for `ms` (what an overloaded loop does to a scrape). */
function holdLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* busy */ }
}

function page(series: number): string {
  const lines = ['# TYPE m gauge'];
  for (let i = 0; i < series; i++) lines.push(`m{i="${i}"} ${i}`);
  return `${lines.join('\n')}\n`;
}

const SMALL = page(500); // ~8 KB: arrives with its headers
const TWO_PARTS = page(2000); // ~34 KB, sent in two writes with a pause between

let server: LoopbackServer;
let holdOnce: (() => void) | undefined;

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    const gzip = req.url!.includes('gzip');
    const body = req.url!.includes('small') ? SMALL : TWO_PARTS;
    const bytes = gzip ? gzipSync(body) : Buffer.from(body);
    const headers: Record<string, string | number> = { 'content-type': 'text/plain; version=0.0.4', 'content-length': bytes.length };
    if (gzip) headers['content-encoding'] = 'gzip';
    res.writeHead(200, headers);
    if (req.url!.includes('small')) { res.end(bytes); return; }
    if (req.url!.includes('trickle')) {
      // Never ends: a byte every 20 ms.
      res.write(bytes.subarray(0, 1000));
      let at = 1000;
      const timer = setInterval(() => { if (at < bytes.length - 1) res.write(bytes.subarray(at, ++at)); }, 20);
      res.on('close', () => clearInterval(timer));
      return;
    }
    const half = bytes.length >> 1;
    res.write(bytes.subarray(0, half));
    setTimeout(() => res.end(bytes.subarray(half)), 10);
  });
});

afterAll(async () => {
  await server.close();
});

function scraper(path: string, sink: DecodingSink): TargetScraper {
  return new TargetScraper(targetSpec(`${server.origin}${path}`, { http: { url: `${server.origin}${path}`, scrapeTimeoutMs: TIMEOUT_MS } }), {
    sink,
    metrics: testMetrics(),
    sliceMs: 0,
    onBodyBytes: () => { const hold = holdOnce; holdOnce = undefined; hold?.(); },
  });
}

describe.each(['/small', '/small-gzip', '/parts', '/parts-gzip'])('a page received whole (%s)', (path) => {
  it('succeeds when the loop is held past the timeout while its first chunk is parsed', async () => {
    const sink = new DecodingSink(true);
    const target = scraper(path, sink);
    holdOnce = () => holdLoop(TIMEOUT_MS * 3);
    const outcome = await target.scrape();
    await target.stop({ markStale: false });
    expect(outcome.error?.code).toBeUndefined();
  });

  it('succeeds when the loop is held past the timeout while its end is handed to the sink', async () => {
    const sink = new DecodingSink(true);
    const target = scraper(path, sink);
    const write = sink.write.bind(sink);
    let held = false;
    sink.write = (request) => { if (!held) { held = true; holdLoop(TIMEOUT_MS * 3); } write(request); };
    const outcome = await target.scrape();
    await target.stop({ markStale: false });
    expect(outcome.error?.code).toBeUndefined();
  });
});

describe('the timeout still bounds the fetch', () => {
  it('reports the whole scrape as its duration, the held processing included', async () => {
    const sink = new DecodingSink(true);
    const target = scraper('/parts', sink);
    holdOnce = () => holdLoop(TIMEOUT_MS * 3);
    const outcome = await target.scrape();
    await target.stop({ markStale: false });
    expect(outcome.error).toBeUndefined();
    expect(outcome.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS * 3);
    const duration = sink.samples.find((sample) => sample.labels.__name__ === 'scrape_duration_seconds');
    expect(duration?.value).toBeGreaterThanOrEqual((TIMEOUT_MS * 3) / 1000);
  });

  it('fails a body still arriving at the timeout with ERR_SCRAPE_TIMEOUT, up 0', async () => {
    const sink = new DecodingSink(true);
    const target = scraper('/trickle', sink);
    const outcome = await target.scrape();
    await target.stop({ markStale: false });
    expect(outcome.error?.code).toBe('ERR_SCRAPE_TIMEOUT');
    expect(sink.samples.find((sample) => sample.labels.__name__ === 'up')?.value).toBe(0);
    expect(sink.samples.some((sample) => sample.labels.__name__ === 'm')).toBe(false);
  });

  it('fails a trickling body held past the timeout too: what had not arrived was not received', async () => {
    const sink = new DecodingSink(true);
    const target = scraper('/trickle', sink);
    holdOnce = () => holdLoop(TIMEOUT_MS * 3);
    const outcome = await target.scrape();
    await target.stop({ markStale: false });
    expect(outcome.error?.code).toBe('ERR_SCRAPE_TIMEOUT');
  });
});

describe('a stop while a received body is processed', () => {
  it('fails the scrape with the stop, not a timeout, and stop() completes', async () => {
    const sink = new DecodingSink(true);
    const target = scraper('/parts', sink);
    let stopping: Promise<void> | undefined;
    holdOnce = () => { holdLoop(TIMEOUT_MS * 3); stopping = target.stop(); };
    const outcome = await target.scrape();
    expect(stopping).toBeDefined();
    await stopping;
    expect(outcome.error?.code).toBe('ERR_USAGE');
    expect(outcome.error?.message).toContain('target stopped');
    expect(sink.samples.some((sample) => sample.labels.__name__ === 'm')).toBe(false);
  });

  it('the caller\'s abort still ends the body stream after its last byte was received', async () => {
    const { HttpScraper } = await import('../../src/scrape/http-scraper');
    const http = new HttpScraper({ url: `${server.origin}/parts`, scrapeTimeoutMs: TIMEOUT_MS });
    const caller = new AbortController();
    const response = await http.scrape(caller.signal);
    const reason = new Error('stopping');
    const iterator = response.body[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    // The rest arrives and the timer fires while the loop is held: the body is received, not timed out.
    holdLoop(TIMEOUT_MS * 3);
    await new Promise((resolve) => setTimeout(resolve, 1));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    caller.abort(reason);
    await expect(iterator.next()).rejects.toBe(reason);
    await http.close();
  });
});

describe('an in-process source', () => {
  it('a page it returned is parsed to its end with the loop held past the timeout', async () => {
    const { LocalScraper, LocalSources } = await import('../../src/scrape/local-source');
    const text = page(10_000); // ~190 KB: several 64 KiB views, the deadline checked between them
    const local = new LocalScraper({ url: 'local://app/metrics', scrapeTimeoutMs: TIMEOUT_MS }, new LocalSources().register('app', () => text));
    const response = await local.scrape();
    let bytes = 0;
    for await (const chunk of response.body) {
      if (bytes === 0) {
        holdLoop(TIMEOUT_MS * 3);
        // The timer fires, then the deadline's turn of I/O: a timeout and two turns later.
        await new Promise((resolve) => setTimeout(resolve, 1));
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setImmediate(resolve));
      }
      bytes += chunk.length;
    }
    expect(bytes).toBe(Buffer.byteLength(text));
    await local.close();
  });
});
