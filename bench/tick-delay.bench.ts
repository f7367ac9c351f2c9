/**
 * Many targets at 1 s: is every scrape on time? The collector (as `npm start` runs it: bench/lib/start-command.ts)
 * scrapes T targets of S KB from the peers benchmark's loopback target server and writes to a
 * loopback remote-write endpoint that accepts and discards everything (no receiver's CPU in the
 * way). After the window, the collector's own /metrics says how late its ticks started
 * (scrapewire_scrape_tick_delay_seconds), how many were skipped, and what prom-client saw of the
 * event loop; the target server says how many sockets the collector kept open.
 *
 *   npm run build && npm run bench -- tick-delay
 *   BENCH_TARGETS=2000 BENCH_PAGE_KB=20 BENCH_SECONDS=40 npm run bench -- tick-delay
 *   BENCH_CLI='node /elsewhere/dist/src/cli.js' npm run bench -- tick-delay    (another build)
 *
 * Quantiles come from the histogram's buckets (the upper bound of the bucket that holds them).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../test/helpers/receivers';
import { startCommand } from './lib/start-command';
import { peerConfigYaml } from './peers/config';
import { ProcessSampler } from './peers/proc';
import { TargetServer } from './peers/target-server';

const ROOT = path.resolve(__dirname, '..', '..');
const TARGETS = Number(process.env.BENCH_TARGETS ?? 2000);
const PAGE_KB = Number(process.env.BENCH_PAGE_KB ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 40);
const INTERVAL_S = Number(process.env.BENCH_INTERVAL ?? 1);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A remote-write endpoint that reads and drops every request. */
async function discardingReceiver(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1/write`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Parses the text exposition into name{labels} -> value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

function sumOf(metrics: Map<string, number>, name: string): number {
  let sum = 0;
  for (const [key, value] of metrics) if (key === name || key.startsWith(`${name}{`)) sum += value;
  return sum;
}

/** The upper bound of the bucket holding quantile q of the histogram `name`. */
function bucketQuantile(metrics: Map<string, number>, name: string, q: number): string {
  const buckets: Array<[number, number]> = [];
  for (const [key, value] of metrics) {
    const match = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`).exec(key);
    if (match) buckets.push([match[1] === '+Inf' ? Infinity : Number(match[1]), value]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
  const total = buckets[buckets.length - 1]?.[1] ?? 0;
  const found = buckets.find(([, count]) => count >= q * total);
  if (!found) return '–';
  return found[0] === Infinity ? `> ${buckets[buckets.length - 2][0]} s` : `<= ${found[0] * 1000} ms`;
}

function shareAbove(metrics: Map<string, number>, name: string, le: number): string {
  const total = metrics.get(`${name}_count`) ?? 0;
  const within = metrics.get(`${name}_bucket{le="${le}"}`) ?? 0;
  return total === 0 ? '–' : `${(((total - within) / total) * 100).toFixed(2)}%`;
}

async function main(): Promise<void> {
  const start = startCommand(ROOT);
  const cli = process.env.BENCH_CLI ? process.env.BENCH_CLI.split(' ') : start.argv;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-ticks-'));
  const server = await new TargetServer({ kind: 'cadvisor', sizeBytes: PAGE_KB * 1000, targets: TARGETS }).start();
  const receiver = await discardingReceiver();
  const port = await freePort();
  const config = path.join(work, 'scrape.yml');
  fs.writeFileSync(config, peerConfigYaml({
    address: server.address,
    paths: Array.from({ length: TARGETS }, (_, i) => server.path(i)),
    intervalSeconds: INTERVAL_S,
    timeoutSeconds: INTERVAL_S,
    remoteWriteUrl: receiver.url,
  }));
  console.log(`${TARGETS} targets x ${PAGE_KB} KB every ${INTERVAL_S} s for ${SECONDS} s; collector: ${cli.join(' ')}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const child = spawn(cli[0], [...cli.slice(1), 'run', `--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.path=${path.join(work, 'data')}`, '--log.level=error'], { stdio: ['ignore', 'ignore', 'inherit'], cwd: work });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => { child.kill('SIGKILL'); process.exit(130); });
  const sampler = new ProcessSampler(child.pid!, { intervalMs: 250 }).start();
  try {
    while (server.totals().requests === 0) {
      if (child.exitCode !== null) throw new Error(`collector exited with ${child.exitCode}`);
      await sleep(50);
    }
    const cpu0 = sampler.cpuSeconds() ?? 0;
    let peakSockets = 0;
    const started = Date.now();
    while (Date.now() - started < SECONDS * 1000) {
      await sleep(250);
      peakSockets = Math.max(peakSockets, server.openConnections);
    }
    const cpu = (sampler.cpuSeconds() ?? cpu0) - cpu0;
    const text = await new Promise<string>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/metrics`, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => { body += chunk; });
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
    const metrics = parseMetrics(text);
    const delay = 'scrapewire_scrape_tick_delay_seconds';
    const totals = server.totals();
    const rows: Array<[string, string]> = [
      ['scrapes served by the target server', `${totals.served} (${(totals.served / SECONDS).toFixed(0)}/s for ${TARGETS} targets)`],
      ['scrapes by the collector (success / all)', `${metrics.get('scrapewire_scrape_scrapes_total{job="peers",result="success"}') ?? 0} / ${sumOf(metrics, 'scrapewire_scrape_scrapes_total')}`],
      ['skipped ticks', String(sumOf(metrics, 'scrapewire_scrape_skipped_ticks_total'))],
      ['ticks observed', String(metrics.get(`${delay}_count`) ?? '– (no tick delay histogram in this build)')],
      ['tick delay p50 / p90 / p99', `${bucketQuantile(metrics, delay, 0.5)} / ${bucketQuantile(metrics, delay, 0.9)} / ${bucketQuantile(metrics, delay, 0.99)}`],
      ['ticks later than 10 ms / 100 ms', `${shareAbove(metrics, delay, 0.01)} / ${shareAbove(metrics, delay, 0.1)}`],
      ['event-loop delay p99 / max (prom-client, since its last collect)', `${((metrics.get('nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000).toFixed(1)} / ${((metrics.get('nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000).toFixed(1)} ms`],
      ['sockets open at the target server (peak)', String(peakSockets)],
      ['remote-write requests received', String(receiver.requests())],
      ['collector CPU', `${cpu.toFixed(1)} s (${((cpu / SECONDS) * 100).toFixed(0)}% of a core)`],
      ['collector RSS (peak / now)', `${(sampler.peakRss() / 2 ** 20).toFixed(0)} / ${((sampler.samples.at(-1)?.rssBytes ?? 0) / 2 ** 20).toFixed(0)} MiB`],
    ];
    console.log(`load after ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    console.log('| measure | value |\n|---|---|');
    for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
  } finally {
    sampler.stop();
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    await server.close();
    await receiver.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
