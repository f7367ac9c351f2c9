/**
 * What a target costs in memory: N targets (TargetScraper, the loop's path: startScrape, the
 * body fed in chunks of at most 64 KiB as undici hands them over, its report series, encoded into
 * a sink that discards) in one process,
 * each scraped a few times with a small page of S series. Every page size runs in a fresh node
 * process; RSS is taken after a full GC before the targets exist and after their scrapes.
 *
 *   npm run build && npm run bench -- target-cost
 *   BENCH_TARGETS=500 BENCH_SERIES=0,10,100,1000 BENCH_SCRAPES=3 BENCH_CHUNK_KB=64 npm run bench -- target-cost
 *   BENCH_TARGETS=500 BENCH_CADVISOR_BYTES=20000 npm run bench -- target-cost   (one row more: the
 *     peers `many` scenario's page, bench/payload's cAdvisor page of that size, ~70 series at 20 KB)
 *
 * Figures per page size: RSS per target (the delta over N), WebAssembly memory per target (the
 * sum of every core's memory.buffer, reserved: what has been grown, touched or not), instances
 * per target, V8 heap per target. The cost of an idle target is the 0-series row (an empty
 * page: only its report series); the cost of a series is the slope between rows.
 */
import { spawnSync } from 'node:child_process';
import { Registry } from 'prom-client';
import { TargetScraper, type TargetSpec } from '../src/scrape/target';
import { scrapeMetrics } from '../src/scrape/scrape-metrics';
import type { SampleSink } from '../src/scrape/sample-sink';
import type { Core } from '../src/core/core';
import { generatePayload } from './payload/generate';

const TARGETS = Number(process.env.BENCH_TARGETS ?? 500);
const SERIES = (process.env.BENCH_SERIES ?? '0,10,100,1000').split(',').map(Number);
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 3);
/** Largest chunk a fetch hands over (undici's body: 64 KiB). */
const CHUNK_BYTES = Number(process.env.BENCH_CHUNK_KB ?? 64) * 1024;
/** A cAdvisor page of this many bytes as one more row (0: none), the same page for every target. */
const CADVISOR_BYTES = Number(process.env.BENCH_CADVISOR_BYTES ?? 0);

interface Result {
  series: number;
  targets: number;
  rssPerTargetKiB: number;
  wasmPerTargetKiB: number;
  instancesPerTarget: number;
  heapPerTargetKiB: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
}

/** A row's page: `series` < 0 stands for the cAdvisor page of CADVISOR_BYTES. */
function page(series: number, target: number): Uint8Array {
  if (series < 0) return Buffer.concat([...generatePayload({ kind: 'cadvisor', sizeBytes: CADVISOR_BYTES, seed: 1, scrape: 0 })].map((c) => Buffer.from(c)));
  let text = '# TYPE app_requests_total counter\n';
  for (let i = 0; i < series; i++) {
    text += `app_requests_total{path="/api/v1/item/${i % 50}",code="${200 + (i % 5)}",shard="${i}",pod="pod-${target}"} ${i * 3}\n`;
  }
  return new TextEncoder().encode(text);
}

function spec(i: number): TargetSpec {
  const host = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8080`;
  return {
    job: 'cost',
    labels: [['instance', host], ['job', 'cost']],
    intervalMs: 1000,
    http: { url: `http://${host}/metrics`, scrapeTimeoutMs: 1000 },
    honorLabels: false,
    honorTimestamps: true,
    onParseError: 'fail',
    sampleLimit: 0,
    labelLimit: 0,
    labelNameLengthLimit: 0,
    labelValueLengthLimit: 0,
  };
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with --expose-gc (bench/run.js does)');
  collect();
  collect();
}

/** Every distinct core a target holds: its page's, and its report series' when they have their own. */
function coresOf(target: TargetScraper): Core[] {
  const cores = new Set<Core>([target.scrapedCore]);
  const report = (target as unknown as { report?: { core?: Core } }).report?.core;
  if (report !== undefined) cores.add(report);
  return [...cores];
}

