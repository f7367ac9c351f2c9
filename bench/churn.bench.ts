/**
 * Interning under churn: consecutive scrapes of one target whose pods come and go (5% of the
 * series renamed every scrape, as a busy node does), through one long-lived Core with eviction,
 * against the TypeScript reference parser + protobufjs, which has no state to keep. Reports the
 * time per scrape and, for the core, the label arena and WASM memory after the last scrape, which
 * must stay flat (evicted series give their space back).
 *
 *   npm run build && npm run bench -- churn         (or node --expose-gc dist/bench/churn.bench.js)
 *   BENCH_PAYLOAD_SIZE (default 16MB), BENCH_ITERATIONS (default 20 scrapes)
 */
import { Core } from '../src/core';
import { loadReferenceParser, referenceParseEncode } from './lib/baselines';
import { describeRun, payloadSizeFromEnv } from './lib/context';
import { iterationsFromEnv, markdownTable, measureTasks, type TaskSpec } from './lib/measure';
import { collectPayload, parseSize, scrapeTimestampMs } from './payload/generate';
import { RW1 } from '../src/remote-write-protocol';

const CHURN_PERCENT = 5;
const MAX_SAMPLES_PER_REQUEST = 2000;

async function main(): Promise<void> {
  const size = payloadSizeFromEnv('16MB');
  const scrapes = iterationsFromEnv(20);
  const pages = Array.from({ length: scrapes + 1 }, (_, k) =>
    collectPayload({ kind: 'cadvisor', sizeBytes: parseSize(size), seed: 1, scrape: k, churnPercent: CHURN_PERCENT, chunkBytes: 64 * 1024 }));
  const core = Core.create({ evictAfterScrapes: 2 });
  await core.scrape(pages[0].chunks, { format: 'text', timestampMs: scrapeTimestampMs(0) });
  const before = core.memoryStats();
  let coreScrape = 0;
  let newSeries = 0;
  let refScrape = 0;
  const { parseReference } = loadReferenceParser();
  const tasks: TaskSpec[] = [
    {
      name: `core: scrape with ${CHURN_PERCENT}% churn + encode rw1 + snappy`,
      bytes: pages[1].stats.bytes,
      series: pages[1].stats.samples,
      run: async () => {
        const k = 1 + (coreScrape++ % scrapes);
        const summary = await core.scrape(pages[k].chunks, { format: 'text', timestampMs: scrapeTimestampMs(k) });
        newSeries += summary.newSeries;
        core.encode(RW1, { maxSamplesPerRequest: MAX_SAMPLES_PER_REQUEST, compress: true }, () => undefined);
        return summary.samples;
      },
    },
  ];
  if (parseReference) {
    tasks.push({
      name: 'reference: parseReference + protobufjs rw1 (stateless)',
      bytes: pages[1].stats.bytes,
      series: pages[1].stats.samples,
      run: () => {
        const k = 1 + (refScrape++ % scrapes);
        return referenceParseEncode(parseReference, pages[k].chunks, scrapeTimestampMs(k), MAX_SAMPLES_PER_REQUEST, () => undefined);
      },
    });
  }
  const rows = await measureTasks(tasks, scrapes);
  const after = core.memoryStats();
  const payload = `cadvisor, seed 1, ~${size} per scrape, ${pages[1].stats.samples} series, ${CHURN_PERCENT}% renamed per scrape, ${scrapes} scrapes`;
  console.log(`\n${describeRun('intern / churn', payload)}\n`);
  console.log(markdownTable(rows, tasks[tasks.length - 1].name));
  console.log(`\nnew series per scrape (core): ${(newSeries / Math.max(1, coreScrape)).toFixed(0)}`);
  console.log(`label arena: ${(before.labelArenaBytes / 2 ** 20).toFixed(1)} MiB after the first scrape, ${(after.labelArenaBytes / 2 ** 20).toFixed(1)} MiB after the last; live series ${before.series} -> ${after.series}; WASM memory ${(before.wasmBytes / 2 ** 20).toFixed(0)} -> ${(after.wasmBytes / 2 ** 20).toFixed(0)} MiB`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
