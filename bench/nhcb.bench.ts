/**
 * What convert_classic_histograms_to_nhcb saves (issue 13 item 4): series, samples sent, remote
 * write 1.0 request bytes (uncompressed and snappy) and the core's memory, with and without the
 * conversion, on the three generated payloads (cAdvisor, kube-state-metrics, application). Each
 * page is scraped twice by a fresh core (the second scrape is measured: series known), then
 * encoded. Not a timing benchmark: counts and bytes.
 *
 * Reproduce:
 *   npm run build:ts && npm run bench -- nhcb
 * Environment: BENCH_PAYLOAD_SIZE (default 16MB per page).
 */
import { payloadSizeFromEnv } from './lib/context';
import { collectPayload, parseSize, scrapeTimestampMs, type PayloadKind } from './payload/generate';
import { RW1 } from '../src/remote-write-protocol';
import { Core } from '../src/core';

async function main(): Promise<void> {
  const size = parseSize(payloadSizeFromEnv('16MB'));
  const rows: string[] = [];
  for (const kind of ['cadvisor', 'kube-state-metrics', 'application'] as PayloadKind[]) {
    const { chunks, stats } = collectPayload({ kind, sizeBytes: size, seed: 1, chunkBytes: 64 * 1024 });
    for (const convert of [false, true]) {
      const core = Core.create({ convertClassicHistogramsToNhcb: convert });
      let ts = scrapeTimestampMs(0);
      await core.scrape(chunks, { format: 'text', timestampMs: (ts += 15_000) });
      const summary = await core.scrape(chunks, { format: 'text', timestampMs: (ts += 15_000) });
      let requests = 0;
      let raw = 0;
      let compressed = 0;
      core.encode(RW1, { maxSamplesPerRequest: 2000 }, (r) => { requests++; raw += r.length; });
      core.encode(RW1, { maxSamplesPerRequest: 2000, compress: true }, (r) => { compressed += r.length; });
      const memory = core.memoryStats();
      rows.push(`| ${kind} | ${convert ? 'yes' : 'no'} | ${(stats.bytes / 1e6).toFixed(1)} | ${memory.series} | ${summary.samples} | ${requests} | ${(raw / 1e6).toFixed(2)} | ${(compressed / 1e6).toFixed(2)} | ${(memory.wasmBytes / 2 ** 20).toFixed(1)} | ${(memory.labelArenaBytes / 2 ** 20).toFixed(2)} |`);
    }
  }
  console.log('| page | nhcb | MB text | series held | samples sent | requests | rw1 MB | rw1 snappy MB | wasm MiB | label arena MiB |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
