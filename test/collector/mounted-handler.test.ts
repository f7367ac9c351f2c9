/**
 * The collector without a server of its own (`listen: false`), its endpoints mounted on a host's
 * server under a prefix: plain node:http, Express (`app.use(prefix, handler)`) and Fastify (a
 * hijacked route). Each host serves its own routes beside them on the same port, and the
 * handler keeps the web server's property: nothing a request does throws out of it.
 */
import { once } from 'node:events';
import * as fs from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import express from 'express';
import Fastify from 'fastify';
import { Registry, Counter } from 'prom-client';
import { Collector } from '../../src/collector/collector';
import type { RequestListener } from '../../src/server/web-handler';
import { pollUntil } from '../e2e/support/wait';
import { makeTlsFixtures } from '../server/tls-fixtures';

let collector: Collector;
const appRegistry = new Registry();
const orders = new Counter({ name: 'shop_orders_total', help: 'Orders taken.', registers: [appRegistry] });

beforeAll(async () => {
  orders.inc(3);
  collector = await Collector.start({
    listen: false,
    config: { global: { scrape_interval: '1s', scrape_timeout: '1s' } },
    localTargets: [{ job: 'shop', source: appRegistry }],
  });
  // The in-process target has been scraped once: /targets has something to show.
  await pollUntil(async () => collector.targetStatuses(), (targets) => targets.some((t) => t.health === 'up'), 20_000);
});

