/**
 * Remote-write 1.0 metadata requests (sent at most every metadata interval, only to 1.0
 * endpoints) and global.external_labels on every series, scraped and report alike.
 */
import { Registry } from 'prom-client';
import { RemoteWriter } from '../../src/remote/remote-writer';
import { compileRelabelConfigs } from '../../src/relabel/relabeler';
import { parseConfig } from '../../src/config/load';
import { ScrapeManager } from '../../src/scrape/scrape-manager';
import type { SampleSink, SinkRequest } from '../../src/scrape/sample-sink';
import { RW1, RW2 } from '../../src/remote-write-protocol';
import { TargetScraper } from '../../src/scrape/target';
import { decodeRw1 } from '../helpers/remote-write-proto';
import { DecodingSink, targetSpec, testMetrics } from './support/decoding-sink';
import { startHttpServer, type LoopbackServer } from './support/loopback-server';

const PAGE = '# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total{queue="a"} 3\n# HELP temp_celsius Temperature.\n# TYPE temp_celsius gauge\ntemp_celsius 21.5\n';

let server: LoopbackServer;
beforeAll(async () => {
  server = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(PAGE);
  });
});
afterAll(() => server.close());

class MetadataSink implements SampleSink {
  readonly protocols = [RW1] as const;
  readonly metadata: { metric_family_name: string; type: string; help: string }[][] = [];
  write(request: SinkRequest): void {
    if (request.metadataOnly === true) this.metadata.push(decodeRw1(request.body).metadata);
  }
}

test('metadata goes out as its own 1.0 request, at most once per interval', async () => {
  let clock = 1_000_000;
  const sink = new MetadataSink();
  const target = new TargetScraper(targetSpec(`${server.origin}/metrics`), { sink, metrics: testMetrics(), now: () => clock, metadataIntervalMs: 60_000 });
  try {
    await target.scrape();
    clock += 1000;
    await target.scrape();
    clock += 60_000;
    await target.scrape();
  } finally {
    await target.stop();
  }
  expect(sink.metadata).toHaveLength(2);
  expect(sink.metadata[0].map((m) => [m.metric_family_name, m.type, m.help])).toEqual([
    ['jobs_total', 'COUNTER', 'Jobs done.'],
    ['temp_celsius', 'GAUGE', 'Temperature.'],
  ]);
});

test('a metadata request is skipped by 2.0 endpoints and queued by 1.0 ones', () => {
  const writer = new RemoteWriter({
    registry: new Registry(),
    endpoints: parseConfig(
      `remote_write:\n  - {url: 'http://127.0.0.1:9/api/v1/write', name: v1}\n  - {url: 'http://127.0.0.1:9/api/v1/write', name: v2, protobuf_message: ${RW2}}\n`,
      'metadata.yml',
    ).remote_write,
  });
  try {
    const result = writer.write({ protocol: RW1, samples: 0, newestTimestampMs: 1, shardKey: 't', metadataOnly: true, body: new Uint8Array([0x1a, 0x00]) });
    // Taken by the 1.0 endpoint (into its open metadata batch), skipped by the 2.0 one.
    expect(result).toEqual(['batched', 'skipped']);
  } finally {
    void writer.close(0);
  }
});

test('external labels reach every series the target lacks them on, report series included', async () => {
  const sink = new DecodingSink();
  const target = new TargetScraper(
    targetSpec(`${server.origin}/metrics`, { externalLabels: [['cluster', 'eu-1'], ['queue', 'ignored-when-present']] }),
    { sink, metrics: testMetrics(), now: () => 5000 },
  );
  try {
    await target.scrape();
  } finally {
    await target.stop();
  }
  const at5000 = sink.samples.filter((s) => s.timestamp === 5000 && !Number.isNaN(s.value));
  expect(at5000.length).toBeGreaterThanOrEqual(7); // 2 scraped + 5 report series
  for (const s of at5000) expect(s.labels.cluster).toBe('eu-1');
  expect(sink.of('jobs_total', 5000)[0].labels.queue).toBe('a');
  expect(sink.of('up', 5000)[0].labels.queue).toBe('ignored-when-present');
});

test('write_relabel_configs run after external labels, on scraped and report series alike', async () => {
  const sink = new DecodingSink();
  const writeRelabeler = compileRelabelConfigs([
    { source_labels: ['__name__'], regex: 'temp_celsius|scrape_series_added', action: 'drop' },
    { source_labels: ['cluster'], target_label: 'region', replacement: 'r-$1' },
  ]);
  const target = new TargetScraper(
    targetSpec(`${server.origin}/metrics`, { externalLabels: [['cluster', 'eu-1']], writeRelabeler }),
    { sink, metrics: testMetrics(), now: () => 7000 },
  );
  try {
    await target.scrape();
  } finally {
    await target.stop();
  }
  const names = new Set(sink.samples.filter((s) => s.timestamp === 7000 && !Number.isNaN(s.value)).map((s) => s.labels.__name__));
  expect(names.has('temp_celsius')).toBe(false);
  expect(names.has('scrape_series_added')).toBe(false);
  expect(names.has('jobs_total')).toBe(true);
  expect(sink.of('up', 7000)[0].labels.region).toBe('r-eu-1');
});

test('endpoints with different write_relabel_configs are refused with a clear error', () => {
  const config = parseConfig(
    'scrape_configs: []\nremote_write:\n  - url: http://127.0.0.1:1/w\n    write_relabel_configs: [{action: labeldrop, regex: x}]\n  - url: http://127.0.0.1:2/w\n',
    'two.yml',
  );
  expect(() => new ScrapeManager({ config, sink: new DecodingSink() })).toThrow(
    'remote_write: every endpoint must have the same write_relabel_configs',
  );
});
