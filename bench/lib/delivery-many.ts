/**
 * The delivery benchmark's many-small-requests case (bench/delivery.bench.ts, part 3): T targets
 * x S samples every second, in real time. Written against the API the delivery path has had
 * since before batching (Core, writeScrape, RemoteWriter with config from parseConfig), so the
 * same code measures a build before and after a change in one sitting.
 *
 * Ten Cores hold application pages of S samples (seeds 1-10) and one holds the 5 report series;
 * target i writes core i % 10's page and the report series at its phase in each second, with its
 * own shard key, through writeScrape, as TargetScraper does (the encode from the core is part of
 * what is measured; parsing is not).
 */
import { Registry } from 'prom-client';
import { Core } from '../../src/core';
import { parseConfig } from '../../src/config/load';
import { RemoteWriter } from '../../src/remote';
import { writeScrape } from '../../src/scrape/sample-sink';
import { collectPayload } from '../payload/generate';
import type { Sink } from './delivery-sink';

const DISTINCT_PAGES = 10;
/** Application pages run at ~126 bytes per sample (bench/payload, seed 1). */
const BYTES_PER_SAMPLE = 126;
const MAX_SAMPLES_PER_SEND = 2000;

export interface ManyTargetsResult {
  targets: number;
  samplesPerTarget: number;
  seconds: number;
  samplesPerSecond: number;
  requestsPerSecond: number;
  samplesPerRequest: number;
  cpuMicrosPerSample: number;
  cpuCores: number;
  lateP99Ms: number;
  lateMaxMs: number;
  drainMs: number;
  peakRssMiB: number;
  sinkCpuCores: number;
  /** Samples acknowledged by the sink over samples written (1: nothing dropped). */
  sentFraction: number;
}

export async function manyTargets(sink: Sink, targets: number, samplesPerTarget: number, seconds: number): Promise<ManyTargetsResult> {
  const timestampMs = Date.now();
  const pages: Core[] = [];
  for (let k = 0; k < DISTINCT_PAGES; k++) {
    const { chunks } = collectPayload({ kind: 'application', sizeBytes: samplesPerTarget * BYTES_PER_SAMPLE, seed: k + 1 });
    const core = Core.create();
    await core.scrape(chunks, { format: 'text', timestampMs });
    pages.push(core);
  }
  const report = Core.create();
  await report.scrape([Buffer.from('up 1\nscrape_duration_seconds 0.01\nscrape_samples_scraped 3000\nscrape_samples_post_metric_relabeling 3000\nscrape_series_added 0\n')], { format: 'text', timestampMs });
  const config = parseConfig(
    // A memory budget that holds any backlog of the run: what is measured is throughput, not drops.
    `remote_write: [{url: '${sink.url}', name: many, memory_budget: 2GiB, queue_config: {min_shards: 1, max_shards: 8, max_samples_per_send: ${MAX_SAMPLES_PER_SEND}}}]`,
    'bench.yml',
  );
  const registry = new Registry();
  const writer = new RemoteWriter({ registry, endpoints: config.remote_write });
  const before = await sink.stats();
  const lateness: number[] = [];
  let written = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const end = start + seconds * 1000;
  let next = 0; // index of the next write: second * targets + target
  const total = seconds * targets;
  const dueAt = (n: number): number => start + Math.floor(n / targets) * 1000 + (n % targets) * (1000 / targets);
  while (next < total) {
    const now = performance.now();
    while (next < total && dueAt(next) <= now) {
      const target = next % targets;
      const shardKey = `bench/target-${target}`;
      lateness.push(performance.now() - dueAt(next));
      written += writeScrape(pages[target % DISTINCT_PAGES], writer, { shardKey, newestTimestampMs: timestampMs, maxSamplesPerRequest: MAX_SAMPLES_PER_SEND });
      written += writeScrape(report, writer, { shardKey, newestTimestampMs: timestampMs, maxSamplesPerRequest: MAX_SAMPLES_PER_SEND });
      next++;
    }
    if (next < total) await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(5, dueAt(next) - performance.now()))));
  }
  const produced = performance.now();
  await writer.whenIdle();
  const drained = performance.now();
  const cpu = process.cpuUsage(cpuStart);
  const after = await sink.stats();
  const sent = (await registry.getSingleMetric('scrapewire_remote_write_samples_sent_total')!.get()).values.reduce((n, v) => n + v.value, 0);
  await writer.close(1000);
  lateness.sort((a, b) => a - b);
  const wallSeconds = (Math.max(produced, end) - start) / 1000;
  const cpuMicros = cpu.user + cpu.system;
  const requests = after.requests - before.requests;
  return {
    targets,
    samplesPerTarget,
    seconds,
    samplesPerSecond: written / wallSeconds,
    requestsPerSecond: requests / ((drained - start) / 1000),
    samplesPerRequest: written / requests,
    cpuMicrosPerSample: cpuMicros / written,
    cpuCores: cpuMicros / 1e6 / ((drained - start) / 1000),
    lateP99Ms: lateness[Math.floor(lateness.length * 0.99)] ?? 0,
    lateMaxMs: lateness[lateness.length - 1] ?? 0,
    drainMs: drained - produced,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    sinkCpuCores: (after.cpuMs - before.cpuMs) / 1000 / ((drained - start) / 1000),
    sentFraction: sent / written,
  };
}
