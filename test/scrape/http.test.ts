/**
 * HttpScraper against real servers on loopback: negotiation, streaming, gzip, limits, the
 * scrape deadline, auth files and their rotation, TLS and mutual TLS, and secrets kept out of
 * every error and description.
 */

import { mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { createGzip, gzipSync } from 'node:zlib';

import { ScrapewireError } from '../../src/errors';
import { HttpScraper, type ScrapeResponse } from '../../src/scrape';
import { httpClientOptions } from '../../src/scrape/http-client-options';
import type { HttpTargetOptions } from '../../src/scrape';
import { version } from '../helpers/package-version';
import { createTestPki, type TestPki } from './support/certificates';
import { startHttpServer, startHttpsServer, type Handler, type LoopbackServer } from './support/loopback-server';

const MiB = 1024 * 1024;
const SAMPLE = '# TYPE up gauge\nup 1\nprocess_cpu_seconds_total 12.5\n';

const servers: LoopbackServer[] = [];
const scrapers: HttpScraper[] = [];
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'scrapewire-http-'));
});

afterEach(async () => {
  await Promise.all(scrapers.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function serve(handler: Handler): Promise<LoopbackServer> {
  const server = await startHttpServer(handler);
  servers.push(server);
  return server;
}

function scraper(options: HttpTargetOptions): HttpScraper {
  const s = new HttpScraper(options);
  scrapers.push(s);
  return s;
}

async function readAll(res: ScrapeResponse): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of res.body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Resolves to the error a promise rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<ScrapewireError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ScrapewireError);
    return err as ScrapewireError;
  }
  throw new Error('expected a rejection');
}

function answer(body: string | Buffer, contentType = 'text/plain; version=0.0.4; charset=utf-8'): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': contentType });
    res.end(body);
  };
}

