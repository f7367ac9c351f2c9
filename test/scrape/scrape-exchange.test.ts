/**
 * The scrape's HTTP exchange on undici's dispatch API (src/scrape/scrape-exchange.ts), through the
 * path the scrape loop uses: each chunk pushed to the fetch's members (`readInto`). Real HTTP
 * servers on loopback that misbehave in every way a target can (a wrong Content-Length, a reset
 * in the middle of the body, an empty, a truncated and a corrupt gzip body, a body over the limit plain, gzip and a
 * small gzip bomb, a
 * stall, a trickle): each such target scrapes with up 0 and its own error, and a good target
 * scraped at the same time delivers all of its samples. Then the exchange's own duties:
 * redirects (followed, credentials dropped at another origin, a loop stopped), error pages
 * drained so the connection is reused, a reader that gives up, the event loop running between
 * slices of a pushed body, and a large gzip body through the stream.
 */
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { HttpScraper } from '../../src/scrape/http-scraper';
import { TargetScraper } from '../../src/scrape/target';
import type { ScrapewireError } from '../../src/errors';
import { DecodingSink, targetSpec, testMetrics } from './support/decoding-sink';
import { startHttpServer, type LoopbackServer } from './support/loopback-server';

function page(series: number, prefix = 'm'): string {
  const lines = [`# TYPE ${prefix} gauge`];
  for (let i = 0; i < series; i++) lines.push(`${prefix}{i="${i}",pad="${(i * 2654435761 >>> 0).toString(16)}"} ${i}`);
  return `${lines.join('\n')}\n`;
}

/** Text that compresses poorly: its gzip is well over the 64 KiB the small path inflates in one call. */
function incompressiblePage(series: number): string {
  const lines = ['# TYPE r gauge'];
  let x = 12345;
  for (let i = 0; i < series; i++) {
    let hex = '';
    for (let j = 0; j < 4; j++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      hex += x.toString(16).padStart(8, '0');
    }
    lines.push(`r{i="${i}",h="${hex}"} ${i}`);
  }
  return `${lines.join('\n')}\n`;
}

const GOOD = page(300);
const BIG_GZIP_TEXT = incompressiblePage(20_000);
const BIG_GZIP = gzipSync(BIG_GZIP_TEXT);
/** Under the 64 KiB the small path inflates in one call, but 60 MB inflated: it must go through the stream and stop at the limit. */
const SMALL_BOMB = gzipSync(Buffer.alloc(60e6, 0x30), { level: 9 });

