/**
 * The end of a big first scrape and the event loop: a collector (in this process, so the event
 * loop measured is its own) scrapes one large page (every series new) and, beside it, a small
 * page every 100 ms. The page, the small page and a remote-write endpoint that discards
 * everything are served by a child process, so their CPU is not in the measured loop.
 *
 * Reports, over the big scrape (from its request to its `scrape` event): the event loop's delay
 * (perf_hooks monitorEventLoopDelay, 10 ms resolution: its max is the longest task), the longest
 * gap between two runs of a 5 ms interval timer, how late the small target's ticks started
 * (scrapewire_scrape_tick_delay_seconds: in the window, the big target has one tick) and how many of its scrapes completed, and
 * the time from the page's last byte leaving the server to the big scrape's end (the end of the
 * scrape: finish, encode, handing requests to the send queue, batching).
 *
 *   npm run build && npm run bench -- long-task
 *   BENCH_PAGE_MB=200 npm run bench -- long-task
 *   BENCH_ROOT=/tmp/other-tree npm run bench -- long-task     (the collector of another build)
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/long-task.bench.js    (a CPU profile)
 *   BENCH_TRACE=1: also lists every call on a Core over 20 ms, by method (what the long tasks were)
 *   BENCH_GAPS=1: also lists every gap of the 5 ms timer over 50 ms (when in the scrape, how long)
 *
 * The page is generated once (cadvisor kind, seed 1) into the temporary directory and reused.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Collector as CollectorClass } from '../src/collector/collector';
import { generatePayload } from './payload/generate';

const ROOT = path.resolve(process.env.BENCH_ROOT ?? path.join(__dirname, '..', '..'));
const PAGE_MB = Number(process.env.BENCH_PAGE_MB ?? 200);
const SMALL_INTERVAL_MS = Number(process.env.BENCH_SMALL_INTERVAL_MS ?? 100);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Collector } = require(path.join(ROOT, 'dist', 'src', 'collector')) as { Collector: typeof CollectorClass };

/** BENCH_TRACE=1: calls on a Core that took over 20 ms, by method (what the long tasks were). */
const slowCalls = new Map<string, number[]>();
if (process.env.BENCH_TRACE) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proto = (require(path.join(ROOT, 'dist', 'src', 'core', 'core')) as { Core: { prototype: Record<string, unknown> } }).Core.prototype;
  for (const method of ['feed', 'finish', 'encode', 'rebuild', 'appendReport', 'abort']) {
    const original = proto[method] as (...args: unknown[]) => unknown;
    proto[method] = function traced(this: unknown, ...args: unknown[]): unknown {
      const start = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        const ms = performance.now() - start;
        if (ms > 20) slowCalls.set(method, [...(slowCalls.get(method) ?? []), Math.round(ms)]);
      }
    };
  }
}