/** Writes `total` bytes in `chunkBytes` pieces with backpressure; `written` counts what was handed to res. */
function writeStreamed(res: ServerResponse, total: number, chunkBytes: number, progress: { written: number }): void {
  const piece = Buffer.alloc(chunkBytes);
  for (let i = 0; i < chunkBytes; i++) piece[i] = 97 + (i % 26);
  const pump = () => {
    while (progress.written < total) {
      const n = Math.min(chunkBytes, total - progress.written);
      progress.written += n;
      if (!res.write(n === chunkBytes ? piece : piece.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

describe('request headers and content negotiation', () => {
  it('sends the Prometheus Accept header, gzip, user agent, timeout hint, custom headers and params', async () => {
    const server = await serve(answer(SAMPLE));
    const s = scraper({
      url: `${server.origin}/metrics?module=default&keep=1`,
      scrapeTimeoutMs: 2500,
      headers: { 'X-Scope-OrgID': 'tenant-a' },
      params: { module: ['http_2xx', 'tcp'] },
    });
    const res = await s.scrape();
    expect((await readAll(res)).toString()).toBe(SAMPLE);
    const seen = server.requests[0];
    expect(seen.headers.accept).toBe(
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,'
      + 'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    );
    expect(seen.headers['accept-encoding']).toBe('gzip');
    expect(seen.headers['user-agent']).toBe(`scrapewire/${version}`);
    expect(seen.headers['x-prometheus-scrape-timeout-seconds']).toBe('2.5');
    expect(seen.headers['x-scope-orgid']).toBe('tenant-a');
    expect(seen.headers.authorization).toBeUndefined();
    const query = new URL(seen.url, server.origin).searchParams;
    expect(query.getAll('module')).toEqual(['http_2xx', 'tcp']);
    expect(query.get('keep')).toBe('1');
    expect(res.status).toBe(200);
    expect(res.bytesRead()).toBe(Buffer.byteLength(SAMPLE));
  });

  it('offers only the text format when OpenMetrics is not wanted', async () => {
    const server = await serve(answer(SAMPLE));
    const s = scraper({ url: `${server.origin}/metrics`, scrapeTimeoutMs: 10_000, acceptOpenMetrics: false });
    await readAll(await s.scrape());
    expect(server.requests[0].headers.accept).toBe('text/plain;version=0.0.4;q=0.6,*/*;q=0.5');
    expect(server.requests[0].headers['x-prometheus-scrape-timeout-seconds']).toBe('10');
  });

  it.each([
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    ['Application/OpenMetrics-Text;version=0.0.1', 'openmetrics'],
    ['text/plain; version=0.0.4; charset=utf-8', 'text'],
    ['text/plain; version=1.0.0; escaping=allow-utf-8', 'text'],
  ])('reads Content-Type %j as %s', async (contentType, format) => {
    const server = await serve((_req, res) => {
      if (contentType !== '') res.setHeader('content-type', contentType);
      res.end(SAMPLE);
    });
    const res = await scraper({ url: `${server.origin}/metrics`, scrapeTimeoutMs: 5000 }).scrape();
    expect(res.format).toBe(format);
    expect(res.contentType).toBe(contentType);
    await readAll(res);
  });

  it('keeps one connection alive across scrapes of a target', async () => {
    const server = await serve(answer(SAMPLE));
    const s = scraper({ url: `${server.origin}/metrics`, scrapeTimeoutMs: 5000 });
    for (let i = 0; i < 3; i++) expect((await readAll(await s.scrape())).toString()).toBe(SAMPLE);
    expect(server.requests).toHaveLength(3);
    expect(server.connections).toBe(1);
  });

  it('follows a redirect', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/old') {
        res.writeHead(302, { location: '/metrics' });
        res.end();
      } else answer(SAMPLE)(req, res);
    });
    const res = await scraper({ url: `${server.origin}/old`, scrapeTimeoutMs: 5000 }).scrape();
    expect((await readAll(res)).toString()).toBe(SAMPLE);
    expect(server.requests.map((r) => r.url)).toEqual(['/old', '/metrics']);
  });
});

describe('status and transport errors', () => {
  it.each([
    [500, 'server returned HTTP status 500 Internal Server Error'],
    [404, 'server returned HTTP status 404 Not Found'],
  ])('rejects HTTP %i with ERR_HTTP_STATUS', async (status, reason) => {
    const server = await serve((_req, res) => {
      res.writeHead(status);
      res.end('nope');
    });
    const err = await rejection(scraper({ url: `${server.origin}/metrics`, scrapeTimeoutMs: 5000 }).scrape());
    expect(err.code).toBe('ERR_HTTP_STATUS');
    expect(err.detail).toBe(reason);
    expect(err.message).toBe(`${server.origin}/metrics: ${reason}`);
  });

  it('rejects a non-2xx at once even if its body never ends, and close() releases it', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(503);
      res.write('still going'); // and never end
    });
    const s = new HttpScraper({ url: `${server.origin}/m`, scrapeTimeoutMs: 30_000 });
    const err = await rejection(s.scrape());
    expect(err.detail).toBe('server returned HTTP status 503 Service Unavailable');
    await s.close(); // would wait for the 30 s deadline if the drained body were not aborted
    expect(server.requests).toHaveLength(1);
  }, 10_000);

  it('names the target when the connection is refused', async () => {
    const server = await serve(answer(SAMPLE));
    const url = `${server.origin}/metrics`;
    await server.close();
    servers.length = 0;
    const err = await rejection(scraper({ url, scrapeTimeoutMs: 5000 }).scrape());
    expect(err.target).toBe(url);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('refuses a Content-Encoding it did not ask for', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'br' });
      res.end('xx');
    });
    const err = await rejection(scraper({ url: `${server.origin}/metrics`, scrapeTimeoutMs: 5000 }).scrape());
    expect(err.detail).toBe('unsupported Content-Encoding "br"');
  });

  it('reports a corrupt gzip body while reading it', async () => {
    const good = gzipSync(Buffer.from(SAMPLE.repeat(100)));
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain; version=0.0.4' });
      res.end(good.subarray(0, good.length - 12)); // truncated: no trailer
    });
    const res = await scraper({ url: `${server.origin}/metrics`, scrapeTimeoutMs: 5000 }).scrape();
    const err = await rejection(readAll(res));
    expect(err.target).toBe(`${server.origin}/metrics`);
    expect(err.detail).toMatch(/^reading body failed: /);
  });
});

