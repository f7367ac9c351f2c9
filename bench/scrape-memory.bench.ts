/**
 * The whole scrape-to-request path on a 100 MB page, and the memory it takes.
 *
 * A loopback target (in a child process, so its memory is not counted) streams a deterministic
 * cAdvisor-like page; this process scrapes it over HTTP with scrapewire's HttpScraper into a Core
 * and encodes snappy-compressed remote-write requests, as a target scrape does: once cold (all
 * series new), then steady. The peak RSS (VmHWM) is compared with the bound of issue 3: 64 MB plus
 * the live series' label bytes. The obvious approach (`await res.text()` +
 * parse-prometheus-text-format + protobufjs + snappyjs) runs in a fresh process of its own on the
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
  const { summary } = await scrapeIntoCore(scraper, core, { timestampMs, honorTimestamps: true });
  let requests = 0;
  let requestBytes = 0;
  core.encode('rw1', { maxSamplesPerRequest: MAX_SAMPLES_PER_REQUEST, compress: true }, (bytes) => {
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

async function main(): Promise<void> {
  const sizeText = payloadSizeFromEnv('100MB');
  const sizeBytes = parseSize(sizeText);
  const mode = process.argv[2] ?? 'scrapewire';
  const { url, child } = await startTarget(sizeBytes);
  try {
    if (mode === 'obvious') {
      const result = await obviousPath(url);
      console.log(JSON.stringify({ ...result, peakRssMiB: peakRssMiB() }));
      return;
    }
    console.log(describeRun('scrape-memory', `cadvisor-like page of ${sizeText} streamed over loopback HTTP`));
    const baseline = peakRssMiB();
    const scraper = new HttpScraper({ url, scrapeTimeoutMs: 120_000 });
    const core = Core.create();
    const cold = await scrapewirePath(scraper, core, Date.now());
    const coldPeak = peakRssMiB();
    const steady: PathResult[] = [];
    for (let i = 0; i < iterationsFromEnv(3); i++) steady.push(await scrapewirePath(scraper, core, Date.now()));
    await scraper.close();
    const stats = core.memoryStats();
    const peak = peakRssMiB();
    const labelMiB = stats.labelArenaBytes / 2 ** 20;
    const boundMiB = 64 + labelMiB;
    const steadyMs = steady.reduce((a, r) => a + r.ms, 0) / steady.length;

    // The obvious approach in a fresh process of its own (its peak RSS would hide ours otherwise).
    const obvious = await new Promise<PathResult & { peakRssMiB: number }>((resolve, reject) => {
      const proc = spawn(process.execPath, ['--expose-gc', __filename, 'obvious'], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
      let out = '';
      proc.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
      proc.once('exit', (code) => {
        const line = out.trim().split('\n').pop() ?? '';
        try { resolve(JSON.parse(line)); } catch { reject(new Error(`obvious run exited with ${code}: ${out}`)); }
      });
    });

    const mb = sizeBytes / 1e6;
    console.log('');
    console.log(`node process before scraping: ${baseline.toFixed(0)} MiB RSS; series: ${stats.series}; label arena: ${labelMiB.toFixed(1)} MiB; wasm memory: ${(stats.wasmBytes / 2 ** 20).toFixed(0)} MiB`);
    console.log('');
    console.log('| path | time per scrape | MB/s | samples | requests (snappy bytes) | peak RSS (VmHWM) |');
    console.log('|---|---:|---:|---:|---:|---:|');
    console.log(`| scrapewire cold (HTTP + parse + intern + encode rw1 + snappy) | ${cold.ms.toFixed(0)} ms | ${(mb / (cold.ms / 1000)).toFixed(0)} | ${cold.samples} | ${cold.requests} (${(cold.requestBytes / 1e6).toFixed(1)} MB) | ${coldPeak.toFixed(0)} MiB |`);
    console.log(`| scrapewire steady, mean of ${steady.length} | ${steadyMs.toFixed(0)} ms | ${(mb / (steadyMs / 1000)).toFixed(0)} | ${steady[0].samples} | ${steady[0].requests} (${(steady[0].requestBytes / 1e6).toFixed(1)} MB) | ${peak.toFixed(0)} MiB |`);
    console.log(`| obvious: res.text() + parse-prometheus-text-format + protobufjs + snappyjs | ${obvious.ms.toFixed(0)} ms | ${(mb / (obvious.ms / 1000)).toFixed(1)} | ${obvious.samples} | ${obvious.requests} (${(obvious.requestBytes / 1e6).toFixed(1)} MB) | ${obvious.peakRssMiB.toFixed(0)} MiB |`);
    console.log('');
    console.log(`bound (issue 3): peak RSS <= 64 MiB + label bytes = ${boundMiB.toFixed(0)} MiB -> ${peak <= boundMiB ? 'met' : 'NOT met'} (${peak.toFixed(0)} MiB)`);
  } finally {
    child.kill();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