afterAll(async () => {
  await collector?.stop(0);
});

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function get(url: string): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** The endpoints under `/scrapewire` of the host at `base`, and the host's own route beside them. */
async function checkMounted(base: string): Promise<void> {
  const metrics = await get(`${base}/scrapewire/metrics`);
  expect(metrics.status).toBe(200);
  expect(metrics.text).toContain('scrapewire_build_info');
  // Counted under the route's own path, as on the collector's server (the count comes after the answer).
  expect((await get(`${base}/scrapewire/metrics`)).text).toMatch(/^scrapewire_http_requests_total\{handler="\/metrics",code="200"\} [1-9]/m);

  const api = await get(`${base}/scrapewire/api/v1/targets`);
  expect(api.status).toBe(200);
  const targets = JSON.parse(api.text) as { data: { activeTargets: Array<{ scrapeUrl: string; health: string; labels: Record<string, string> }> } };
  expect(targets.data.activeTargets).toEqual([
    expect.objectContaining({ scrapeUrl: 'local://shop/metrics', health: 'up', labels: { instance: 'shop', job: 'shop' } }),
  ]);

  const page = await get(`${base}/scrapewire/targets`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toContain('text/html');
  // Relative links: they stay under the prefix.
  expect(page.text).toContain('<a href="service-discovery">');
  expect(page.text).toContain('local://shop/metrics');
  expect((await get(`${base}/scrapewire/service-discovery`)).text).toContain('__scheme__');

  expect((await get(`${base}/scrapewire/-/healthy`)).status).toBe(200);
  expect((await get(`${base}/scrapewire/-/ready`)).status).toBe(200);
  const root = await get(`${base}/scrapewire`);
  expect(root.status).toBe(302);
  expect(root.headers.get('location')).toBe('/scrapewire/targets');
  // Not mounted without asking: the sink and the demo page, and routes that do not exist.
  for (const missing of ['/scrapewire/api/v1/write', '/scrapewire/sink', '/scrapewire/demo/metrics', '/scrapewire/nothing']) {
    expect([missing, (await get(`${base}${missing}`)).status]).toEqual([missing, 404]);
  }
  // Wrong method: 405 with the allowed ones, as on the collector's own server.
  const post = await fetch(`${base}/scrapewire/metrics`, { method: 'POST', body: 'x' });
  expect(post.status).toBe(405);
  expect(post.headers.get('allow')).toBe('GET, HEAD');
  await post.text();

  // The host's own route on the same port.
  const own = await get(`${base}/hello`);
  expect(own).toMatchObject({ status: 200, text: 'host says hello' });
  // A path that only starts like the prefix is the host's.
  expect((await get(`${base}/scrapewire-not/metrics`)).text).not.toContain('scrapewire_build_info');
}

test('plain node:http: handler({ prefix }) and the host\'s routes on one server', async () => {
  const handler = collector.handler({ prefix: '/scrapewire' });
  const server = createServer((req, res) => {
    handler(req, res, () => {
      res.writeHead(req.url === '/hello' ? 200 : 404).end(req.url === '/hello' ? 'host says hello' : 'host: not found');
    });
  });
  const base = await listen(server);
  try {
    await checkMounted(base);
    // Without `next`, a path outside the prefix is answered 404 by the handler itself.
    const alone = createServer(handler);
    const aloneBase = await listen(alone);
    try {
      expect(await get(`${aloneBase}/metrics`)).toMatchObject({ status: 404, text: '404 page not found\n' });
      expect((await get(`${aloneBase}/scrapewire/metrics`)).status).toBe(200);
      // A request target the parser refuses: 400, the server goes on.
      const bad = await rawRequest(aloneBase, 'GET http://[::1/scrapewire/metrics HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(bad).toMatch(/^HTTP\/1\.1 400 /);
      expect((await get(`${aloneBase}/scrapewire/-/healthy`)).status).toBe(200);
    } finally {
      await close(alone);
    }
  } finally {
    await close(server);
  }
});

test('Express: app.use(prefix, handler()) takes the prefix from the mount', async () => {
  const app = express();
  app.get('/hello', (_req, res) => { res.send('host says hello'); });
  app.use('/scrapewire', collector.handler());
  app.use((_req, res) => { res.status(404).send('express: not found'); });
  const server = createServer(app);
  const base = await listen(server);
  try {
    await checkMounted(base);
    // Outside the prefix, Express's own 404 answers (the handler called next()).
    expect((await get(`${base}/scrapewire-not/metrics`)).text).toBe('express: not found');
  } finally {
    await close(server);
  }
});

test('Fastify: a hijacked route hands the raw request to handler({ prefix })', async () => {
  const app = Fastify();
  const handler = collector.handler({ prefix: '/scrapewire' });
  const mounted = (request: { raw: IncomingMessage }, reply: { hijack(): void; raw: ServerResponse }): void => {
    reply.hijack();
    handler(request.raw, reply.raw);
  };
  app.all('/scrapewire', mounted);
  app.all('/scrapewire/*', mounted);
  app.get('/hello', async () => 'host says hello');
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { port } = app.server.address() as AddressInfo;
    await checkMounted(`http://127.0.0.1:${port}`);
  } finally {
    await app.close();
  }
});

test('a handler whose response fails to write throws nothing out of the call and answers nothing twice', async () => {
  const handler: RequestListener = collector.handler({ prefix: '/scrapewire' });
  const server = createServer((req, res) => {
    // The host's response breaks on the first write: the guarded entry catches it.
    res.writeHead = () => { throw new Error('broken response'); };
    expect(() => handler(req, res)).not.toThrow();
    setTimeout(() => res.destroy(), 200);
  });
  const base = await listen(server);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => { unhandled.push(reason); };
  process.on('unhandledRejection', onUnhandled);
  try {
    await expect(fetch(`${base}/scrapewire/metrics`)).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await close(server);
  }
});

test('listen: false refuses what needs a server of its own: no configuration, or TLS in the web config', async () => {
  await expect(Collector.start({ listen: false })).rejects.toMatchObject({ code: 'ERR_USAGE', message: expect.stringContaining('listen: false needs a config') });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-mounted-'));
  try {
    const { server } = makeTlsFixtures(dir);
    const webConfig = path.join(dir, 'web.yml');
    fs.writeFileSync(webConfig, `tls_server_config:\n  cert_file: ${server.certFile}\n  key_file: ${server.keyFile}\n`);
    await expect(Collector.start({ listen: false, config: {}, webConfigFile: webConfig })).rejects.toMatchObject({
      code: 'ERR_CONFIG', message: expect.stringContaining('tls_server_config: the collector has no server of its own (listen: false)'),
    });
    // The same web configuration is fine for the collector's own server.
    const own = await Collector.start({ listenAddress: '127.0.0.1:0', config: {}, webConfigFile: webConfig });
    expect(own.scheme).toBe('https');
    await own.stop(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

async function rawRequest(base: string, text: string): Promise<string> {
  const { connect } = await import('node:net');
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => { answer += chunk.toString(); });
    socket.on('end', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}