describe('gzip and body size limit', () => {
  it('decodes a gzip body to exactly the plain body', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(`http_requests_total{code="200",path="/p${i}"} ${i}`);
    const plain = Buffer.from(lines.join('\n') + '\n');
    const server = await serve((req, res) => {
      const gz = req.url === '/gz';
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', ...(gz ? { 'content-encoding': 'gzip' } : {}) });
      res.end(gz ? gzipSync(plain) : plain);
    });
    const zipped = await scraper({ url: `${server.origin}/gz`, scrapeTimeoutMs: 5000 }).scrape();
    const fromGzip = await readAll(zipped);
    const fromPlain = await readAll(await scraper({ url: `${server.origin}/plain`, scrapeTimeoutMs: 5000 }).scrape());
    expect(fromGzip.equals(plain)).toBe(true);
    expect(fromPlain.equals(plain)).toBe(true);
    expect(zipped.bytesRead()).toBe(plain.length);
    expect(zipped.wireBytesRead()).toBeLessThan(plain.length / 3);
  });

  it('stops a gzip bomb (1 GiB of zeros) at a 10 MB limit without inflating it', async () => {
    const limit = 10 * 1000 * 1000;
    const bombBytes = 1024 * MiB;
    let zerosProduced = 0;
    const server = await serve((_req, res) => {
      const zeros = new Uint8Array(MiB);
      const source = new Readable({
        read() {
          if (zerosProduced >= bombBytes) return void this.push(null);
          zerosProduced += zeros.length;
          this.push(zeros);
        },
      });
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      source.pipe(createGzip({ level: 1 })).pipe(res);
      res.on('close', () => source.destroy());
    });
    const res = await scraper({
      url: `${server.origin}/bomb`,
      scrapeTimeoutMs: 30_000,
      bodySizeLimitBytes: limit,
    }).scrape();
    let delivered = 0;
    const err = await rejection(
      (async () => {
        for await (const chunk of res.body) delivered += chunk.length;
      })(),
    );
    expect(err.code).toBe('ERR_BODY_SIZE_LIMIT');
    expect(err.message).toContain(`${limit} bytes`);
    expect(err.target).toBe(`${server.origin}/bomb`);
    expect(delivered).toBeLessThanOrEqual(limit);
    expect(res.bytesRead()).toBeGreaterThan(limit);
    expect(res.bytesRead()).toBeLessThanOrEqual(limit + MiB);
  });

  it('accepts a body of exactly the limit', async () => {
    const server = await serve(answer(Buffer.alloc(4096, 'a')));
    const res = await scraper({ url: `${server.origin}/m`, scrapeTimeoutMs: 5000, bodySizeLimitBytes: 4096 }).scrape();
    expect((await readAll(res)).length).toBe(4096);
  });
});

