/**
 * Delivery throughput: what it costs to get samples from encoded requests onto the wire.
 * Each operation is one batch of 10 requests of 2,000 samples (max_samples_per_send's
 * default), i.e. 20,000 samples over 2,000 series (10 samples each), realistic kubelet-like labels.
 *
 *   npm run build && node dist/bench/delivery.bench.js
 *
 * Tasks, each a baseline for the next:
 *   - protobufjs encode    the stand-in producer (the WASM core replaces it in production)
 *   - + snappy             what the queue adds per request before it is queued
 *   - + send               RemoteWriter -> SendQueue (4 lanes, memory queue) -> undici -> a
 *                          sink answering 204 in a separate node process on 127.0.0.1
 *   - core encode + snappy in core + send   the production path: a Core that scraped a page of
 *                          20,000 series hands its requests (compressed in linear memory) to
 *                          the same RemoteWriter, as TargetScraper does
 * Reported as samples/s (mean over the runs). Runs in a fresh process; BENCH_TIME_MS sets the
 * time per task (default 3000).
 */
import { spawn } from 'node:child_process';
import { Registry } from 'prom-client';
import { RemoteWriter, RW1, type OutgoingRequest } from '../src/remote';
import { parseConfig } from '../src/config/load';
import { snappyCompress } from '../src/remote/snappy';
import { encodeRw1 } from '../test/helpers/remote-write-proto';
import { Core } from '../src/core';

const REQUESTS_PER_OP = 10;
const SERIES_PER_REQUEST = 200;
const SAMPLES_PER_SERIES = 10;
const SAMPLES_PER_REQUEST = SERIES_PER_REQUEST * SAMPLES_PER_SERIES;
const SAMPLES_PER_OP = REQUESTS_PER_OP * SAMPLES_PER_REQUEST;

function requestObject(index: number): Record<string, unknown> {
  const base = 1_700_000_000_000;
  return {
    timeseries: Array.from({ length: SERIES_PER_REQUEST }, (_, s) => ({
      labels: [
        { name: '__name__', value: 'container_cpu_usage_seconds_total' },
        { name: 'container', value: `app-${s % 17}` },
        { name: 'cpu', value: 'total' },
        { name: 'id', value: `/kubepods/burstable/pod${index}-${s}/0123456789abcdef0123456789abcdef` },
        { name: 'image', value: 'registry.example.com/team/app:1.2.3' },
        { name: 'instance', value: '10.0.0.12:10250' },
        { name: 'job', value: 'kubelet' },
        { name: 'namespace', value: `ns-${s % 5}` },
        { name: 'pod', value: `app-${s % 17}-7c9d8f6b5d-x${s}` },
      ],
      samples: Array.from({ length: SAMPLES_PER_SERIES }, (_, i) => ({ value: s * 1.5 + i, timestamp: base + i * 1000 })),
    })),
  };
}

const objects = Array.from({ length: REQUESTS_PER_OP }, (_, i) => requestObject(i));

function producer(i: number): OutgoingRequest {
  return {
    protocol: RW1,
    samples: SAMPLES_PER_REQUEST,
    newestTimestampMs: 1_700_000_009_000,
    shardKey: `source-${i % 4}`,
    body: encodeRw1(objects[i]),
  };
}

const SINK = `
const http = require('node:http');
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.statusCode = 204; res.end(); }); });
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function startSink(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  return { url: `http://127.0.0.1:${port}/api/v1/write`, stop: () => child.kill() };
}

async function main(): Promise<void> {
  const { Bench } = await import('tinybench');
  const sink = await startSink();
  const endpoints = parseConfig(`remote_write: [{url: '${sink.url}', name: bench, queue_config: {max_shards: 4}}]`, 'bench.yml').remote_write;
  const writer = new RemoteWriter({ registry: new Registry(), endpoints });
  const time = Number(process.env.BENCH_TIME_MS ?? 3000);
  const bench = new Bench({ time, warmupTime: 500 });
  let sink0 = 0;
  bench.add('protobufjs encode', () => {
    for (let i = 0; i < REQUESTS_PER_OP; i++) sink0 += encodeRw1(objects[i]).length;
  });
  bench.add('protobufjs encode + snappy', () => {
    for (let i = 0; i < REQUESTS_PER_OP; i++) sink0 += snappyCompress(encodeRw1(objects[i])).length;
  });
  bench.add('protobufjs encode + snappy + send (4 lanes, loopback sink)', async () => {
    for (let i = 0; i < REQUESTS_PER_OP; i++) writer.write(producer(i));
    await writer.whenIdle();
  });
  // The production path: one Core holding a scraped page of SAMPLES_PER_OP series.
  const core = Core.create();
  const page: string[] = [];
  for (let s = 0; s < SAMPLES_PER_OP; s++) {
    page.push(`container_cpu_usage_seconds_total{container="app-${s % 17}",cpu="total",id="/kubepods/burstable/pod${s}/0123456789abcdef",image="registry.example.com/team/app:1.2.3",namespace="ns-${s % 5}",pod="app-${s % 17}-7c9d8f6b5d-x${s}"} ${s * 1.5}`);
  }
  await core.scrape([Buffer.from(page.join('\n'))], { format: 'text', timestampMs: 1_700_000_000_000 });
  bench.add('core encode + snappy in core + send (4 lanes, loopback sink)', async () => {
    let k = 0;
    core.encodeRequests(RW1, { maxSamplesPerRequest: SAMPLES_PER_REQUEST }, (request) => {
      writer.write({ ...request, newestTimestampMs: 1_700_000_000_000, shardKey: `source-${k++ % 4}` });
    });
    await writer.whenIdle();
  });
  await bench.run();
  const rawBytes = encodeRw1(objects[0]).length;
  const compressedBytes = snappyCompress(encodeRw1(objects[0])).length;
  console.log(`delivery: ${REQUESTS_PER_OP} requests x ${SAMPLES_PER_REQUEST} samples per op; request ${rawBytes} B raw, ${compressedBytes} B snappy (node ${process.version})`);
  for (const task of bench.tasks) {
    const result = task.result as { state: string; latency?: { mean: number }; error?: unknown };
    if (result.state !== 'completed' || !result.latency) {
      console.log(`${task.name}: ${result.state} ${String(result.error ?? '')}`);
      continue;
    }
    const samplesPerSecond = SAMPLES_PER_OP / (result.latency.mean / 1000);
    console.log(`${task.name.padEnd(60)} ${Math.round(samplesPerSecond).toLocaleString('en-US').padStart(12)} samples/s  (${result.latency.mean.toFixed(2)} ms/op)`);
  }
  if (sink0 < 0) console.log(sink0);
  await writer.close(1000);
  sink.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
