/**
 * The queue against a scripted loopback receiver: framing, and retry / drop / fallback
 * behaviour asserted request by request.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import { RemoteWriter, RW1, RW2, USER_AGENT } from '../../src/remote';
import { decodeRw1, decodeRw2, rw2Labels } from '../helpers/remote-write-proto';
import { ScriptedReceiver, ok204, type ScriptedAnswer } from './scripted-receiver';
import { captureLogger, endpoints, metricValue, numberedScrape } from './producer';

const V1_TYPE = 'application/x-protobuf';
const V2_TYPE = 'application/x-protobuf;proto=io.prometheus.write.v2.Request';
// One request per batch (max_samples_per_send 1): these tests follow requests one by one.
const fast = { min_backoff: '5ms', max_backoff: '20ms', max_shards: 1, max_samples_per_send: 1 };

let tmp: string;
const cleanups: Array<() => Promise<void>> = [];
beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-faults-')); });
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function receiver(answers: ScriptedAnswer[], fallback: ScriptedAnswer = ok204): Promise<ScriptedReceiver> {
  const r = await new ScriptedReceiver((_req, i) => answers[i] ?? fallback).start();
  cleanups.push(() => r.stop());
  return r;
}

function writer(options: ConstructorParameters<typeof RemoteWriter>[0]): RemoteWriter {
  const w = new RemoteWriter(options);
  cleanups.push(() => w.close(0));
  return w;
}

describe('remote write framing', () => {
  it('sends 2.0 with the reserved headers, auth and user headers, asking producers for 2.0 only', async () => {
    const r = await receiver([]);
    const registry = new Registry();
    const w = writer({
      registry,
      storageDir: tmp,
      endpoints: endpoints({ url: r.url, name: 'v2', protobuf_message: RW2, bearer_token: 'sekret', headers: { 'X-Scope-OrgID': 'tenant-1' }, queue_config: fast }),
    });
    const first = numberedScrape('m', 0, 3, 1_700_000_000_000);
    first.writeTo(w);
    await w.whenIdle();
    const second = numberedScrape('m', 3, 2, 1_700_000_000_000);
    second.writeTo(w);
    await w.whenIdle();

    // No 1.0 copy is made for a fallback that may never come: a fallback converts what is queued.
    expect(first.asked).toEqual([RW2]);
    expect(second.asked).toEqual([RW2]);
    expect(r.requests).toHaveLength(2);
    const h = r.requests[0].headers;
    expect(h['content-type']).toBe(V2_TYPE);
    expect(h['content-encoding']).toBe('snappy');
    expect(h['x-prometheus-remote-write-version']).toBe('2.0.0');
    expect(h['user-agent']).toBe(USER_AGENT);
    expect(USER_AGENT).toBe(`scrapewire/${require('../helpers/package-version').version}`);
    expect(h.authorization).toBe('Bearer sekret');
    expect(h['x-scope-orgid']).toBe('tenant-1');
    const decoded = decodeRw2(r.requests[0].body);
    expect(decoded.symbols[0]).toBe('');
    expect(rw2Labels(decoded.symbols, decoded.timeseries[0].labels_refs)).toEqual({ __name__: 'm', job: 'test' });
    expect(decoded.timeseries[0].samples.map((s: { value: number }) => s.value)).toEqual([0, 1, 2]);
    expect(await metricValue(registry, 'scrapewire_remote_write_samples_sent_total', { endpoint: 'v2' })).toBe(5);
    expect(await metricValue(registry, 'scrapewire_remote_write_samples_written_reported_total', { endpoint: 'v2' })).toBe(2);
  });

  it('sends 1.0 with basic auth and version 0.1.0', async () => {
    const r = await receiver([], { status: 200 });
    const w = writer({ registry: new Registry(), endpoints: endpoints({ url: r.url, basic_auth: { username: 'u', password: 'p:w' }, queue_config: fast }) });
    const p = numberedScrape('m', 0, 1, 1_700_000_000_000);
    p.writeTo(w);
    await w.whenIdle();
    expect(p.asked).toEqual([RW1]);
    const h = r.requests[0].headers;
    expect(h['content-type']).toBe(V1_TYPE);
    expect(h['x-prometheus-remote-write-version']).toBe('0.1.0');
    expect(h.authorization).toBe(`Basic ${Buffer.from('u:p:w').toString('base64')}`);
    expect(decodeRw1(r.requests[0].body).timeseries[0].samples[0].value).toBe(0);
  });

  it('sends credentials written in the url as basic auth', async () => {
    const r = await receiver([], { status: 200 });
    const w = writer({ registry: new Registry(), endpoints: endpoints({ url: r.url.replace('http://', 'http://us%3Aer:pa%40ss@'), queue_config: fast }) });
    numberedScrape('m', 0, 1, 1_700_000_000_000).writeTo(w);
    await w.whenIdle();
    expect(r.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('us:er:pa@ss').toString('base64')}`);
  });

  it('refuses reserved headers when the config is loaded (the writer takes validated config only)', () => {
    expect(() => endpoints({ url: 'http://127.0.0.1:1/w', headers: { 'Content-Type': 'x' } })).toThrow(/reserved/);
  });
});

describe('retries and drops, request by request', () => {
  it('retries 500, 503 and 429 (Retry-After), drops 400, 401, 413 once each with the error logged', async () => {
    const longError = 'x'.repeat(1000);
    const r = await receiver([
      { status: 500, body: 'boom' },
      { status: 503 },
      { status: 429, headers: { 'retry-after': '0' } },
      { status: 204 }, // A finally accepted
      { status: 400, body: `out of order sample ${longError}` }, // B
      { status: 401, body: 'unauthorized' }, // C
      { status: 413, body: 'too large' }, // D
      { status: 204 }, // E
    ]);
    const registry = new Registry();
    const { logger, lines } = captureLogger();
    const w = writer({ registry, logger, storageDir: tmp, endpoints: endpoints({ url: r.url, name: 'e', queue_config: fast }) });
    for (let i = 0; i < 5; i++) numberedScrape('m', i * 10, 2, 1_700_000_000_000).writeTo(w);
    await w.whenIdle();

    const firstValues = r.requests.map((q) => decodeRw1(q.body).timeseries[0].samples[0].value);
    expect(firstValues).toEqual([0, 0, 0, 0, 10, 20, 30, 40]);
    expect(r.requests.map((q) => q.status)).toEqual([500, 503, 429, 204, 400, 401, 413, 204]);
    const labels = { endpoint: 'e' };
    expect(await metricValue(registry, 'scrapewire_remote_write_requests_retried_total', labels)).toBe(3);
    expect(await metricValue(registry, 'scrapewire_remote_write_requests_sent_total', labels)).toBe(2);
    expect(await metricValue(registry, 'scrapewire_remote_write_samples_sent_total', labels)).toBe(4);
    for (const reason of ['http_400', 'http_401', 'http_413']) {
      expect(await metricValue(registry, 'scrapewire_remote_write_samples_dropped_total', { ...labels, reason })).toBe(2);
      expect(await metricValue(registry, 'scrapewire_remote_write_requests_dropped_total', { ...labels, reason })).toBe(1);
    }
    for (const reason of ['http_500', 'http_503', 'http_429']) {
      expect(await metricValue(registry, 'scrapewire_remote_write_requests_failed_total', { ...labels, reason })).toBe(1);
    }
    const dropped = lines.filter((l) => l.level === 'error').map((l) => l.obj.receiverError);
    expect(dropped[0]).toBe(`out of order sample ${longError}`.slice(0, 512));
    expect(dropped.slice(1)).toEqual(['unauthorized', 'too large']);
    expect(JSON.stringify(lines)).not.toContain('sekret');
  });

  it('honours a Retry-After given as an HTTP date', async () => {
    const r = await receiver([{ status: 429, headers: { 'retry-after': new Date(Date.now() - 1000).toUTCString() } }]);
    const registry = new Registry();
    const w = writer({ registry, endpoints: endpoints({ url: r.url, name: 'd', queue_config: fast }) });
    numberedScrape('m', 0, 1, 1_700_000_000_000).writeTo(w);
    await w.whenIdle();
    expect(r.requests.map((q) => q.status)).toEqual([429, 204]);
  });

  it('drops a 429 when retry_on_http_429 is false', async () => {
    const r = await receiver([{ status: 429 }]);
    const registry = new Registry();
    const w = writer({ registry, endpoints: endpoints({ url: r.url, name: 'n', queue_config: { ...fast, retry_on_http_429: false } }) });
    numberedScrape('m', 0, 1, 1_700_000_000_000).writeTo(w);
    await w.whenIdle();
    expect(r.requests.map((q) => q.status)).toEqual([429]);
    expect(await metricValue(registry, 'scrapewire_remote_write_requests_dropped_total', { endpoint: 'n', reason: 'http_429' })).toBe(1);
  });
});

describe('2.0 -> 1.0 fallback', () => {
  it.each([
    ['a 415', { status: 415, body: 'unsupported' }],
    ['a 2xx without Written headers', { status: 204 }],
  ])('after %s, resends the same request converted to 1.0 and stays on 1.0', async (_name, answer) => {
    const r = await receiver([answer], { status: 204 });
    const registry = new Registry();
    const w = writer({ registry, storageDir: tmp, endpoints: endpoints({ url: r.url, name: 'f', protobuf_message: RW2, queue_config: fast }) });
    const first = numberedScrape('m', 0, 2, 1_700_000_000_000);
    first.writeTo(w);
    await w.whenIdle();
    const later = numberedScrape('m', 2, 2, 1_700_000_000_000);
    later.writeTo(w);
    await w.whenIdle();

    expect(r.requests.map((q) => q.headers['content-type'])).toEqual([V2_TYPE, V1_TYPE, V1_TYPE]);
    expect(r.requests.map((q) => q.headers['x-prometheus-remote-write-version'])).toEqual(['2.0.0', '0.1.0', '0.1.0']);
    expect(decodeRw2(r.requests[0].body).timeseries[0].samples[0].value).toBe(0);
    // The queued 2.0 request, converted: labels and samples as the 1.0 encoding would have them.
    expect(decodeRw1(r.requests[1].body)).toEqual(decodeRw1(first.request(RW1).body));
    expect(decodeRw1(r.requests[2].body).timeseries[0].samples.map((s: { value: number }) => s.value)).toEqual([2, 3]);
    expect(first.asked).toEqual([RW2]);
    expect(later.asked).toEqual([RW1]);
    expect(w.stats().f.protocol).toBe(RW1);
    expect(await metricValue(registry, 'scrapewire_remote_write_protocol_fallbacks_total', { endpoint: 'f' })).toBe(1);
    expect(await metricValue(registry, 'scrapewire_remote_write_samples_sent_total', { endpoint: 'f' })).toBe(4);
  });

  it('converts 2.0 requests that waited on disk, after a restart, when the receiver refuses 2.0', async () => {
    const r = await receiver([], { status: 503 });
    const first = new RemoteWriter({ registry: new Registry(), storageDir: tmp, endpoints: endpoints({ url: r.url, name: 'k', protobuf_message: RW2, queue_config: fast }) });
    const scrapes = [0, 2, 4].map((start) => numberedScrape('m', start, 2, 1_700_000_000_000));
    for (const scrape of scrapes) scrape.writeTo(first);
    await first.close(50); // 503s: all three are left in the disk queue, in 2.0
    expect(scrapes.every((scrape) => scrape.asked.join() === RW2)).toBe(true);

    r.setScript(({ headers }) => (headers['content-type'] === V2_TYPE ? { status: 415 } : { status: 204 }));
    const before = r.requests.length;
    const registry = new Registry();
    const second = writer({ registry, storageDir: tmp, endpoints: endpoints({ url: r.url, name: 'k', protobuf_message: RW2, queue_config: fast }) });
    expect(second.stats().k.pendingRequests).toBe(3);
    await second.whenIdle();
    const accepted = r.requests.slice(before).filter((q) => q.status === 204);
    expect(accepted.map((q) => q.headers['content-type'])).toEqual([V1_TYPE, V1_TYPE, V1_TYPE]);
    expect(accepted.map((q) => decodeRw1(q.body))).toEqual(scrapes.map((scrape) => decodeRw1(scrape.request(RW1).body)));
    expect(second.protocols).toEqual([RW1]);
    expect(await metricValue(registry, 'scrapewire_remote_write_samples_sent_total', { endpoint: 'k' })).toBe(6);
  });

  it('drops a 415 to a 1.0 request', async () => {
    const r = await receiver([{ status: 415 }]);
    const registry = new Registry();
    const w = writer({ registry, endpoints: endpoints({ url: r.url, name: 'g', queue_config: fast }) });
    numberedScrape('m', 0, 1, 1_700_000_000_000).writeTo(w);
    await w.whenIdle();
    expect(r.requests).toHaveLength(1);
    expect(await metricValue(registry, 'scrapewire_remote_write_requests_dropped_total', { endpoint: 'g', reason: 'http_415' })).toBe(1);
  });
});

describe('several endpoints', () => {
  it('a dead endpoint does not hold up a live one', async () => {
    const live = await receiver([]);
    const registry = new Registry();
    const w = writer({
      registry,
      storageDir: tmp,
      endpoints: endpoints(
        { url: 'http://127.0.0.1:9/api/v1/write', name: 'dead', queue_config: fast },
        { url: live.url, name: 'live', queue_config: fast },
      ),
    });
    for (let i = 0; i < 20; i++) numberedScrape('m', i, 1, 1_700_000_000_000).writeTo(w);
    await w.queues[1].whenIdle();
    expect(live.requests).toHaveLength(20);
    expect(live.requests.map((q) => decodeRw1(q.body).timeseries[0].samples[0].value)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const dead = w.stats().dead;
    expect(dead.pendingRequests).toBe(20);
    expect(dead.diskBytes).toBeGreaterThan(0);
    expect(await metricValue(registry, 'scrapewire_remote_write_requests_failed_total', { endpoint: 'dead', reason: 'network' })).toBeGreaterThan(0);
  });

  it('keeps per-key order with parallel lanes', async () => {
    const r = await receiver([], { status: 204 });
    const w = writer({ registry: new Registry(), endpoints: endpoints({ url: r.url, name: 'p', queue_config: { ...fast, min_shards: 4, max_shards: 4 } }) });
    for (let i = 0; i < 40; i++) numberedScrape(`m${i % 5}`, i, 1, 1_700_000_000_000, `source-${i % 5}`).writeTo(w);
    await w.whenIdle();
    expect(r.requests).toHaveLength(40);
    const byName = new Map<string, number[]>();
    for (const q of r.requests) {
      const ts = decodeRw1(q.body).timeseries[0];
      const name = ts.labels.find((l: { name: string }) => l.name === '__name__').value;
      byName.set(name, [...(byName.get(name) ?? []), ts.samples[0].timestamp]);
    }
    for (const stamps of byName.values()) expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  });
});

describe('graceful close', () => {
  it('persists what it could not send within the deadline; the next writer sends it in order', async () => {
    const r = await receiver([], { status: 503 });
    const registry = new Registry();
    const first = new RemoteWriter({ registry, storageDir: tmp, endpoints: endpoints({ url: r.url, name: 'c', queue_config: fast }) });
    for (let i = 0; i < 6; i++) numberedScrape('m', i * 2, 2, 1_700_000_000_000).writeTo(first);
    await first.close(50);
    expect(numberedScrape('m', 99, 1, 1_700_000_000_000).writeTo(first)).toEqual(['dropped']);
    expect(await metricValue(registry, 'scrapewire_remote_write_requests_dropped_total', { endpoint: 'c', reason: 'closed' })).toBe(1);
    expect(await metricValue(registry, 'scrapewire_remote_write_requests_dropped_total', { endpoint: 'c', reason: 'shutdown' })).toBe(0);
    expect(r.requests.length).toBeGreaterThan(0);

    r.setScript(() => ({ status: 204 }));
    const before = r.requests.length;
    const second = writer({ registry: new Registry(), storageDir: tmp, endpoints: endpoints({ url: r.url, name: 'c', queue_config: fast }) });
    expect(second.stats().c.pendingRequests).toBe(6);
    await second.whenIdle();
    const resent = r.requests.slice(before).map((q) => decodeRw1(q.body).timeseries[0].samples[0].value);
    expect(resent).toEqual([0, 2, 4, 6, 8, 10]);
  });
});