describe('streaming', () => {
  it('hands out a 50 MB body incrementally, in small chunks, without the server running ahead', async () => {
    const total = 50 * MiB;
    const progress = { written: 0 };
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      writeStreamed(res, total, 64 * 1024, progress);
    });
    const res = await scraper({ url: `${server.origin}/big`, scrapeTimeoutMs: 60_000 }).scrape();
    let received = 0;
    let chunks = 0;
    let largest = 0;
    let writtenAtFirstChunk = -1;
    let writtenAfterPause = -1;
    let checksum = 0;
    for await (const chunk of res.body) {
      if (chunks === 0) {
        writtenAtFirstChunk = progress.written;
        // The consumer stalls: backpressure must stop the server long before the end.
        await new Promise((resolve) => setTimeout(resolve, 300));
        writtenAfterPause = progress.written;
      }
      chunks++;
      received += chunk.length;
      largest = Math.max(largest, chunk.length);
      // Sample the bytes at absolute offsets that are multiples of 4096.
      for (let i = (4096 - (received - chunk.length) % 4096) % 4096; i < chunk.length; i += 4096) {
        checksum = (checksum + chunk[i]) | 0;
      }
    }
    expect(received).toBe(total);
    expect(res.bytesRead()).toBe(total);
    expect(largest).toBeLessThanOrEqual(MiB);
    expect(chunks).toBeGreaterThan(50);
    expect(writtenAtFirstChunk).toBeLessThan(total);
    expect(writtenAfterPause).toBeLessThan(total / 2);
    // Every 4096th byte of the pattern is 'a' + (offset % 26); the sum detects lost or repeated chunks.
    let expected = 0;
    for (let offset = 0; offset < total; offset += 4096) expected = (expected + 97 + ((offset % (64 * 1024)) % 26)) | 0;
    expect(checksum).toBe(expected);
  });

  it('lets the consumer stop early and scrape again', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      writeStreamed(res, 20 * MiB, 64 * 1024, { written: 0 });
    });
    const s = scraper({ url: `${server.origin}/m`, scrapeTimeoutMs: 10_000 });
    const first = await s.scrape();
    for await (const chunk of first.body) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    const second = await s.scrape();
    expect((await readAll(second)).length).toBe(20 * MiB);
    expect(() => first.body[Symbol.asyncIterator]()).toThrow(ScrapewireError);
  });
});

describe('scrape timeout', () => {
  it('cuts a server that sends its headers after the timeout', async () => {
    const server = await serve((_req, res) => {
      const timer = setTimeout(() => answer(SAMPLE)(_req, res), 5000);
      res.on('close', () => clearTimeout(timer));
    });
    const err = await rejection(scraper({ url: `${server.origin}/slow`, scrapeTimeoutMs: 300 }).scrape());
    expect(err.code).toBe('ERR_SCRAPE_TIMEOUT');
    expect(err.message).toBe(`${server.origin}/slow: scrape timed out after 300 ms (scrape timeout)`);
  });

  it('cuts a body that never ends, after handing out what arrived', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(SAMPLE); // and never end
    });
    const res = await scraper({ url: `${server.origin}/endless`, scrapeTimeoutMs: 500 }).scrape();
    const received: string[] = [];
    const err = await rejection(
      (async () => {
        for await (const chunk of res.body) received.push(Buffer.from(chunk).toString());
      })(),
    );
    expect(err.code).toBe('ERR_SCRAPE_TIMEOUT');
    expect(err.target).toBe(`${server.origin}/endless`);
    expect(received.join('')).toBe(SAMPLE);
  });

  it("throws the caller's abort reason when the caller aborts", async () => {
    const server = await serve(() => undefined); // never answers
    const controller = new AbortController();
    const reason = new ScrapewireError('ERR_USAGE', 'shutting down');
    const pending = scraper({ url: `${server.origin}/m`, scrapeTimeoutMs: 30_000 }).scrape(controller.signal);
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });

  it('rejects scrapes after close()', async () => {
    const server = await serve(answer(SAMPLE));
    const s = new HttpScraper({ url: `${server.origin}/m`, scrapeTimeoutMs: 5000 });
    await readAll(await s.scrape());
    await s.close();
    expect((await rejection(s.scrape())).code).toBe('ERR_USAGE');
  });
});

