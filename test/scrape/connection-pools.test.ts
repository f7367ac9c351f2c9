/**
 * Connections shared by a scrape loop's targets (src/scrape/connection-pools.ts): targets on one
 * host:port draw from one keep-alive pool, counted at real loopback servers; targets whose TLS
 * settings differ do not share; a slow page does not hold up another target of its host; the
 * last user closes an Agent. Ticks come from a hand-driven clock, so which scrapes overlap is
 * what the test says.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { ConnectionPools, connectionKey } from '../../src/scrape/connection-pools';
import { ScrapeLoop } from '../../src/scrape/scrape-loop';
import { scrapeMetrics } from '../../src/scrape/scrape-metrics';
import type { TargetSpec } from '../../src/scrape/target';
import { createTestPki, type TestPki } from './support/certificates';
import { DecodingSink, targetSpec } from './support/decoding-sink';
import { startHttpServer, startHttpsServer, type LoopbackServer } from './support/loopback-server';
import { ManualClock, waitFor } from './support/manual-clock';

const page = (_req: IncomingMessage, res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
  res.end('x 1\n');
};

async function scrapes(registry: Registry): Promise<number> {
  return (await scrapeMetrics(registry).scrapes.get()).values.reduce((sum, v) => sum + v.value, 0);
}

async function requests(registry: Registry): Promise<number> {
  return (await scrapeMetrics(registry).requests.get()).values.reduce((sum, v) => sum + v.value, 0);
}

/**
 * Ticks through one interval a millisecond at a time, letting every fetch a tick starts settle
 * before the next millisecond: scrapes of different targets never overlap (unless two phases fall
 * in the same millisecond).
 */
async function oneAfterAnother(clock: ManualClock, registry: Registry, intervalMs: number): Promise<void> {
  for (let ms = 0; ms < intervalMs; ms++) {
    clock.advance(1);
    const started = await requests(registry);
    if (started > 0) await waitFor(async () => (await scrapes(registry)) === started, `the scrapes started by ${ms} ms`);
  }
}

const spec = (origin: string, path: string, overrides: Partial<TargetSpec> = {}): TargetSpec =>
  targetSpec(`${origin}${path}`, { intervalMs: 10_000, http: { url: `${origin}${path}`, scrapeTimeoutMs: 5000 }, ...overrides });

describe('ConnectionPools', () => {
  test('equal settings share an Agent, different ones do not; the last release closes it', async () => {
    const pools = new ConnectionPools();
    const settings = { rejectUnauthorized: true, connectTimeoutMs: 1000 };
    const a = pools.acquire(settings);
    const b = pools.acquire({ ...settings });
    const insecure = pools.acquire({ ...settings, rejectUnauthorized: false });
    const otherCa = pools.acquire({ ...settings, ca: Buffer.from('another CA') });
    expect(b.agent).toBe(a.agent);
    expect(insecure.agent).not.toBe(a.agent);
    expect(otherCa.agent).not.toBe(a.agent);
    expect(pools.size).toBe(3);
    await a.release();
    await a.release(); // a second release of one lease changes nothing
    expect(b.agent.closed).toBe(false);
    await b.release();
    expect(b.agent.closed).toBe(true);
    expect(pools.size).toBe(2);
    // The next user of those settings gets a fresh Agent.
    const c = pools.acquire(settings);
    expect(c.agent).not.toBe(a.agent);
    await Promise.all([c.release(), insecure.release(), otherCa.release()]);
    expect(pools.size).toBe(0);
  });

  test('the key holds a digest of the TLS material, never the material', () => {
    const key = connectionKey({ rejectUnauthorized: true, connectTimeoutMs: 1000, key: Buffer.from('-----BEGIN PRIVATE KEY-----secret') });
    expect(key).not.toContain('secret');
    expect(key).not.toContain('PRIVATE');
  });
});

