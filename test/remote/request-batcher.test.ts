/**
 * Batching across targets (src/remote/request-batcher.ts) through a RemoteWriter to the scripted
 * receiver, every request decoded with the official .proto files: batches are split at
 * max_samples_per_send, a lone request leaves at batch_send_deadline without anything else
 * flushing it, a target's report series share the request of its page, and 2.0 requests of
 * many targets are merged into one symbol table.
 */
import { Registry } from 'prom-client';
import { RemoteWriter, RW1, RW2 } from '../../src/remote';
import { TargetScraper } from '../../src/scrape/target';
import { decodeRw1, decodeRw2, encodeRw1, rw2Labels } from '../helpers/remote-write-proto';
import { startHttpServer, type LoopbackServer } from '../scrape/support/loopback-server';
import { targetSpec, testMetrics } from '../scrape/support/decoding-sink';
import { ScriptedReceiver, ok204 } from './scripted-receiver';
import { endpoints, metricValue, numberedScrape, TestScrape } from './producer';

/* eslint-disable @typescript-eslint/no-explicit-any */

const TIMER_GRANULARITY_MS = 1;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function receiver(answer = ok204): Promise<ScriptedReceiver> {
  const r = await new ScriptedReceiver(() => answer).start();
  cleanups.push(() => r.stop());
  return r;
}

function writer(options: ConstructorParameters<typeof RemoteWriter>[0]): RemoteWriter {
  const w = new RemoteWriter(options);
  cleanups.push(() => w.close(0));
  return w;
}

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** [name, value, timestamp] of every sample in a 1.0 request, in order. */
function rw1Samples(body: Uint8Array): Array<[string, number, number]> {
  return decodeRw1(body).timeseries.flatMap((ts: any) => {
    const name = ts.labels.find((l: any) => l.name === '__name__').value;
    return ts.samples.map((s: any) => [name, s.value, s.timestamp]);
  });
}

describe('batching across targets', () => {
  it('puts many targets\' requests in one request, split at max_samples_per_send, every sample once and in order', async () => {
    const r = await receiver({ status: 204 });
    const registry = new Registry();
    const w = writer({ registry, endpoints: endpoints({ url: r.url, name: 'b', queue_config: { max_samples_per_send: 100, max_shards: 1, batch_send_deadline: '1h' } }) });
    const written: Array<[string, number, number]> = [];
    // 40 targets x 7 samples: batches of 14 requests (98 samples) each, the 15th would pass 100.
    for (let t = 0; t < 40; t++) {
      const scrape = numberedScrape(`target_${t}`, t * 7, 7, 1_700_000_000_000, `job/target-${t}`);
      expect(scrape.writeTo(w)).toEqual(['batched']);
      written.push(...rw1Samples(scrape.request(RW1).body));
    }
    await w.whenIdle();
    const sizes = r.requests.map((q) => rw1Samples(q.body).length);
    expect(sizes).toEqual([98, 98, 84]);
    expect(r.requests.flatMap((q) => rw1Samples(q.body))).toEqual(written);
    expect(await metricValue(registry, 'scrapewire_remote_write_samples_sent_total', { endpoint: 'b' })).toBe(280);
    expect(await metricValue(registry, 'scrapewire_remote_write_requests_sent_total', { endpoint: 'b' })).toBe(3);
  });

  it('sends a request that fills a batch at once, and never splits one bigger than the limit', async () => {
    const r = await receiver({ status: 204 });
    const w = writer({ registry: new Registry(), endpoints: endpoints({ url: r.url, queue_config: { max_samples_per_send: 10, batch_send_deadline: '1h' } }) });
    expect(numberedScrape('small', 0, 4, 1_700_000_000_000, 'a').writeTo(w)).toEqual(['batched']);
    // 4 + 25 > 10: the open batch goes first; the big one fills a batch by itself.
    expect(numberedScrape('big', 0, 25, 1_700_000_000_000, 'a').writeTo(w)).toEqual(['memory']);
    expect(numberedScrape('exact', 0, 10, 1_700_000_000_000, 'b').writeTo(w)).toEqual(['memory']);
    await w.whenIdle();
    expect(r.requests.map((q) => rw1Samples(q.body).map(([name]) => name).join(','))).toEqual([
      'small,small,small,small',
      Array(25).fill('big').join(','),
      Array(10).fill('exact').join(','),
    ]);
  });

  it('sends a lone small request once batch_send_deadline has passed, with nothing else flushing it', async () => {
    const r = await receiver({ status: 204 });
    const w = writer({ registry: new Registry(), endpoints: endpoints({ url: r.url, queue_config: { batch_send_deadline: '300ms' } }) });
    const writtenAt = performance.now();
    expect(numberedScrape('lone', 0, 1, 1_700_000_000_000, 'a').writeTo(w)).toEqual(['batched']);
    expect(w.stats()[w.queues[0].name].batchedRequests).toBe(1);
    await until(() => r.requests.length === 1);
    // Lower bound only: a loaded machine may send later, never earlier.
    expect(r.requests[0].atMonotonicMs - writtenAt).toBeGreaterThanOrEqual(300 - TIMER_GRANULARITY_MS);
    expect(rw1Samples(r.requests[0].body)).toEqual([['lone', 0, 1_700_000_000_000]]);
    expect(w.stats()[w.queues[0].name].batchedRequests).toBe(0);
  });

  it('merges 2.0 requests of many targets into one symbol table', async () => {
    const r = await receiver();
    const w = writer({ registry: new Registry(), endpoints: endpoints({ url: r.url, protobuf_message: RW2, queue_config: { max_samples_per_send: 1000, batch_send_deadline: '1h' } }) });
    const scrapes = Array.from({ length: 30 }, (_, t) => new TestScrape([
      { labels: { __name__: 'up', instance: `10.0.0.${t}:9100`, job: 'node' }, samples: [{ value: 1, timestamp: 1_700_000_000_000 }] },
      { labels: { __name__: 'node_load1', instance: `10.0.0.${t}:9100`, job: 'node' }, samples: [{ value: t / 10, timestamp: 1_700_000_000_000 }] },
    ], `node/${t}`));
    for (const scrape of scrapes) expect(scrape.writeTo(w)).toEqual(['batched']);
    await w.whenIdle();
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0].headers['content-type']).toBe(`application/x-protobuf;proto=${RW2}`);
    const merged = decodeRw2(r.requests[0].body);
    expect(merged.symbols[0]).toBe('');
    expect(new Set(merged.symbols).size).toBe(merged.symbols.length);
    // Shared strings once: __name__, up, node_load1, instance, job, node; plus 30 instances.
    expect(merged.symbols).toHaveLength(1 + 6 + 30);
    const got = merged.timeseries.map((ts: any) => ({
      labels: rw2Labels(merged.symbols, ts.labels_refs),
      samples: ts.samples.map((sample: any) => ({ value: sample.value, timestamp: sample.timestamp })),
    }));
    expect(got).toEqual(scrapes.flatMap((s) => s.series.map((series) => ({ labels: series.labels, samples: series.samples }))));
  });
});

