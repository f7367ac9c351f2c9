/**
 * Parts 1 and 2 of the delivery benchmark (bench/delivery.bench.ts): the writer's throughput on
 * full requests, and the options for encoding a batch.
 */
import { Registry } from 'prom-client';
import { BatchCodec } from '../../src/core/batch-codec';
import { Core } from '../../src/core';
import { parseConfig } from '../../src/config/load';
import { RemoteWriter, RW1, RW2, type OutgoingRequest } from '../../src/remote';
import { snappyCompress } from '../../src/remote/snappy';
import { writeScrape } from '../../src/scrape/sample-sink';
import { encodeRw1 } from '../../test/helpers/remote-write-proto';
import { collectPayload } from '../payload/generate';
import type { Sink } from './delivery-sink';
import { mergeRw2Dedup, mergeRw2Offsets } from './rw2-merge';

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

interface Completed {
  state: string;
  latency?: { mean: number };
  error?: unknown;
}

function report(bench: { tasks: Array<{ name: string; result: unknown }> }, unit: (meanMs: number) => string): void {
  for (const task of bench.tasks) {
    const result = task.result as Completed;
    if (result.state !== 'completed' || !result.latency) {
      console.log(`${task.name}: ${result.state} ${String(result.error ?? '')}`);
      continue;
    }
    console.log(`${task.name.padEnd(64)} ${unit(result.latency.mean)}  (${result.latency.mean.toFixed(3)} ms/op)`);
  }
}

export async function throughputSuite(sink: Sink, timeMs: number): Promise<void> {
  const { Bench } = await import('tinybench');
  const objects = Array.from({ length: REQUESTS_PER_OP }, (_, i) => requestObject(i));
  const config = parseConfig(`remote_write: [{url: '${sink.url}', name: bench, queue_config: {min_shards: 4, max_shards: 4}}]`, 'bench.yml');
  const writer = new RemoteWriter({ registry: new Registry(), endpoints: config.remote_write });
  const bench = new Bench({ time: timeMs, warmupTime: 500 });
  let keep = 0;
  bench.add('protobufjs encode', () => {
    for (let i = 0; i < REQUESTS_PER_OP; i++) keep += encodeRw1(objects[i]).length;
  });
  bench.add('protobufjs encode + snappyjs', () => {
    for (let i = 0; i < REQUESTS_PER_OP; i++) keep += snappyCompress(encodeRw1(objects[i])).length;
  });
  bench.add('protobufjs encode + send (4 shards, loopback sink)', async () => {
    for (let i = 0; i < REQUESTS_PER_OP; i++) {
      const request: OutgoingRequest = { protocol: RW1, body: encodeRw1(objects[i]), samples: SAMPLES_PER_REQUEST, newestTimestampMs: 1_700_000_009_000, shardKey: `source-${i % 4}` };
      writer.write(request);
    }
    await writer.whenIdle();
  });
  // The production path: one Core holding a scraped page of SAMPLES_PER_OP series.
  const core = Core.create();
  const page: string[] = [];
  for (let s = 0; s < SAMPLES_PER_OP; s++) {
    page.push(`container_cpu_usage_seconds_total{container="app-${s % 17}",cpu="total",id="/kubepods/burstable/pod${s}/0123456789abcdef",image="registry.example.com/team/app:1.2.3",namespace="ns-${s % 5}",pod="app-${s % 17}-7c9d8f6b5d-x${s}"} ${s * 1.5}`);
  }
  await core.scrape([Buffer.from(page.join('\n'))], { format: 'text', timestampMs: 1_700_000_000_000 });
  let k = 0;
  bench.add('core encode + hand-off + send (4 shards, loopback sink)', async () => {
    writeScrape(core, writer, { shardKey: `source-${k++ % 4}`, newestTimestampMs: 1_700_000_000_000, maxSamplesPerRequest: SAMPLES_PER_REQUEST });
    await writer.whenIdle();
  });
  await bench.run();
  const raw = encodeRw1(objects[0]).length;
  console.log(`\nthroughput: ${REQUESTS_PER_OP} requests x ${SAMPLES_PER_REQUEST} samples per op; request ${raw} B raw, ${snappyCompress(encodeRw1(objects[0])).length} B snappy (node ${process.version})`);
  report(bench, (ms) => `${Math.round(SAMPLES_PER_OP / (ms / 1000)).toLocaleString('en-US').padStart(12)} samples/s`);
  if (keep < 0) console.log(keep);
  await writer.close(1000);
}

/** 10 targets' requests of an application page each (~200 samples), in both protocols. */
async function batchParts(): Promise<{ rw1: Uint8Array[]; rw2: Uint8Array[]; samples: number }> {
  const rw1: Uint8Array[] = [];
  const rw2: Uint8Array[] = [];
  let samples = 0;
  for (let t = 0; t < 10; t++) {
    const { chunks, stats } = collectPayload({ kind: 'application', sizeBytes: 200 * 126, seed: t + 1 });
    const core = Core.create();
    await core.scrape(chunks, { format: 'text', timestampMs: 1_700_000_000_000 });
    core.encodeRequests(RW1, {}, (r) => rw1.push(r.body.slice()));
    core.encodeRequests(RW2, {}, (r) => rw2.push(r.body.slice()));
    samples += stats.samples;
  }
  return { rw1, rw2, samples };
}

export async function batchEncodingSuite(timeMs: number): Promise<void> {
  const { Bench } = await import('tinybench');
  const { rw1, rw2, samples } = await batchParts();
  const codec = new BatchCodec();
  const concat = (parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);
  const rw1Bytes = rw1.reduce((n, p) => n + p.length, 0);
  const rw2Bytes = rw2.reduce((n, p) => n + p.length, 0);
  const bench = new Bench({ time: timeMs, warmupTime: 300 });
  const sizes: Record<string, number> = {};
  const task = (name: string, run: () => Uint8Array): void => {
    bench.add(name, () => {
      sizes[name] = run().length;
    });
  };
  task('1.0: concatenate + snappyjs', () => snappyCompress(concat(rw1)));
  task('1.0: concatenate + compress in the core (BatchCodec)', () => codec.encode(RW1, rw1));
  task('2.0: TS merge, refs shifted (duplicates kept) + core compress', () => codec.encode(RW1, [mergeRw2Offsets(rw2)]));
  task('2.0: TS merge, Map de-duplication + core compress', () => codec.encode(RW1, [mergeRw2Dedup(rw2)]));
  task('2.0: merge + compress in the core (BatchCodec)', () => codec.encode(RW2, rw2));
  await bench.run();
  console.log(`\nbatch encoding: 10 targets, ${samples} samples; 1.0 parts ${rw1Bytes} B, 2.0 parts ${rw2Bytes} B (MB/s of parts in; compressed size)`);
  for (const t of bench.tasks) {
    const result = t.result as Completed;
    if (result.state !== 'completed' || !result.latency) continue;
    const inBytes = t.name.startsWith('1.0') ? rw1Bytes : rw2Bytes;
    console.log(`  ${t.name.padEnd(64)} ${(inBytes / 1e6 / (result.latency.mean / 1000)).toFixed(0).padStart(6)} MB/s, ${Math.round(samples / (result.latency.mean / 1000)).toLocaleString('en-US').padStart(12)} samples/s, ${sizes[t.name]} B out`);
  }
}
