/**
 * The whole scrape-to-request path on a 100 MB page, and the memory it takes.
 *
 * A loopback target (in a child process, so its memory is not counted) streams a deterministic
 * cAdvisor-like page; a fresh process scrapes it over HTTP with scrapewire's HttpScraper into a
 * Core and encodes snappy-compressed remote-write requests, as a target scrape does: once cold
 * (all series new), then steady. It runs twice, each in its own process: with GC pacing on, as
 * the collector runs (src/runtime/gc-pacing.ts), and off, the library's default. The peak RSS
 * (VmHWM) is compared with the bound of issue 3: 64 MiB plus the live series' label bytes (the
 * bytes of their label names and values). The obvious approach (`await res.text()` +
 * parse-prometheus-text-format + protobufjs + snappyjs) runs in a process of its own on the
 * same page, for its peak RSS and time.
 *
 *   npm run build && node --expose-gc dist/bench/scrape-memory.bench.js    (or npm run bench -- scrape-memory)
 *   BENCH_PAYLOAD_SIZE=100MB (default), BENCH_ITERATIONS=3 steady scrapes (default)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { Core } from '../src/core';
import { HttpScraper } from '../src/scrape/http-scraper';
import { scrapeIntoCore } from '../src/scrape/scrape-into-core';
import { describeRun, payloadSizeFromEnv } from './lib/context';
import { iterationsFromEnv } from './lib/measure';
import { parseSize } from './payload/generate';
import { countScrapedBytes, enableGcPacing, gcPacingStats } from '../src/runtime/gc-pacing';
import { RW1 } from '../src/remote-write-protocol';

const MAX_SAMPLES_PER_REQUEST = 2000;

function peakRssMiB(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kib / 1024;
}

/** Starts the target server in a child process; resolves with its URL. */
function startTarget(sizeBytes: number): Promise<{ url: string; child: ChildProcess }> {
  const generator = join(__dirname, 'payload', 'generate.js');
  // The page is generated to a file once and served from it: the generator (~100-200 MB/s) would
  // otherwise be what the scrape waits for.
  const script = `
    const http = require('node:http');
    const fs = require('node:fs');
    const path = require('node:path');
    const os = require('node:os');
    const { generatePayload } = require(${JSON.stringify(generator)});
    const file = path.join(os.tmpdir(), 'scrapewire-bench-page-${sizeBytes}.txt');
    if (!fs.existsSync(file)) {
      const fd = fs.openSync(file + '.tmp', 'w');
      for (const chunk of generatePayload({ kind: 'cadvisor', sizeBytes: ${sizeBytes}, seed: 1, scrape: 0 })) fs.writeSync(fd, chunk);
      fs.closeSync(fd);
      fs.renameSync(file + '.tmp', file);
    }
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      fs.createReadStream(file, { highWaterMark: 64 * 1024 }).pipe(res);
    });
    server.listen(0, '127.0.0.1', () => console.log('URL http://127.0.0.1:' + server.address().port + '/metrics'));
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /URL (\S+)/.exec(out);
      if (match) resolve({ url: match[1], child });
    });
    child.once('exit', (code) => reject(new Error(`target exited with ${code}`)));
  });
}

interface PathResult {
  ms: number;
  samples: number;
  requests: number;
  requestBytes: number;
}

async function scrapewirePath(scraper: HttpScraper, core: Core, timestampMs: number): Promise<PathResult> {
  const started = performance.now();
  const { summary } = await scrapeIntoCore(scraper, core, { timestampMs, honorTimestamps: true, onBodyBytes: countScrapedBytes });
  let requests = 0;
  let requestBytes = 0;
  core.encode(RW1, { maxSamplesPerRequest: MAX_SAMPLES_PER_REQUEST, compress: true }, (bytes) => {
    requests++;
    requestBytes += bytes.length;
  });
  return { ms: performance.now() - started, samples: summary.samples, requests, requestBytes };
}

async function obviousPath(url: string): Promise<PathResult> {
  // Loaded here only: the scrapewire run must not carry protobufjs and the baselines in its RSS.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { obviousParseEncode } = require('./lib/baselines') as typeof import('./lib/baselines');
  const started = performance.now();
  const res = await request(url);
  const text = await res.body.text();
  let requests = 0;
  let requestBytes = 0;
  const samples = obviousParseEncode([Buffer.from(text)], Date.now(), MAX_SAMPLES_PER_REQUEST, (bytes) => {
    requests++;
    requestBytes += bytes.length;
  });
  return { ms: performance.now() - started, samples, requests, requestBytes };
}

interface ScrapewireRun {
  cold: PathResult & { peakRssMiB: number };
  steady: PathResult[];
  peakRssMiB: number;
  baselineRssMiB: number;
  stats: ReturnType<Core['memoryStats']>;
  gcCollections: number;
}

/** The scrapewire path in this process: one cold scrape, then steady ones; GC pacing as told. */
async function scrapewireRun(url: string, paced: boolean): Promise<ScrapewireRun> {
  const baselineRssMiB = peakRssMiB();
  if (paced) enableGcPacing();
  const scraper = new HttpScraper({ url, scrapeTimeoutMs: 120_000 });
  const core = Core.create();
  const cold = await scrapewirePath(scraper, core, Date.now());
  const coldPeak = peakRssMiB();
  const steady: PathResult[] = [];
  for (let i = 0; i < iterationsFromEnv(3); i++) steady.push(await scrapewirePath(scraper, core, Date.now()));
  await scraper.close();
  return {
    cold: { ...cold, peakRssMiB: coldPeak },
    steady,
    peakRssMiB: peakRssMiB(),
    baselineRssMiB,
    stats: core.memoryStats(),
    gcCollections: gcPacingStats().collections,
  };
}

/** Runs this file in a fresh process in `mode`; resolves with the JSON it prints last. */
function inChild<T>(mode: string, url: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // No --expose-gc: pacing takes gc() the way the collector does.
    const proc = spawn(process.execPath, [__filename, mode, url], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
    proc.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try { resolve(JSON.parse(line) as T); } catch { reject(new Error(`${mode} run exited with ${code}: ${out}`)); }
    });
  });
}

const MiB = 2 ** 20;

async function main(): Promise<void> {
  const sizeText = payloadSizeFromEnv('100MB');
  const sizeBytes = parseSize(sizeText);
  const [mode, childUrl] = process.argv.slice(2);
  if (mode === 'obvious') {
    const result = await obviousPath(childUrl);
    console.log(JSON.stringify({ ...result, peakRssMiB: peakRssMiB() }));
    return;
  }
  if (mode === 'paced' || mode === 'unpaced') {
    console.log(JSON.stringify(await scrapewireRun(childUrl, mode === 'paced')));
    return;
  }
  console.log(describeRun('scrape-memory', `cadvisor-like page of ${sizeText} streamed over loopback HTTP`));
  const { url, child } = await startTarget(sizeBytes);
  try {
    // Each configuration in a fresh process of its own: peak RSS is the process's.
    const paced = await inChild<ScrapewireRun>('paced', url);
    const unpaced = await inChild<ScrapewireRun>('unpaced', url);
    const obvious = await inChild<PathResult & { peakRssMiB: number }>('obvious', url);

    const mb = sizeBytes / 1e6;
    const stats = paced.stats;
    const labelMiB = stats.labelTextBytes / MiB;
    const boundMiB = 64 + labelMiB;
    const steadyMs = (run: ScrapewireRun): number => run.steady.reduce((a, r) => a + r.ms, 0) / run.steady.length;
    const row = (name: string, r: PathResult, ms: number, peak: number): string =>
      `| ${name} | ${ms.toFixed(0)} ms | ${(mb / (ms / 1000)).toFixed(mb / (ms / 1000) < 20 ? 1 : 0)} | ${r.samples} | ${r.requests} (${(r.requestBytes / 1e6).toFixed(1)} MB) | ${peak.toFixed(0)} MiB |`;
    console.log('');
    console.log(`node process before scraping: ${paced.baselineRssMiB.toFixed(0)} MiB RSS; series: ${stats.series}; ` +
      `label pairs: ${stats.labelPairs}; label arena: ${(stats.labelArenaBytes / MiB).toFixed(1)} MiB; ` +
      `index: ${(stats.indexBytes / MiB).toFixed(0)} MiB; wasm memory: ${(stats.wasmBytes / MiB).toFixed(0)} MiB; ` +
      `paced minor GCs: ${paced.gcCollections}`);
    console.log('');
    console.log('| path | time per scrape | MB/s | samples | requests (snappy bytes) | peak RSS (VmHWM) |');
    console.log('|---|---:|---:|---:|---:|---:|');
    console.log(row('scrapewire cold (HTTP + parse + intern + encode rw1 + snappy), GC paced as the collector', paced.cold, paced.cold.ms, paced.cold.peakRssMiB));
    console.log(row(`scrapewire steady, mean of ${paced.steady.length}, GC paced as the collector`, paced.steady[0], steadyMs(paced), paced.peakRssMiB));
    console.log(row(`scrapewire steady, mean of ${unpaced.steady.length}, no GC pacing (library default)`, unpaced.steady[0], steadyMs(unpaced), unpaced.peakRssMiB));
    console.log(row('obvious: res.text() + parse-prometheus-text-format + protobufjs + snappyjs', obvious, obvious.ms, obvious.peakRssMiB));
    console.log('');
    console.log(`bound (issue 3): peak RSS <= 64 MiB + the live series' label bytes (names and values, ${labelMiB.toFixed(1)} MiB) = ${boundMiB.toFixed(0)} MiB`);
    console.log(`  GC paced: ${paced.peakRssMiB.toFixed(0)} MiB -> ${paced.peakRssMiB <= boundMiB ? 'met' : 'NOT met'}; ` +
      `not paced: ${unpaced.peakRssMiB.toFixed(0)} MiB -> ${unpaced.peakRssMiB <= boundMiB ? 'met' : 'NOT met'}`);
  } finally {
    child.kill();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
