/**
 * Snappy compression of remote-write requests: the core's compressor (assembly/snappy.ts, in
 * linear memory) against snappyjs, on the rw1 requests of a cAdvisor-like page (64 MB of text,
 * ~180k series, requests of 2000 samples). MB/s counts uncompressed request bytes.
 *
 *   npm run build && npm run bench -- snappy        (or node --expose-gc dist/bench/snappy.bench.js)
 *   BENCH_PAYLOAD_SIZE (default 64MB), BENCH_ITERATIONS (default 10)
 */
import { Core } from '../src/core';
import { snappy } from './lib/baselines';
import { describeRun, payloadSizeFromEnv } from './lib/context';
import { iterationsFromEnv, markdownTable, measureTasks, type TaskSpec } from './lib/measure';
import { collectPayload, parseSize, scrapeTimestampMs } from './payload/generate';
import { RW1 } from '../src/remote-write-protocol';

const MAX_SAMPLES_PER_REQUEST = 2000;

async function main(): Promise<void> {
  const size = payloadSizeFromEnv('64MB');
  const { chunks, stats } = collectPayload({ kind: 'cadvisor', sizeBytes: parseSize(size), seed: 1, chunkBytes: 64 * 1024 });
  const core = Core.create();
  await core.scrape(chunks, { format: 'text', timestampMs: scrapeTimestampMs(0) });
  const requests: Uint8Array[] = [];
  core.encode(RW1, { maxSamplesPerRequest: MAX_SAMPLES_PER_REQUEST }, (r) => requests.push(r.slice()));
  const requestBytes = requests.reduce((a, r) => a + r.length, 0);
  let coreOut = 0;
  let jsOut = 0;
  const tasks: TaskSpec[] = [
    {
      name: 'core: encode rw1 + compress in linear memory',
      bytes: requestBytes,
      series: stats.samples,
      run: () => {
        coreOut = 0;
        core.encode(RW1, { maxSamplesPerRequest: MAX_SAMPLES_PER_REQUEST, compress: true }, (r) => { coreOut += r.length; });
        return stats.samples;
      },
    },
    {
      name: 'core: encode rw1 only (to subtract)',
      bytes: requestBytes,
      series: stats.samples,
      run: () => {
        core.encode(RW1, { maxSamplesPerRequest: MAX_SAMPLES_PER_REQUEST }, () => undefined);
        return stats.samples;
      },
    },
    {
      name: 'snappyjs compress of the same requests',
      bytes: requestBytes,
      series: stats.samples,
      run: () => {
        jsOut = 0;
        for (const r of requests) jsOut += snappy.compress(r).length;
        return stats.samples;
      },
    },
  ];
  const rows = await measureTasks(tasks, iterationsFromEnv(10));
  const payload = `cadvisor, seed 1, ${stats.bytes} bytes, ${stats.samples} series; ${requests.length} rw1 requests, ${(requestBytes / 1e6).toFixed(1)} MB uncompressed`;
  console.log(`\n${describeRun('snappy', payload)}\n`);
  console.log(markdownTable(rows, 'snappyjs compress of the same requests'));
  console.log(`\ncompressed: core ${(coreOut / 1e6).toFixed(2)} MB, snappyjs ${(jsOut / 1e6).toFixed(2)} MB`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