describe('a scrape loop shares connections per host', () => {
  let server: LoopbackServer;
  let other: LoopbackServer;
  beforeAll(async () => {
    server = await startHttpServer(page);
    other = await startHttpServer(page);
  });
  afterAll(async () => {
    await server.close();
    await other.close();
  });

  test('twenty targets on one host, scraped one after another, use one connection; another host its own', async () => {
    const clock = new ManualClock();
    const registry = new Registry();
    const loop = new ScrapeLoop({ sink: new DecodingSink(), registry, clock });
    const before = server.connections;
    const beforeOther = other.connections;
    const paths = Array.from({ length: 20 }, (_, i) => `/t${i}`);
    await loop.sync([...paths.map((path) => spec(server.origin, path)), spec(other.origin, '/elsewhere')]);
    try {
      expect(loop.fetchGroups()).toHaveLength(21);
      await oneAfterAnother(clock, registry, 10_000);
      expect(await scrapes(registry)).toBe(21);
      expect((await scrapeMetrics(registry).scrapes.get()).values.find((v) => v.labels.result === 'success')?.value).toBe(21);
      // One pool per host: a pool per target opened twenty.
      expect(server.connections - before).toBe(1);
      expect(other.connections - beforeOther).toBe(1);
    } finally {
      await loop.stop();
    }
  });

  test('a slow page does not hold up another target of its host: the pool opens a second socket', async () => {
    const clock = new ManualClock();
    const registry = new Registry();
    const loop = new ScrapeLoop({ sink: new DecodingSink(), registry, clock });
    let answerHeld: (() => void) | undefined;
    const held = await startHttpServer((req, res) => {
      if (req.url === '/held') answerHeld = () => page(req, res);
      else page(req, res);
    });
    try {
      // The held page's request first, and it stays unanswered...
      await loop.sync([spec(held.origin, '/held')]);
      for (let ms = 0; ms < 10_000 && answerHeld === undefined; ms++) {
        clock.advance(1);
        if ((await requests(registry)) > 0) await waitFor(() => answerHeld !== undefined, 'the held request');
      }
      // ...while another target of the same host is scraped: it completes on a second socket.
      await loop.sync([spec(held.origin, '/held'), spec(held.origin, '/quick')]);
      clock.advance(10_000);
      await waitFor(async () => (await scrapeMetrics(registry).scrapes.get()).values.some((v) => v.labels.result === 'success'), 'the quick target');
      expect(await scrapes(registry)).toBe(1);
      expect(held.connections).toBe(2);
      answerHeld!();
      await waitFor(async () => (await scrapes(registry)) === 2, 'the held target');
    } finally {
      await loop.stop();
      await held.close();
    }
  });
});

describe('TLS settings split the pools', () => {
  let pki: TestPki;
  let server: LoopbackServer;
  beforeAll(async () => {
    pki = createTestPki();
    server = await startHttpsServer({ cert: pki.read(pki.serverCertFile), key: pki.read(pki.serverKeyFile) }, page);
  });
  afterAll(async () => {
    await server.close();
    pki.remove();
  });

  test('targets of one host with the same CA share a connection; one that skips verification has its own', async () => {
    const clock = new ManualClock();
    const registry = new Registry();
    const loop = new ScrapeLoop({ sink: new DecodingSink(), registry, clock });
    const verified = (path: string) => spec(server.origin, path, { http: { url: `${server.origin}${path}`, scrapeTimeoutMs: 5000, tls: { caFile: pki.caFile } } });
    const insecure = spec(server.origin, '/insecure', { http: { url: `${server.origin}/insecure`, scrapeTimeoutMs: 5000, tls: { insecureSkipVerify: true } } });
    const before = server.connections;
    await loop.sync([verified('/a'), verified('/b'), verified('/c'), insecure]);
    try {
      await oneAfterAnother(clock, registry, 10_000);
      await waitFor(async () => (await scrapes(registry)) === 4, 'every target scraped once');
      const up = (await scrapeMetrics(registry).scrapes.get()).values.find((v) => v.labels.result === 'success')?.value;
      expect(up).toBe(4);
      // Three verified targets on one socket, the insecure one on another.
      expect(server.connections - before).toBe(2);
    } finally {
      await loop.stop();
    }
  });
});
