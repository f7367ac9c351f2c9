/**
 * The scrape GET alone: what a fetch of a small page costs in CPU and JavaScript allocation, from
 * the request to the body's last chunk handed to a consumer, without parsing (the consumer only
 * counts bytes). T targets on one host share one ConnectionPools (as a scrape loop's do), C
 * fetches run at once, R rounds of all T; the pages (the peers' TargetServer: cadvisor-like, gzip
 * level 1 unless BENCH_PLAIN=1) are served by a child process, so its CPU and allocations are not
 * in the figures.
 *
 * Rows: scrapewire's fetch (`fetchInto` over `HttpScraper`, the scrape loop's path), and the
 * obvious baseline: undici's `request()` on a shared Agent and `for await` over its body, gunzip as
 * a stream. Per fetch: CPU (process.cpuUsage over the rounds), and bytes of JavaScript allocated
 * (the in-process sampling heap profiler, objects collected by minor and major GCs included,
 * 4 KiB interval) over a separate set of rounds.
 *
 *   npm run build && npm run bench -- scrape-get
 *   BENCH_TARGETS=1000 BENCH_PAGE_BYTES=20000 BENCH_ROUNDS=10 BENCH_CONCURRENCY=64 npm run bench -- scrape-get
 *   BENCH_ROOT=/tmp/other-tree npm run bench -- scrape-get     (scrapewire's fetch of another build)
 *   BENCH_PROFILE=/tmp/prof npm run bench -- scrape-get        (also writes each row's allocation profile there)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Session } from 'node:inspector';
import { Agent, request } from 'undici';
import { createGunzip } from 'node:zlib';
import type { fetchInto as FetchInto, BodyConsumer } from '../src/scrape/shared-fetch';
import type { HttpScraper as HttpScraperClass } from '../src/scrape/http-scraper';
import type { ConnectionPools as ConnectionPoolsClass } from '../src/scrape/connection-pools';

const ROOT = path.resolve(process.env.BENCH_ROOT ?? path.join(__dirname, '..', '..'));
const TARGETS = Number(process.env.BENCH_TARGETS ?? 500);
const PAGE_BYTES = Number(process.env.BENCH_PAGE_BYTES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const PLAIN = process.env.BENCH_PLAIN === '1';

/* eslint-disable @typescript-eslint/no-require-imports */
const { fetchInto } = require(path.join(ROOT, 'dist', 'src', 'scrape', 'shared-fetch')) as { fetchInto: typeof FetchInto };
const { HttpScraper } = require(path.join(ROOT, 'dist', 'src', 'scrape', 'http-scraper')) as { HttpScraper: typeof HttpScraperClass };
const { ConnectionPools } = require(path.join(ROOT, 'dist', 'src', 'scrape', 'connection-pools')) as { ConnectionPools: typeof ConnectionPoolsClass };
/* eslint-enable @typescript-eslint/no-require-imports */

if (process.argv[2] === 'serve') {
  // The child: serves the pages until its parent goes away.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { TargetServer } = require('./peers/target-server') as typeof import('./peers/target-server');
  void new TargetServer({ kind: 'cadvisor', sizeBytes: PAGE_BYTES, targets: TARGETS, neverGzip: PLAIN }).start().then((server) => {
    process.send!({ address: server.address, paths: Array.from({ length: TARGETS }, (_, i) => server.path(i)) });
    process.on('disconnect', () => process.exit(0));
  });
} else {
  void main();
}

/** A consumer that only counts what it is fed. */
class CountingConsumer implements BodyConsumer {
  active = true;
  bytes = 0;
  begin(): void {}
  feed(chunk: Uint8Array): void {
    this.bytes += chunk.length;
  }
  finish(): void {
    this.active = false;
  }
  fail(error: Error): void {
    this.active = false;
    this.error = error;
  }
  error: Error | undefined;
}

type Fetch = (target: number) => Promise<number>;

async function rounds(fetch: Fetch, count: number): Promise<number> {
  let bytes = 0;
  for (let round = 0; round < count; round++) {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < TARGETS) {
        const fetched = await fetch(next++);
        bytes += fetched;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }
  return bytes;
}

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result as T))));
}

interface ProfileNode { selfSize: number; children: ProfileNode[] }

async function measure(name: string, fetch: Fetch): Promise<void> {
  await rounds(fetch, 2); // warm-up: connections open, code optimized
  global.gc?.();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const bytes = await rounds(fetch, ROUNDS);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const fetches = ROUNDS * TARGETS;

  const session = new Session();
  session.connect();
  await post(session, 'HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await rounds(fetch, Math.max(2, ROUNDS >> 1));
  const { profile } = await post<{ profile: { head: ProfileNode } }>(session, 'HeapProfiler.stopSampling');
  session.disconnect();
  // BENCH_PROFILE=<dir>: the allocation profile of each row, for a look at where the bytes go.
  if (process.env.BENCH_PROFILE) writeFileSync(path.join(process.env.BENCH_PROFILE, `${name.split(' ')[0]}.heapprofile`), JSON.stringify(profile));
  let allocated = 0;
  const walk = (node: ProfileNode): void => {
    allocated += node.selfSize;
    node.children.forEach(walk);
  };
  walk(profile.head);
  const profiledFetches = Math.max(2, ROUNDS >> 1) * TARGETS;

  console.log(
    `| ${name} | ${((cpu.user + cpu.system) / 1000 / fetches).toFixed(3)} ms | ${(allocated / profiledFetches / 1000).toFixed(1)} KB | ` +
      `${(fetches / (wallMs / 1000)).toFixed(0)} | ${(bytes / fetches / 1000).toFixed(1)} KB |`,
  );
}

async function main(): Promise<void> {
  const child: ChildProcess = fork(__filename, ['serve'], { stdio: 'inherit' });
  const { address, paths } = await new Promise<{ address: string; paths: string[] }>((resolve) => child.once('message', resolve as (m: unknown) => void));
  const urls = paths.map((p) => `http://${address}${p}`);
  console.log(`scrape-get: ${TARGETS} targets x ${PAGE_BYTES} B ${PLAIN ? 'plain' : 'gzip'}, ${CONCURRENCY} at once, ${ROUNDS} rounds; scrapewire from ${ROOT}`);
  console.log('| fetch | CPU per fetch | JS allocated per fetch | fetches/s | body per fetch |');
  console.log('|---|---:|---:|---:|---:|');

  const pools = new ConnectionPools();
  const scrapers = urls.map((url) => new HttpScraper({ url, scrapeTimeoutMs: 10_000 }, pools));
  await measure('scrapewire fetchInto(HttpScraper)', async (target) => {
    const consumer = new CountingConsumer();
    await fetchInto(scrapers[target], [consumer]);
    if (consumer.error !== undefined) throw consumer.error;
    return consumer.bytes;
  });
  await Promise.all(scrapers.map((s) => s.close()));

  const agent = new Agent({ keepAliveTimeout: 60_000, headersTimeout: 0, bodyTimeout: 0 });
  await measure('undici request() + for await (baseline)', async (target) => {
    const res = await request(urls[target], { dispatcher: agent, headers: { 'accept-encoding': 'gzip' } });
    let bytes = 0;
    const body = res.headers['content-encoding'] === 'gzip' ? res.body.pipe(createGunzip()) : res.body;
    for await (const chunk of body as AsyncIterable<Buffer>) bytes += chunk.length;
    return bytes;
  });
  await agent.close();
  child.disconnect();
}