async function child(series: number): Promise<Result> {
  const sink: SampleSink = { write: () => undefined };
  const metrics = scrapeMetrics(new Registry());
  // Warm up one target, so module loading and compilation are in the baseline.
  // Requests split as the collector splits them by default (max_samples_per_send: 2,000).
  const options = { sink, metrics, maxSamplesPerRequest: 2_000 };
  const warm = new TargetScraper(spec(99_999), options);
  await scrapeOnce(warm, page(series, 99_999), 1);
  await warm.stop();
  gc();
  const before = process.memoryUsage();
  const targets: TargetScraper[] = [];
  for (let i = 0; i < TARGETS; i++) targets.push(new TargetScraper(spec(i), options));
  for (let round = 0; round < SCRAPES; round++) {
    for (let i = 0; i < TARGETS; i++) await scrapeOnce(targets[i], page(series, i), 1_000 * (round + 1));
  }
  gc();
  const after = process.memoryUsage();
  let wasm = 0;
  let instances = 0;
  for (const target of targets) {
    for (const core of coresOf(target)) {
      wasm += core.memoryStats().wasmBytes;
      instances++;
    }
  }
  const result: Result = {
    series,
    targets: TARGETS,
    rssPerTargetKiB: (after.rss - before.rss) / TARGETS / 1024,
    wasmPerTargetKiB: wasm / TARGETS / 1024,
    instancesPerTarget: instances / TARGETS,
    heapPerTargetKiB: (after.heapUsed - before.heapUsed) / TARGETS / 1024,
    rssBeforeMiB: before.rss / 2 ** 20,
    rssAfterMiB: after.rss / 2 ** 20,
  };
  for (const target of targets) await target.stop();
  return result;
}

async function scrapeOnce(target: TargetScraper, body: Uint8Array, timestampMs: number): Promise<void> {
  const run = target.startScrape(timestampMs);
  run.consumer.begin('text');
  for (let at = 0; at < body.length; at += CHUNK_BYTES) run.consumer.feed(body.subarray(at, at + CHUNK_BYTES));
  run.consumer.finish();
  const outcome = await run.outcome;
  if (outcome.error !== undefined) throw outcome.error;
}

function main(): void {
  console.log(`${TARGETS} targets per run, ${SCRAPES} scrapes each, chunks of ${CHUNK_BYTES / 1024} KiB, one fresh process per page size`);
  const rows: Result[] = [];
  for (const series of CADVISOR_BYTES > 0 ? [...SERIES, -1] : SERIES) {
    const run = spawnSync(process.execPath, ['--expose-gc', __filename], {
      env: { ...process.env, BENCH_TARGET_COST_CHILD: String(series) },
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`child for ${series} series failed: ${run.stderr}`);
    rows.push(JSON.parse(run.stdout.trim().split('\n').pop()!) as Result);
  }
  console.log('\n| series per target | RSS per target | WASM memory per target | instances per target | V8 heap per target | RSS before -> after |');
  console.log('|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    console.log(`| ${r.series < 0 ? `cAdvisor page of ${CADVISOR_BYTES} bytes` : r.series} | ${r.rssPerTargetKiB.toFixed(1)} KiB | ${r.wasmPerTargetKiB.toFixed(0)} KiB | ${r.instancesPerTarget} | ${r.heapPerTargetKiB.toFixed(1)} KiB | ${r.rssBeforeMiB.toFixed(0)} -> ${r.rssAfterMiB.toFixed(0)} MiB |`);
  }
  // Bytes per series: slope of RSS per target between the smallest and the largest page.
  const sized = rows.filter((r) => r.series >= 0);
  const first = sized[0];
  const last = sized[sized.length - 1];
  if (sized.length > 1 && last.series > first.series) {
    const perSeries = ((last.rssPerTargetKiB - first.rssPerTargetKiB) * 1024) / (last.series - first.series);
    console.log(`\nRSS per series (slope ${first.series} -> ${last.series} series): ${perSeries.toFixed(0)} bytes`);
  }
}

const childSeries = process.env.BENCH_TARGET_COST_CHILD;
if (childSeries !== undefined) {
  child(Number(childSeries)).then(
    (result) => console.log(JSON.stringify(result)),
    (err) => { console.error(err); process.exit(1); },
  );
} else {
  main();
}
