/**
 * The remote-write encoder alone: turning one already parsed scrape of a cAdvisor-like page
 * (64 MB by default, ~180k series) into requests of at most 2000 samples.
 *
 * - core encode rw1 / rw2: core.encode over a Core that has just scraped the page (steady:
 *   the label sets were encoded once when the series were new; this copies them and writes
 *   ~12 bytes per sample).
 * - protobufjs rw1 / rw2: WriteRequest / V2Request .encode().finish() of the same requests,
 *   decoded with protobufjs from the core's own output before timing, so both sides encode
 *   exactly the same series, samples and symbols.
 *   Without the core (while it is being written), the protobufjs rw1 row encodes the reference
 *   parser's samples instead and the rw2 row a symbol table built from them.
 *
 * MB/s counts the bytes of uncompressed requests produced; series/s the page's samples.
 *
 * Reproduce:
 *   npm run build:ts && npm run bench -- encode
 * or one process directly:
 *   node --expose-gc dist/bench/encode.bench.js
 * Environment: BENCH_PAYLOAD_SIZE=100MB (default 64MB), BENCH_ITERATIONS=5 (default 20).
 */
import type * as protobuf from 'protobufjs';
import { loadReferenceParser } from './lib/baselines';
import { describeRun, payloadSizeFromEnv } from './lib/context';
import { BenchCore, loadCore, releaseCore } from './lib/core';
import { iterationsFromEnv, markdownTable, measureTasks, TaskSpec } from './lib/measure';
import { benchRemoteWriteTypes } from './lib/remote-write';
import { collectPayload, parseSize, scrapeTimestampMs } from './payload/generate';
import { RW1, RW2, type RemoteWriteProtocol } from '../src/remote-write-protocol';

const MAX_SAMPLES_PER_REQUEST = 2000;

/** Encodes prepared messages; returns the bytes produced. */
function encodeAll(type: protobuf.Type, messages: readonly protobuf.Message[]): number {
  let bytes = 0;
  for (const message of messages) bytes += type.encode(message).finish().length;
  return bytes;
}

interface SampleRow {
  labels: readonly (readonly [string, string])[];
  value: number;
  timestampMs?: number;
}

/** Requests built from parsed samples, for when the core is not there to produce them. */
function requestsFromSamples(samples: readonly SampleRow[], timestampMs: number): { rw1: protobuf.Message[]; rw2: protobuf.Message[] } {
  const { WriteRequest, V2Request } = benchRemoteWriteTypes();
  const rw1: protobuf.Message[] = [];
  const rw2: protobuf.Message[] = [];
  for (let start = 0; start < samples.length; start += MAX_SAMPLES_PER_REQUEST) {
    const batch = samples.slice(start, start + MAX_SAMPLES_PER_REQUEST);
    rw1.push(
      WriteRequest.fromObject({
        timeseries: batch.map((s) => ({
          labels: s.labels.map(([name, value]) => ({ name, value })),
          samples: [{ value: s.value, timestamp: s.timestampMs ?? timestampMs }],
        })),
      }),
    );
    const symbols = [''];
    const refs = new Map<string, number>([['', 0]]);
    const ref = (text: string) => {
      let found = refs.get(text);
      if (found === undefined) {
        found = symbols.length;
        symbols.push(text);
        refs.set(text, found);
      }
      return found;
    };
    const timeseries = batch.map((s) => ({
      labels_refs: s.labels.flatMap(([name, value]) => [ref(name), ref(value)]),
      samples: [{ value: s.value, timestamp: s.timestampMs ?? timestampMs }],
    }));
    rw2.push(V2Request.fromObject({ symbols, timeseries }));
  }
  return { rw1, rw2 };
}

