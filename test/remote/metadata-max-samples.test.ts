/**
 * metadata_config.max_samples_per_send, as Prometheus means it (default 2,000; queue_manager.go
 * sends ceil(len(metadata) / MaxSamplesPerSend) requests): the number of MetricMetadata entries
 * per 1.0 metadata request. A target's families are split by its core at that many
 * (Core.encodeMetadataRequests, TargetScraper's metadataMaxPerRequest), and the send queue's
 * metadata batches close at that many entries. Pages from a real loopback target; requests to a
 * real loopback receiver, snappy-decoded with the official 1.0 proto.
 */
import { Core } from '../../src/core/core';
import { createRemoteWriter } from '../../src/remote';
import { DEFAULT_METADATA_CONFIG } from '../../src/config/remote-write';
import { TargetScraper } from '../../src/scrape/target';
import type { SampleSink, SinkRequest } from '../../src/scrape/sample-sink';
import { RW1 } from '../../src/remote-write-protocol';
import { snappyUncompress } from '../../src/remote/snappy';
import { decodeRw1 } from '../helpers/remote-write-proto';
import { targetSpec, testMetrics } from '../scrape/support/decoding-sink';
import { startHttpServer, type LoopbackServer } from '../scrape/support/loopback-server';

const familiesPage = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `# HELP ${prefix}${i} Help ${i}.\n# TYPE ${prefix}${i} gauge\n${prefix}${i} ${i}\n`).join('');

let target: LoopbackServer;
let receiver: LoopbackServer;
const received: string[][] = [];

beforeAll(async () => {
  target = await startHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(familiesPage(req.url === '/b' ? 'b' : 'a', req.url === '/b' ? 3 : 7));
  });
  receiver = await startHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const decoded = decodeRw1(snappyUncompress(Buffer.concat(chunks)));
      if (decoded.metadata.length > 0) received.push(decoded.metadata.map((m: { metric_family_name: string }) => m.metric_family_name));
      res.writeHead(204).end();
    });
  });
});
afterAll(async () => {
  await target.close();
  await receiver.close();
});

test('Prometheus\'s default is 2,000 entries', () => {
  expect(DEFAULT_METADATA_CONFIG.max_samples_per_send).toBe(2_000);
});

test('a core splits its families\' metadata at that many entries', async () => {
  const core = Core.create();
  await core.scrape([Buffer.from(familiesPage('a', 7))], { format: 'text', timestampMs: 1000 });
  const requests: Array<{ names: string[]; entries: number }> = [];
  const count = core.encodeMetadataRequests(3, (body, entries) => requests.push({
    names: decodeRw1(body.slice()).metadata.map((m: { metric_family_name: string }) => m.metric_family_name), entries,
  }));
  expect(count).toBe(3);
  expect(requests.map((r) => r.entries)).toEqual([3, 3, 1]);
  expect(requests.flatMap((r) => r.names)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
  expect(core.encodeMetadataRequests(0, () => undefined)).toBe(1);
});

test('a target hands its metadata over in requests of at most metadataMaxPerRequest entries', async () => {
  const writes: SinkRequest[] = [];
  const sink: SampleSink = { protocols: [RW1], write: (r) => { if (r.metadataOnly === true) writes.push({ ...r, body: r.body.slice() }); } };
  const scraper = new TargetScraper(targetSpec(`${target.origin}/a`), { sink, metrics: testMetrics(), now: () => 10_000, metadataIntervalMs: 60_000, metadataMaxPerRequest: 3 });
  try {
    await scraper.scrape();
  } finally {
    await scraper.stop();
  }
  expect(writes.map((w) => [w.metadataEntries, decodeRw1(w.body).metadata.length])).toEqual([[3, 3], [3, 3], [1, 1]]);
});

test('the send queue closes metadata batches at max_samples_per_send entries, across targets', async () => {
  received.length = 0;
  const writer = createRemoteWriter({ endpoints: [{ url: `${receiver.origin}/write`, metadata_config: { max_samples_per_send: 5 } }] });
  const write = (request: SinkRequest) => { writer.write(request); };
  try {
    for (const [path, key] of [['/a', 'ta'], ['/b', 'tb']] as const) {
      const scraper = new TargetScraper(targetSpec(`${target.origin}${path}`), {
        sink: { protocols: [RW1], write: (r) => { if (r.metadataOnly === true) write({ ...r, shardKey: key }); } },
        metrics: testMetrics(), now: () => 10_000, metadataIntervalMs: 60_000, metadataMaxPerRequest: 5,
      });
      try {
        await scraper.scrape();
      } finally {
        await scraper.stop();
      }
    }
    await writer.flush();
  } finally {
    await writer.close(1000);
  }
  // Target a: 5 + 2 entries (split by its core); b's 3 join a's last 2 in one batch of 5.
  expect(received.map((names) => names.length)).toEqual([5, 5]);
  expect(received.flat().sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'b0', 'b1', 'b2']);
  expect(received.every((names) => names.length <= 5)).toBe(true);
});