function pageFile(): string {
  const file = path.join(os.tmpdir(), `sw-longtask-cadvisor-${PAGE_MB}MB-seed1.txt`);
  if (fs.existsSync(file)) return file;
  const fd = fs.openSync(`${file}.tmp`, 'w');
  for (const chunk of generatePayload({ kind: 'cadvisor', sizeBytes: PAGE_MB * 1e6, seed: 1 })) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

/** The child: /big streams the file, /small a ~20 KB page, /write discards. Reports its port and when /big ended. */
const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const file = process.argv[2];
let small = '# TYPE small_metric gauge\\n';
for (let i = 0; small.length < 20000; i++) small += 'small_metric{i="' + i + '",pod="p' + (i % 37) + '"} ' + i + '\\n';
const server = http.createServer((req, res) => {
  if (req.url === '/big') {
    process.send({ bigRequested: true });
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    const stream = fs.createReadStream(file, { highWaterMark: 64 * 1024 });
    stream.pipe(res);
    res.on('finish', () => process.send({ bigServedAt: Date.now() }));
    return;
  }
  if (req.url === '/small') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(small);
    return;
  }
  req.resume();
  req.on('end', () => { res.writeHead(204); res.end(); });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
`;

async function main(): Promise<void> {
  const file = pageFile();
  const script = path.join(os.tmpdir(), `sw-longtask-server-${process.pid}.js`);
  fs.writeFileSync(script, SERVER);
  const child = fork(script, [file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages: Array<{ port?: number; bigServedAt?: number; bigRequested?: boolean }> = [];
  child.on('message', (message) => messages.push(message as never));
  const bigRequested = new Promise<void>((resolve) => child.on('message', (m: { bigRequested?: boolean }) => { if (m.bigRequested) resolve(); }));
  const port = await new Promise<number>((resolve) => child.on('message', (m: { port?: number }) => { if (m.port) resolve(m.port); }));
  const address = `127.0.0.1:${port}`;
  console.log(`page ${path.basename(file)} (${(fs.statSync(file).size / 1e6).toFixed(0)} MB), small target every ${SMALL_INTERVAL_MS} ms; collector from ${ROOT}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const collector = await Collector.start({
    listen: false,
    config: {
      global: { scrape_interval: '60s', scrape_timeout: '30s' },
      scrape_configs: [
        { job_name: 'big', honor_timestamps: false, metrics_path: '/big', static_configs: [{ targets: [address] }] },
        { job_name: 'small', scrape_interval: `${SMALL_INTERVAL_MS}ms`, scrape_timeout: `${SMALL_INTERVAL_MS}ms`, metrics_path: '/small', static_configs: [{ targets: [address] }] },
      ],
      remote_write: [{ url: `http://${address}/write` }],
    },
  } as never);

  const delay = monitorEventLoopDelay({ resolution: 10 });
  let lastProbe = performance.now();
  let bigStartAt = 0;
  const gaps: string[] = [];
  let longestGap = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    if (now - lastProbe > 50 && process.env.BENCH_GAPS) gaps.push(`${(lastProbe - bigStartAt).toFixed(0)}+${(now - lastProbe).toFixed(0)}`);
    longestGap = Math.max(longestGap, now - lastProbe);
    lastProbe = now;
  }, 5);
  let smallScrapes = 0;
  let smallFailed = 0;
  let counting = false;
  const big = new Promise<{ durationMs: number; samples: number; samplesWritten: number; up: boolean; at: number }>((resolve) => {
    collector.on('scrape', (event) => {
      if (event.job === 'small') {
        if (!counting) return;
        smallScrapes++;
        if (!event.up) smallFailed++;
      } else if (event.job === 'big') {
        resolve({ durationMs: event.durationMs, samples: event.samples, samplesWritten: event.samplesWritten, up: event.up, at: Date.now() });
      }
    });
  });
  // The big target's phase within its minute is a hash: wait for its request.
  await bigRequested;
  const tickDelaysBefore = await tickDelayBuckets(collector);
  counting = true;
  delay.enable();
  lastProbe = performance.now();
  longestGap = 0;
  gaps.length = 0;
  const bigStart = performance.now();
  bigStartAt = bigStart;
  const bigScrape = await big;
  // The scrape event comes at the end of the task that ended the scrape: let the probes run once
  // more, or that task's length would not be seen.
  await new Promise((resolve) => setTimeout(resolve, 30));
  delay.disable();
  clearInterval(probe);
  const elapsed = performance.now() - bigStart;
  const tickDelays = await tickDelayBuckets(collector);
  const servedAt = messages.find((m) => m.bigServedAt !== undefined)?.bigServedAt;
  await collector.stop(5000);
  child.kill();
  fs.rmSync(script, { force: true });

  if (gaps.length > 0) console.log(`gaps over 50 ms (start+length, ms after the request): ${gaps.join(' ')}; served at ${servedAt === undefined ? '?' : servedAt - (Date.now() - (performance.now() - bigStart))} ms`);
  for (const [method, times] of slowCalls) console.log(`Core.${method} calls over 20 ms: ${times.join(', ')}`);
  const ms = (ns: number): string => (ns / 1e6).toFixed(1);
  console.log(`big scrape: up ${bigScrape.up}, ${bigScrape.samples} samples kept, ${bigScrape.samplesWritten} written, scrape ${(bigScrape.durationMs / 1000).toFixed(2)} s; `
    + `end of the scrape (last byte served -> scrape event) ${servedAt === undefined ? '?' : ((bigScrape.at - servedAt) / 1000).toFixed(2)} s`);
  console.log(`event-loop delay over ${(elapsed / 1000).toFixed(1)} s: p50 ${ms(delay.percentile(50))} ms, p99 ${ms(delay.percentile(99))} ms, max ${ms(delay.max)} ms; longest gap of a 5 ms timer ${longestGap.toFixed(0)} ms`);
  const expected = Math.floor(elapsed / SMALL_INTERVAL_MS);
  console.log(`small target: ${smallScrapes} scrapes completed (${smallFailed} failed) of ~${expected} slots; tick delay ${describeDelays(tickDelaysBefore, tickDelays)}`);
}

type Buckets = Map<number, number>;

async function tickDelayBuckets(collector: CollectorClass): Promise<Buckets> {
  const metric = collector.registry.getSingleMetric('scrapewire_scrape_tick_delay_seconds');
  const buckets: Buckets = new Map();
  if (metric === undefined) return buckets;
  const data = await metric.get();
  for (const value of data.values) {
    if (!(value as { metricName?: string }).metricName?.endsWith('_bucket')) continue;
    const le = value.labels.le === '+Inf' ? Infinity : Number(value.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + value.value);
  }
  return buckets;
}

/** The ticks in the window, by bucket: how many within each bound. */
function describeDelays(before: Buckets, after: Buckets): string {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  const parts = bounds.filter((le) => le >= 0.01).map((le) => {
    const n = (after.get(le) ?? 0) - (before.get(le) ?? 0);
    return `<=${le === Infinity ? 'inf' : `${le * 1000}ms`}: ${n}`;
  });
  return `${total} ticks; ${parts.join(', ')}`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