let server: LoopbackServer;
beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    const url = req.url ?? '';
    const text = { 'content-type': 'text/plain; version=0.0.4' };
    switch (url) {
      case '/good':
        res.writeHead(200, text);
        res.end(GOOD);
        return;
      case '/short-content-length': {
        // Promises 100 KB, sends 10 KB and closes.
        res.writeHead(200, { ...text, 'content-length': 100_000 });
        res.write(GOOD.slice(0, 10_000));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      case '/reset-mid-body': {
        res.writeHead(200, text);
        res.write(page(2000).slice(0, 30_000));
        setTimeout(() => (res.socket as Socket | null)?.resetAndDestroy(), 20);
        return;
      }
      case '/corrupt-gzip-small':
        res.writeHead(200, { ...text, 'content-encoding': 'gzip' });
        res.end(Buffer.concat([gzipSync(GOOD).subarray(0, 10), Buffer.from('this is not deflate data at all')]));
        return;
      case '/corrupt-gzip-large': {
        const bad = Buffer.from(BIG_GZIP);
        bad.fill(0x55, 100_000, 110_000);
        res.writeHead(200, { ...text, 'content-encoding': 'gzip' });
        res.end(bad);
        return;
      }
      case '/oversized':
        res.writeHead(200, text);
        res.end(page(5000));
        return;
      case '/oversized-gzip':
        res.writeHead(200, { ...text, 'content-encoding': 'gzip' });
        res.end(gzipSync(page(5000)));
        return;
      case '/oversized-small-bomb':
        res.writeHead(200, { ...text, 'content-encoding': 'gzip' });
        res.end(SMALL_BOMB);
        return;
      case '/empty-gzip':
        res.writeHead(200, { ...text, 'content-encoding': 'gzip' });
        res.end();
        return;
      case '/truncated-gzip': {
        const zipped = gzipSync(GOOD);
        res.writeHead(200, { ...text, 'content-encoding': 'gzip' });
        res.end(zipped.subarray(0, zipped.length - 10));
        return;
      }
      case '/stall':
        res.writeHead(200, text);
        res.write(GOOD.slice(0, 500)); // and nothing more
        return;
      case '/trickle-gzip': {
        const zipped = gzipSync(page(2000));
        res.writeHead(200, { ...text, 'content-encoding': 'gzip' });
        let at = 0;
        const timer = setInterval(() => { if (at < zipped.length - 1) res.write(zipped.subarray(at, ++at)); }, 10);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/two-members':
        // Two gzip members back to back: the trailer's length is the second one's only.
        res.writeHead(200, { ...text, 'content-encoding': 'gzip' });
        res.end(Buffer.concat([gzipSync(page(1000, 'first')), gzipSync(page(10, 'second'))]));
        return;
      case '/big-gzip':
        res.writeHead(200, { ...text, 'content-encoding': 'gzip' });
        res.end(BIG_GZIP);
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
});
afterAll(() => server.close());

/** Long enough that only the stalled and trickling targets reach it on a loaded machine. */
const TIMEOUT_MS = 3000;
/** body_size_limit of the /oversized targets (their pages inflate to ~240 KB). */
const LIMIT = 50_000;

function target(path: string, sink: DecodingSink): TargetScraper {
  const url = `${server.origin}${path}`;
  const bodySizeLimitBytes = path.startsWith('/oversized') ? LIMIT : 0;
  return new TargetScraper(targetSpec(url, { http: { url, scrapeTimeoutMs: TIMEOUT_MS, bodySizeLimitBytes } }), { sink, metrics: testMetrics() });
}

function upOf(sink: DecodingSink): number | undefined {
  return sink.of('up')[0]?.value;
}

describe('targets that misbehave fail alone, each with its reason', () => {
  const faults: Array<[string, string, RegExp]> = [
    ['/short-content-length', 'ERR_HTTP_STATUS', /^reading body failed: /],
    ['/reset-mid-body', 'ERR_HTTP_STATUS', /^reading body failed: .*(ECONNRESET|other side closed|socket)/i],
    ['/corrupt-gzip-small', 'ERR_HTTP_STATUS', /^reading body failed: .*\(Z_DATA_ERROR\)/],
    ['/corrupt-gzip-large', 'ERR_HTTP_STATUS', /^reading body failed: .*\(Z_DATA_ERROR\)/],
    ['/empty-gzip', 'ERR_HTTP_STATUS', /^reading body failed: unexpected end of file/],
    ['/truncated-gzip', 'ERR_HTTP_STATUS', /^reading body failed: unexpected end of file/],
    ['/oversized', 'ERR_BODY_SIZE_LIMIT', new RegExp(`body size limit of ${LIMIT} bytes exceeded`)],
    ['/oversized-gzip', 'ERR_BODY_SIZE_LIMIT', new RegExp(`body size limit of ${LIMIT} bytes exceeded`)],
    ['/oversized-small-bomb', 'ERR_BODY_SIZE_LIMIT', new RegExp(`body size limit of ${LIMIT} bytes exceeded`)],
    ['/stall', 'ERR_SCRAPE_TIMEOUT', new RegExp(`scrape timed out after ${TIMEOUT_MS} ms`)],
    ['/trickle-gzip', 'ERR_SCRAPE_TIMEOUT', new RegExp(`scrape timed out after ${TIMEOUT_MS} ms`)],
  ];

  it('up 0 and the error for each, all scraped at once with a good target that delivers everything', async () => {
    expect(SMALL_BOMB.length).toBeLessThan(64 * 1024);
    const goodSink = new DecodingSink();
    const good = target('/good', goodSink);
    const bad = faults.map(([path]) => {
      const sink = new DecodingSink();
      return { path, sink, scraper: target(path, sink) };
    });
    const [goodOutcome, ...outcomes] = await Promise.all([good.scrape(), ...bad.map((b) => b.scraper.scrape())]);
    await Promise.all([good.stop({ markStale: false }), ...bad.map((b) => b.scraper.stop({ markStale: false }))]);

    expect(goodOutcome.error).toBeUndefined();
    expect(upOf(goodSink)).toBe(1);
    expect(goodSink.of('m')).toHaveLength(300);
    for (let i = 0; i < faults.length; i++) {
      const [path, code, detail] = faults[i];
      const { error } = outcomes[i];
      expect({ path, code: error?.code }).toEqual({ path, code });
      expect((error as ScrapewireError).detail).toMatch(detail);
      expect(error?.target).toBe(`${server.origin}${path}`);
      expect(upOf(bad[i].sink)).toBe(0);
      expect(bad[i].sink.samples.filter((s) => !s.labels.__name__.startsWith('scrape_') && s.labels.__name__ !== 'up')).toEqual([]);
    }
  });

  it('a large gzip body (inflated through the stream) arrives whole through the same path', async () => {
    const sink = new DecodingSink();
    const url = `${server.origin}/big-gzip`;
    const t = new TargetScraper(targetSpec(url, { http: { url, scrapeTimeoutMs: 10_000 } }), { sink, metrics: testMetrics(), sliceMs: 0 });
    const outcome = await t.scrape();
    await t.stop({ markStale: false });
    expect(BIG_GZIP.length).toBeGreaterThan(64 * 1024);
    expect(outcome.error).toBeUndefined();
    expect(sink.of('r')).toHaveLength(20_000);
  });
});

it('a small gzip body of two members is inflated whole (the trailer sizes only the last one)', async () => {
  const sink = new DecodingSink();
  const t = target('/two-members', sink);
  const outcome = await t.scrape();
  await t.stop({ markStale: false });
  expect(outcome.error).toBeUndefined();
  expect(sink.of('first')).toHaveLength(1000);
  expect(sink.of('second')).toHaveLength(10);
});

describe('the exchange itself', () => {
  const scrapers: HttpScraper[] = [];
  const servers: LoopbackServer[] = [];
  afterEach(async () => {
    await Promise.all(scrapers.splice(0).map((s) => s.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  function scraper(url: string, extra: Partial<ConstructorParameters<typeof HttpScraper>[0]> = {}): HttpScraper {
    const s = new HttpScraper({ url, scrapeTimeoutMs: 5000, ...extra });
    scrapers.push(s);
    return s;
  }

  async function pushed(s: HttpScraper, sliceMs = 10): Promise<string> {
    const res = await s.scrape();
    const parts: Buffer[] = [];
    await res.readInto!((chunk) => { parts.push(Buffer.from(chunk)); return true; }, sliceMs);
    return Buffer.concat(parts).toString();
  }

  it('follows 301, 303, 307 and 308, drops Authorization and Cookie at another origin, keeps them at the same one', async () => {
    const other = await startHttpServer((req, res) => {
      if (req.url === '/final') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(GOOD);
        return;
      }
      res.writeHead(404);
      res.end();
    });
    servers.push(other);
    const first = await startHttpServer((req, res) => {
      const next: Record<string, [number, string]> = {
        '/a': [301, '/b'],
        '/b': [303, '/c?x=1'],
        '/c?x=1': [307, '/d'],
        '/d': [308, `${other.origin}/final`],
      };
      const hop = next[req.url ?? ''];
      res.writeHead(hop[0], { location: hop[1] });
      res.end('moved');
    });
    servers.push(first);
    const s = scraper(`${first.origin}/a`, { bearerToken: 'tok', headers: { Cookie: 'c=1', 'X-Tenant': 't' } });
    expect(await pushed(s)).toBe(GOOD);
    expect(first.requests.map((r) => [r.url, r.headers.authorization, r.headers.cookie])).toEqual([
      ['/a', 'Bearer tok', 'c=1'], ['/b', 'Bearer tok', 'c=1'], ['/c?x=1', 'Bearer tok', 'c=1'], ['/d', 'Bearer tok', 'c=1'],
    ]);
    expect(other.requests.map((r) => [r.url, r.headers.authorization, r.headers.cookie, r.headers['x-tenant']])).toEqual([['/final', undefined, undefined, 't']]);
  });

  it('stops a redirect loop after 10 redirects with the error that says so', async () => {
    const loop = await startHttpServer((_req, res) => {
      res.writeHead(302, { location: '/loop' });
      res.end();
    });
    servers.push(loop);
    const err = await s_fail(scraper(`${loop.origin}/loop`));
    expect(err.detail).toBe(`server returned HTTP status 302 Found: redirect to ${loop.origin}/loop not followed (stopped after 10 redirects)`);
    expect(loop.requests).toHaveLength(11);
  });

  it('drains an error page so the next scrape reuses the connection; aborts one over 128 KiB', async () => {
    let calls = 0;
    const flaky = await startHttpServer((req, res) => {
      calls++;
      if (req.url === '/long-error') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('x'.repeat(1024 * 1024));
        return;
      }
      if (calls === 1) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not here yet '.repeat(100));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(GOOD);
    });
    servers.push(flaky);
    const s = scraper(`${flaky.origin}/m`);
    expect((await s_fail(s)).detail).toBe('server returned HTTP status 404 Not Found');
    expect(await pushed(s)).toBe(GOOD);
    expect(flaky.connections).toBe(1);

    const long = scraper(`${flaky.origin}/long-error`);
    expect((await s_fail(long)).detail).toBe('server returned HTTP status 500 Internal Server Error');
    expect((await s_fail(long)).detail).toBe('server returned HTTP status 500 Internal Server Error');
    // The 1 MiB page was cut, not read: its connection was not reused.
    expect(flaky.connections).toBe(3);
  });

  it('a reader that returns false gives the rest up, and the next scrape works', async () => {
    const big = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(Buffer.alloc(8 * 1024 * 1024, 'a'));
    });
    servers.push(big);
    const s = scraper(`${big.origin}/m`);
    const res = await s.scrape();
    let chunks = 0;
    await res.readInto!(() => ++chunks < 2, 10);
    expect(chunks).toBe(2);
    expect(res.bytesRead()).toBeLessThan(8 * 1024 * 1024);
    expect((await pushed(s)).length).toBe(8 * 1024 * 1024);
  });

  it('lets the event loop run between slices of a pushed body', async () => {
    const big = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(Buffer.alloc(2 * 1024 * 1024, 'a'));
    });
    servers.push(big);
    const s = scraper(`${big.origin}/m`);
    const res = await s.scrape();
    let chunks = 0;
    let chunksWhenImmediateRan = -1;
    setImmediate(() => { chunksWhenImmediateRan = chunks; });
    await res.readInto!((chunk) => { chunks++; return chunk.length > 0; }, 0);
    expect(chunks).toBeGreaterThan(2);
    // With sliceMs 0 the loop runs after every chunk: the immediate ran before the body ended.
    expect(chunksWhenImmediateRan).toBeGreaterThanOrEqual(0);
    expect(chunksWhenImmediateRan).toBeLessThan(chunks);
  });

  it('reads a body no parser fits only if it is empty, as Prometheus does', async () => {
    const odd = await startHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-unknown' });
      res.end(req.url === '/empty' ? '' : GOOD);
    });
    servers.push(odd);
    expect(await pushed(scraper(`${odd.origin}/empty`))).toBe('');
    const res = await scraper(`${odd.origin}/full`).scrape();
    const err = await res.readInto!(() => true, 10).then(() => undefined, (e: ScrapewireError) => e);
    expect(err?.code).toBe('ERR_PARSE');
    expect(err?.detail).toContain('application/x-unknown');
  });

  async function s_fail(s: HttpScraper): Promise<ScrapewireError> {
    try {
      const res = await s.scrape();
      res.discard();
    } catch (err) {
      return err as ScrapewireError;
    }
    throw new Error('the scrape did not fail');
  }
});