describe('metadata requests', () => {
  it('of many targets travel together, apart from samples', async () => {
    const r = await receiver({ status: 204 });
    const w = writer({ registry: new Registry(), endpoints: endpoints({ url: r.url, queue_config: { batch_send_deadline: '1h' } }) });
    const metadata = (family: string) => encodeRw1({ metadata: [{ type: 1, metric_family_name: family, help: `${family} help`, unit: '' }] });
    for (let t = 0; t < 5; t++) {
      w.write({ protocol: RW1, body: metadata(`family_${t}`), samples: 0, newestTimestampMs: 1, shardKey: `t${t}`, metadataOnly: true });
      numberedScrape(`m_${t}`, 0, 2, 1_700_000_000_000, `t${t}`).writeTo(w);
    }
    await w.whenIdle();
    const decoded = r.requests.map((q) => decodeRw1(q.body));
    expect(decoded).toHaveLength(2);
    const [samples, families] = decoded[0].timeseries.length > 0 ? decoded : [decoded[1], decoded[0]];
    expect(samples.timeseries).toHaveLength(5);
    expect(samples.metadata).toEqual([]);
    expect(families.timeseries).toEqual([]);
    expect(families.metadata.map((m: any) => m.metric_family_name)).toEqual(['family_0', 'family_1', 'family_2', 'family_3', 'family_4']);
  });
});

describe('a target\'s report series', () => {
  let target: LoopbackServer;
  beforeAll(async () => {
    target = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end('# TYPE jobs_total counter\njobs_total{queue="a"} 3\njobs_total{queue="b"} 4\ntemp_celsius 21.5\n');
    });
  });
  afterAll(() => target.close());

  it('travel in the same request as its page when both fit', async () => {
    const r = await receiver({ status: 204 });
    const w = writer({ registry: new Registry(), endpoints: endpoints({ url: r.url, queue_config: { max_samples_per_send: 100, batch_send_deadline: '1h' } }) });
    const scraper = new TargetScraper(targetSpec(`${target.origin}/metrics`), { sink: w, metrics: testMetrics(), now: () => 1_700_000_000_000 });
    try {
      const outcome = await scraper.scrape();
      expect(outcome.error).toBeUndefined();
      await w.whenIdle();
    } finally {
      await scraper.stop({ markStale: false });
    }
    expect(r.requests).toHaveLength(1);
    expect(rw1Samples(r.requests[0].body).map(([name]) => name)).toEqual([
      'jobs_total', 'jobs_total', 'temp_celsius',
      'up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added',
    ]);
  });
});