async function main(): Promise<void> {
  const size = payloadSizeFromEnv('64MB');
  const { chunks, stats } = collectPayload({ kind: 'cadvisor', sizeBytes: parseSize(size), seed: 1, chunkBytes: 64 * 1024 });
  const payload = `cadvisor, seed 1, ${stats.bytes} bytes in ${chunks.length} chunks of 64 KiB, ${stats.samples} series; requests of at most ${MAX_SAMPLES_PER_REQUEST} samples`;
  console.log(payload);
  const { WriteRequest, V2Request } = benchRemoteWriteTypes();
  const timestampMs = scrapeTimestampMs(0);
  const tasks: TaskSpec[] = [];
  const task = (name: string, bytes: number, run: () => number, note: string) => tasks.push({ name, bytes, series: stats.samples, run, note });

  let rw1Messages: protobuf.Message[];
  let rw2Messages: protobuf.Message[];
  let source: string;
  const { Core, reason: coreMissing } = loadCore();
  let core: BenchCore | undefined;
  if (Core) {
    core = Core.create();
    await core.scrape(chunks, { format: 'text', timestampMs });
    const capture = (protocol: RemoteWriteProtocol) => {
      const requests: Uint8Array[] = [];
      core!.encode(protocol, { maxSamplesPerRequest: MAX_SAMPLES_PER_REQUEST }, (request) => requests.push(Uint8Array.from(request)));
      return requests;
    };
    const rw1Bytes = capture(RW1);
    const rw2Bytes = capture(RW2);
    rw1Messages = rw1Bytes.map((bytes) => WriteRequest.decode(bytes));
    rw2Messages = rw2Bytes.map((bytes) => V2Request.decode(bytes));
    const total = (requests: Uint8Array[]) => requests.reduce((sum, request) => sum + request.length, 0);
    const encodeCore = (protocol: RemoteWriteProtocol) => () => {
      let samples = 0;
      core!.encode(protocol, { maxSamplesPerRequest: MAX_SAMPLES_PER_REQUEST }, (_request, requestSamples) => {
        samples += requestSamples;
      });
      return samples;
    };
    task('core encode rw1', total(rw1Bytes), encodeCore(RW1), `${rw1Bytes.length} requests`);
    task('core encode rw2', total(rw2Bytes), encodeCore(RW2), `${rw2Bytes.length} requests`);
    source = 'decoded from the core output';
  } else {
    console.log(`core rows skipped: ${coreMissing}`);
    const { parseReference, reason } = loadReferenceParser();
    if (!parseReference) throw new Error(`neither the core nor the reference parser is available: ${coreMissing}; ${reason}`);
    ({ rw1: rw1Messages, rw2: rw2Messages } = requestsFromSamples(parseReference(Buffer.concat(chunks), 'text').samples, timestampMs));
    source = 'built from the reference parser samples (no core yet)';
  }
  const count = (messages: protobuf.Message[]) =>
    messages.reduce((sum, message) => sum + (message as unknown as { timeseries: unknown[] }).timeseries.length, 0);
  const encodeBaseline = (type: protobuf.Type, messages: protobuf.Message[]) => () => {
    encodeAll(type, messages);
    return count(messages);
  };
  task('protobufjs encode rw1', encodeAll(WriteRequest, rw1Messages), encodeBaseline(WriteRequest, rw1Messages), `${rw1Messages.length} requests ${source}`);
  task('protobufjs encode rw2', encodeAll(V2Request, rw2Messages), encodeBaseline(V2Request, rw2Messages), `${rw2Messages.length} requests ${source}`);

  // rw1 pair, then rw2 pair (the sort is stable: core before protobufjs).
  tasks.sort((a, b) => a.name.slice(-3).localeCompare(b.name.slice(-3)));
  // Encoding takes tens of ms, not seconds: 20 iterations by default for steadier means.
  const rows = await measureTasks(tasks, iterationsFromEnv(20));
  releaseCore(core);
  console.log(`\n${describeRun('remote-write encode only', payload)}\n`);
  console.log(markdownTable(rows, 'protobufjs encode rw1'));
  if (coreMissing) console.log(`\n(rows missing: ${coreMissing})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