describe('authorization', () => {
  it('sends a bearer token file and picks up a rotated token on the next scrape', async () => {
    const tokenFile = join(tmp, 'token');
    writeFileSync(tokenFile, 'token-one-AAAA\n');
    const server = await serve(answer(SAMPLE));
    const s = scraper({ url: `${server.origin}/m`, scrapeTimeoutMs: 5000, bearerTokenFile: tokenFile });
    await readAll(await s.scrape());
    await readAll(await s.scrape());
    writeFileSync(tokenFile, 'token-two-BBBB\n'); // same length: only the contents change
    await readAll(await s.scrape());
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer token-one-AAAA',
      'Bearer token-one-AAAA',
      'Bearer token-two-BBBB',
    ]);
  });

  it('follows a Kubernetes-style symlink swap of the token', async () => {
    const dir = mkdtempSync(join(tmp, 'sa-'));
    writeFileSync(join(dir, 'v1'), 'first');
    writeFileSync(join(dir, 'v2'), 'second');
    symlinkSync(join(dir, 'v1'), join(dir, '..data'));
    symlinkSync(join(dir, '..data'), join(dir, 'token'));
    const server = await serve(answer(SAMPLE));
    const s = scraper({ url: `${server.origin}/m`, scrapeTimeoutMs: 5000, bearerTokenFile: join(dir, 'token') });
    await readAll(await s.scrape());
    symlinkSync(join(dir, 'v2'), join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    await readAll(await s.scrape());
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer first', 'Bearer second']);
  });

  it('sends basic auth with a password file', async () => {
    const passwordFile = join(tmp, 'password');
    writeFileSync(passwordFile, '  pa:ss wörd \n');
    const server = await serve(answer(SAMPLE));
    const s = scraper({
      url: `${server.origin}/m`,
      scrapeTimeoutMs: 5000,
      basicAuth: { username: 'prom', passwordFile },
    });
    await readAll(await s.scrape());
    const header = server.requests[0].headers.authorization ?? '';
    expect(header.startsWith('Basic ')).toBe(true);
    expect(Buffer.from(header.slice(6), 'base64').toString('utf8')).toBe('prom:pa:ss wörd');
  });

  it('sends the scheme of a config authorization of another type, as Prometheus does', async () => {
    const server = await serve(answer(SAMPLE));
    const fromConfig = httpClientOptions({ authorization: { type: 'Token', credentials: 'tok-123' }, tls_config: { insecure_skip_verify: false } }, 'scrape_configs[0]');
    const s = scraper({ url: `${server.origin}/m`, scrapeTimeoutMs: 5000, ...fromConfig });
    await readAll(await s.scrape());
    expect(server.requests[0].headers.authorization).toBe('Token tok-123');
    expect(inspect(s)).not.toContain('tok-123');
    expect(() => httpClientOptions({ authorization: { type: 'To ken', credentials: 'x' }, tls_config: { insecure_skip_verify: false } }, 'scrape_configs[0]'))
      .toThrow('scrape_configs[0].authorization.type "To ken" is not a valid HTTP authentication scheme');
  });

  it('reports an unreadable token file as ERR_CONFIG naming the field', async () => {
    const server = await serve(answer(SAMPLE));
    const s = scraper({ url: `${server.origin}/m`, scrapeTimeoutMs: 5000, bearerTokenFile: join(tmp, 'missing') });
    const err = await rejection(s.scrape());
    expect(err.code).toBe('ERR_CONFIG');
    expect(err.message).toContain('bearerTokenFile');
    expect(err.message).toContain('ENOENT');
    expect(server.requests).toHaveLength(0);
  });
});

