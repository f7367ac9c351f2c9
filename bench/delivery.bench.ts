/**
 * Delivery: what it costs to get samples from a scrape onto the wire.
 *
 *   npm run build && npm run bench -- delivery          (node --expose-gc dist/bench/delivery.bench.js)
 *   BENCH_TIME_MS   time per tinybench task (default 3000)
 *   BENCH_SECONDS   length of each many-targets run (default 30)
 *   BENCH_PARTS     which parts to run, e.g. "1,3" (default "1,2,3")
 *
 * 1. Throughput on full requests (bench/lib/delivery-throughput.ts): one operation = 10 requests
 *    of 2,000 samples (max_samples_per_send's default), 20,000 samples over 2,000 series,
 *    kubelet-like labels, through a RemoteWriter (4 shards, memory queue, undici) to a sink
 *    answering 204 in another process on 127.0.0.1. Samples/s. Baselines: protobufjs encode,
 *    + snappyjs; the production path: a Core holding a scraped page of 20,000 series handing its
 *    requests to the writer through writeScrape, as TargetScraper does.
 * 2. Encoding a batch, the options measured: 1.0, the parts concatenated and compressed by
 *    snappyjs or by the core (src/core/batch-codec.ts); 2.0, the parts merged in TypeScript
 *    (shifting refs, or de-duplicating through a Map) then compressed by the core, against merge
 *    and compression both in the core. Parts: 10 targets' requests of ~200 samples each.
 * 3. Many small requests in real time (bench/lib/delivery-many.ts): T targets x S samples every
 *    second, each target at its own phase, its page and its 5 report series written through
 *    writeScrape, for BENCH_SECONDS; each case in a fresh process. Reported: requests/s received
 *    by the sink, CPU of this process per sample and in cores, how late the writes ran behind
 *    their schedule (the event loop keeping up), the time to drain at the end, peak RSS, and the
 *    sink's own CPU (to show the harness was not the bottleneck).
 */
import { spawnSync } from 'node:child_process';
import { manyTargets } from './lib/delivery-many';
import { startSink } from './lib/delivery-sink';
import { batchEncodingSuite, throughputSuite } from './lib/delivery-throughput';

const MANY_CASES = [
  { targets: 500, samples: 3000 },
  { targets: 2000, samples: 200 },
];

async function main(): Promise<void> {
  const many = process.argv.find((a) => a.startsWith('--many='));
  if (many !== undefined) {
    const [targets, samples] = many.slice('--many='.length).split('x').map(Number);
    const sink = await startSink();
    try {
      console.log(JSON.stringify(await manyTargets(sink, targets, samples, Number(process.env.BENCH_SECONDS ?? 30))));
    } finally {
      sink.stop();
    }
    return;
  }
  const timeMs = Number(process.env.BENCH_TIME_MS ?? 3000);
  const parts = (process.env.BENCH_PARTS ?? '1,2,3').split(',');
  if (parts.includes('1')) {
    const sink = await startSink();
    try {
      await throughputSuite(sink, timeMs);
    } finally {
      sink.stop();
    }
  }
  if (parts.includes('2')) await batchEncodingSuite(timeMs);
  if (parts.includes('3')) {
    console.log(`\nmany small requests, ${process.env.BENCH_SECONDS ?? 30} s per case, each in a fresh process:`);
    console.log('| case | samples/s written | requests/s | samples/request | CPU µs/sample | CPU (cores) | late p99 / max (ms) | drain (ms) | sent | peak RSS (MiB) | sink CPU (cores) |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const c of MANY_CASES) {
      const run = spawnSync(process.execPath, ['--expose-gc', __filename, `--many=${c.targets}x${c.samples}`], { encoding: 'utf8', env: process.env });
      const line = run.stdout.trim().split('\n').pop() ?? '';
      if (run.status !== 0 || !line.startsWith('{')) {
        console.log(`| ${c.targets} x ${c.samples} | failed: ${run.stderr.trim().split('\n').pop()} |`);
        continue;
      }
      const r = JSON.parse(line) as Record<string, number>;
      console.log(`| ${c.targets} targets x ${c.samples} samples/s | ${Math.round(r.samplesPerSecond).toLocaleString('en-US')} | ${Math.round(r.requestsPerSecond).toLocaleString('en-US')} | ${Math.round(r.samplesPerRequest)} | ${r.cpuMicrosPerSample.toFixed(3)} | ${r.cpuCores.toFixed(2)} | ${r.lateP99Ms.toFixed(0)} / ${r.lateMaxMs.toFixed(0)} | ${r.drainMs.toFixed(0)} | ${(100 * r.sentFraction).toFixed(1)}% | ${r.peakRssMiB.toFixed(0)} | ${r.sinkCpuCores.toFixed(2)} |`);
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