describe('secrets stay out of errors and descriptions', () => {
  const TOKEN = 'tok-9f8e7d6c5b4a';
  const PASSWORD = 'pw-1a2b3c4d5e';

  function expectNoSecret(text: string): void {
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(Buffer.from(`scraper:${PASSWORD}`).toString('base64'));
  }

  function errorText(err: ScrapewireError): string {
    return [err.message, err.stack ?? '', String(err.cause), inspect(err, { depth: 6 }), JSON.stringify(err)].join('\n');
  }

  it('in status, timeout, body and connection errors', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/500') {
        res.writeHead(500);
        res.end(`echo ${req.headers.authorization}`);
      } else if (req.url === '/endless') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.write(`echo ${req.headers.authorization}\n`);
      }
    });
    const withToken = (path: string, extra: Partial<HttpTargetOptions> = {}) =>
      scraper({ url: `${server.origin}${path}`, scrapeTimeoutMs: 400, bearerToken: TOKEN, ...extra });
    const withUserInfo = (path: string) =>
      scraper({ url: `http://scraper:${PASSWORD}@127.0.0.1:${new URL(server.origin).port}${path}`, scrapeTimeoutMs: 400 });

    const errors = [
      await rejection(withToken('/500').scrape()),
      await rejection(withUserInfo('/500').scrape()),
      await rejection(withUserInfo('/hang').scrape()),
      await rejection(readAll(await withToken('/endless').scrape())),
      await rejection(readAll(await withToken('/endless', { bodySizeLimitBytes: 3 }).scrape())),
      await rejection(withUserInfo('/500').scrape().then(() => undefined)),
      await rejection(
        new HttpScraper({ url: `http://scraper:${PASSWORD}@127.0.0.1:1/m`, scrapeTimeoutMs: 2000 }).scrape(),
      ),
    ];
    expect(errors.map((e) => e.code)).toEqual([
      'ERR_HTTP_STATUS',
      'ERR_HTTP_STATUS',
      'ERR_SCRAPE_TIMEOUT',
      'ERR_SCRAPE_TIMEOUT',
      'ERR_BODY_SIZE_LIMIT',
      'ERR_HTTP_STATUS',
      'ERR_HTTP_STATUS',
    ]);
    for (const err of errors) {
      expect(err.target).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      expectNoSecret(errorText(err));
    }
    // The user info was really used as basic auth.
    expect(server.requests[1].headers.authorization).toBe(`Basic ${Buffer.from(`scraper:${PASSWORD}`).toString('base64')}`);
  });

  it('in describe(), toJSON() and inspect()', () => {
    const s = scraper({
      url: 'https://kubelet.example:10250/metrics/cadvisor',
      scrapeTimeoutMs: 10_000,
      bodySizeLimitBytes: 0,
      bearerToken: TOKEN,
      headers: { 'X-Api-Key': PASSWORD, 'X-Scope-OrgID': 'tenant-a' },
      tls: { caFile: '/sa/ca.crt', serverName: 'kubelet' },
    });
    const basic = scraper({
      url: 'http://127.0.0.1:9100/metrics',
      scrapeTimeoutMs: 10_000,
      basicAuth: { username: 'prom', password: PASSWORD },
    });
    const userInfo = scraper({ url: `http://scraper:${PASSWORD}@127.0.0.1:9100/metrics`, scrapeTimeoutMs: 1000 });
    expect(s.describe()).toEqual({
      url: 'https://kubelet.example:10250/metrics/cadvisor',
      scrapeTimeoutMs: 10_000,
      bodySizeLimitBytes: 0,
      scrapeProtocols: ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'],
      followRedirects: true,
      headers: { 'X-Api-Key': '<secret>', 'X-Scope-OrgID': 'tenant-a' },
      bearerToken: '<secret>',
      tls: { caFile: '/sa/ca.crt', serverName: 'kubelet' },
    });
    expect(basic.describe().basicAuth).toEqual({ username: 'prom', password: '<secret>' });
    expect(userInfo.describe()).toMatchObject({
      url: 'http://127.0.0.1:9100/metrics',
      basicAuth: { username: 'scraper', password: '<secret>' },
    });
    for (const x of [s, basic, userInfo]) {
      expectNoSecret(JSON.stringify(x));
      expectNoSecret(inspect(x, { depth: 10, showHidden: true }));
      expectNoSecret(String(x));
    }
  });

  it('in configuration errors', () => {
    const attempt = (options: HttpTargetOptions) => {
      try {
        new HttpScraper(options);
      } catch (err) {
        expect(err).toBeInstanceOf(ScrapewireError);
        expect((err as ScrapewireError).code).toBe('ERR_CONFIG');
        return (err as ScrapewireError).message;
      }
      throw new Error('expected ERR_CONFIG');
    };
    const messages = [
      attempt({ url: `http://u:${PASSWORD}@[bad/metrics`, scrapeTimeoutMs: 1000 }),
      attempt({ url: 'http://127.0.0.1/m', scrapeTimeoutMs: 1000, headers: { Authorization: `Bearer ${TOKEN}` } }),
      attempt({ url: `http://u:${PASSWORD}@127.0.0.1/m`, scrapeTimeoutMs: 1000, bearerToken: TOKEN }),
      attempt({ url: 'http://127.0.0.1/m', scrapeTimeoutMs: 0 }),
      attempt({ url: 'ftp://127.0.0.1/m', scrapeTimeoutMs: 1000 }),
    ];
    expect(messages[1]).toContain('headers.Authorization');
    expect(messages[3]).toContain('scrapeTimeoutMs');
    for (const message of messages) expectNoSecret(message);
  });
});

describe('TLS', () => {
  let pki: TestPki;
  let server: LoopbackServer;
  let mtlsServer: LoopbackServer;
  let url: string;

  beforeAll(async () => {
    pki = createTestPki();
    const cert = { cert: pki.read(pki.serverCertFile), key: pki.read(pki.serverKeyFile) };
    server = await startHttpsServer(cert, answer(SAMPLE));
    mtlsServer = await startHttpsServer(
      { ...cert, ca: pki.read(pki.caFile), requestCert: true, rejectUnauthorized: true },
      answer(SAMPLE),
    );
    url = `${server.origin}/metrics`;
  });

  afterAll(async () => {
    await server.close();
    await mtlsServer.close();
    pki.remove();
  });

  it('trusts a server signed by ca_file', async () => {
    const res = await scraper({ url, scrapeTimeoutMs: 5000, tls: { caFile: pki.caFile } }).scrape();
    expect((await readAll(res)).toString()).toBe(SAMPLE);
  });

  it('rejects it without ca_file, or with another CA', async () => {
    for (const tls of [undefined, { caFile: pki.otherCaFile }]) {
      const err = await rejection(scraper({ url, scrapeTimeoutMs: 5000, tls }).scrape());
      expect(err.target).toBe(url);
      expect(err.detail).toMatch(/^request failed: /);
      expect((err.cause as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED|UNABLE_TO_(GET_ISSUER|VERIFY)/);
    }
  });

  it('accepts it with insecure_skip_verify', async () => {
    const res = await scraper({ url, scrapeTimeoutMs: 5000, tls: { insecureSkipVerify: true } }).scrape();
    expect((await readAll(res)).toString()).toBe(SAMPLE);
  });

  it('checks the certificate against server_name and sends it as SNI', async () => {
    const before = server.requests.length;
    const ok = await scraper({ url, scrapeTimeoutMs: 5000, tls: { caFile: pki.caFile, serverName: 'localhost' } }).scrape();
    expect((await readAll(ok)).toString()).toBe(SAMPLE);
    expect(server.requests[before].servername).toBe('localhost');

    const err = await rejection(
      scraper({ url, scrapeTimeoutMs: 5000, tls: { caFile: pki.caFile, serverName: 'kubelet.example' } }).scrape(),
    );
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(err.message).toContain('kubelet.example');
  });

  it('presents a client certificate for mutual TLS', async () => {
    const mtlsUrl = `${mtlsServer.origin}/metrics`;
    const withCert = scraper({
      url: mtlsUrl,
      scrapeTimeoutMs: 5000,
      tls: { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile },
    });
    expect((await readAll(await withCert.scrape())).toString()).toBe(SAMPLE);
    expect(mtlsServer.requests.at(-1)?.clientCertCn).toBe('scrapewire-client');

    const count = mtlsServer.requests.length;
    const err = await rejection(scraper({ url: mtlsUrl, scrapeTimeoutMs: 5000, tls: { caFile: pki.caFile } }).scrape());
    expect(err.target).toBe(mtlsUrl);
    expect(mtlsServer.requests).toHaveLength(count);
  });

  it('uses a rewritten ca_file on the next scrape', async () => {
    const caFile = join(tmp, 'rotating-ca.crt');
    writeFileSync(caFile, pki.read(pki.otherCaFile));
    const s = scraper({ url, scrapeTimeoutMs: 5000, tls: { caFile } });
    await rejection(s.scrape());
    writeFileSync(caFile, pki.read(pki.caFile));
    expect((await readAll(await s.scrape())).toString()).toBe(SAMPLE);
  });
});
