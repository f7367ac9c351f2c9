/**
 * Scrape workers (src/scrape/workers/) with real loopback servers: targets spread over workers
 * by hash and kept there across reloads; a request the main thread's sink refuses is the
 * target's scrape error (ERR_SINK) as in one thread; a worker that dies comes back with its
 * targets, counted; in-process targets and the jobs plugins read stay on the main thread; the
 * workers' metrics reach /metrics labelled `worker`. The workers load the tsc build of their
 * entry (dist/src), which `npm test` builds first.
 */
import { Registry } from 'prom-client';
import { parseConfig } from '../../src/config/load';
import { Collector } from '../../src/collector/collector';
import type { SinkRequest } from '../../src/scrape/sample-sink';
import { ScrapeManager } from '../../src/scrape/scrape-manager';
import type { ScrapeOutcome } from '../../src/scrape/target';
import { targetKey } from '../../src/scrape/scrape-loop';
import { workerSlotOf, type TargetView } from '../../src/scrape/workers/scrape-workers';
import { DecodingSink } from './support/decoding-sink';
import { startHttpServer, type LoopbackServer } from './support/loopback-server';
import { waitFor } from './support/manual-clock';

// Enough that both scraping threads get some whatever port the server has (the hash includes it): 2 x 2^-24 that one gets none.
const PAGES = 24;

function configText(host: string, pages: number[], interval = '300ms'): string {
  const groups = pages.map((page) => `      - targets: ['${host}']\n        labels: { __metrics_path__: /t/${page}, page: '${page}' }`);
  return `
global:
  scrape_interval: ${interval}
  scrape_timeout: 250ms
scrape_configs:
  - job_name: pages
    static_configs:
${groups.join('\n')}
`;
}

describe('scrape workers', () => {
  let server: LoopbackServer;
  let host: string;
  beforeAll(async () => {
    server = await startHttpServer((req, res) => {
      const page = /^\/t\/(\d+)/.exec(req.url ?? '')?.[1];
      res.writeHead(page === undefined ? 404 : 200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(page === undefined ? '' : `hits{page="${page}"} ${page}\n`);
    });
    host = server.origin.replace('http://', '');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('spreads targets by the hash of their key and keeps each on its worker across a reload', async () => {
    const sink = new DecodingSink();
    const all = Array.from({ length: PAGES }, (_, i) => i);
    const manager = new ScrapeManager({ config: parseConfig(configText(host, all), 'w.yml'), sink, workers: 2, watchFiles: false });
    try {
      await manager.start();
      // Two scraping threads: the main thread's loop (worker 0) and one worker thread (worker 1).
      expect(manager.workers?.count).toBe(1);
      const views = manager.targetViews();
      expect(views).toHaveLength(PAGES);
      const workerOf = new Map(views.map((view) => [view.spec.labels.find(([n]) => n === 'page')![1], view.worker ?? 0]));
      for (const view of views) expect(view.worker ?? 0).toBe(workerSlotOf(targetKey(view.spec), 2));
      expect(manager.targets().length).toBe([...workerOf.values()].filter((worker) => worker === 0).length);
      expect(new Set(workerOf.values())).toEqual(new Set([0, 1]));
      await waitFor(() => new Set(sink.of('hits').map((s) => s.labels.page)).size === PAGES, 'every page scraped');
      await waitFor(() => manager.targetViews().every((view) => view.health === 'up'), 'every target up');

      // A reload that drops half the pages: the others stay where they were.
      await manager.update(parseConfig(configText(host, all.filter((page) => page % 2 === 0)), 'w.yml'));
      const after = manager.targetViews();
      expect(after).toHaveLength(PAGES / 2);
      for (const view of after) expect(view.worker ?? 0).toBe(workerOf.get(view.spec.labels.find(([n]) => n === 'page')![1]));
      // The dropped pages got their staleness markers from their worker.
      for (const page of all.filter((p) => p % 2 === 1)) {
        expect(sink.of('hits').filter((s) => s.labels.page === String(page) && Number.isNaN(s.value)).length).toBeGreaterThan(0);
      }
    } finally {
      await manager.stop();
    }
    // And every series got its marker on stop.
    for (const page of all) expect(Number.isNaN(sink.of('hits').filter((s) => s.labels.page === String(page)).at(-1)!.value)).toBe(true);
  }, 60_000);

  it('a request the sink refuses makes its target\'s scrape fail with ERR_SINK, as in one thread', async () => {
    const outcomes: Array<{ target: TargetView; outcome: ScrapeOutcome }> = [];
    const sink = new DecodingSink();
    const write = sink.write.bind(sink);
    // The page refused is one the worker thread scrapes (chosen once the targets are placed).
    let refusedPath: string | undefined;
    sink.write = (request: SinkRequest) => {
      if (refusedPath !== undefined && request.shardKey.endsWith(refusedPath)) throw new Error('queue full');
      write(request);
    };
    const manager = new ScrapeManager({
      config: parseConfig(configText(host, Array.from({ length: PAGES }, (_, i) => i)), 'w.yml'),
      sink,
      workers: 2,
      watchFiles: false,
      onScrape: (target, outcome) => outcomes.push({ target, outcome }),
    });
    try {
      await manager.start();
      const inWorker = manager.targetViews().filter((view) => view.worker === 1);
      const onMain = manager.targets();
      expect(inWorker.length).toBeGreaterThan(0);
      expect(onMain.length).toBeGreaterThan(0);
      const refusedTarget = inWorker[0].target;
      const acceptedTarget = onMain[0].target;
      refusedPath = new URL(refusedTarget).pathname;
      const from = outcomes.length;
      const since = () => outcomes.slice(from);
      await waitFor(() => since().filter((o) => o.target.target === refusedTarget).length >= 3 && since().filter((o) => o.target.target === acceptedTarget).length >= 2, 'scrapes of both pages');
      // The first scrape after the switch may have been written before it.
      const refused = since().filter((o) => o.target.target === refusedTarget).slice(1);
      for (const { outcome } of refused) {
        expect(outcome.error?.code).toBe('ERR_SINK');
        expect(outcome.error?.message).toMatch(/the sample sink refused \d+ samples: queue full/);
      }
      const view = manager.targetViews().find((t) => t.target === refusedTarget)!;
      expect(view.health).toBe('down');
      expect(view.lastError?.code).toBe('ERR_SINK');
      expect(since().filter((o) => o.target.target === acceptedTarget).every((o) => o.outcome.error === undefined)).toBe(true);
    } finally {
      refusedPath = undefined;
      await manager.stop();
    }
  }, 60_000);

  it('a worker that dies is started again with its targets, counted', async () => {
    const registry = new Registry();
    const sink = new DecodingSink();
    const errors: Error[] = [];
    const manager = new ScrapeManager({
      config: parseConfig(configText(host, Array.from({ length: PAGES }, (_, i) => i)), 'w.yml'),
      sink,
      registry,
      workers: 2,
      watchFiles: false,
      onError: (error) => errors.push(error),
    });
    try {
      await manager.start();
      const inFirst = manager.targetViews().filter((view) => view.worker === 1).map((view) => view.target);
      expect(inFirst.length).toBeGreaterThan(0);
      await waitFor(() => manager.targetViews().every((view) => view.health === 'up'), 'every target up');
      await manager.workers!.crash(1);
      await waitFor(() => errors.some((error) => (error as { code?: string }).code === 'ERR_WORKER'), 'the restart reported');
      expect(errors.find((error) => (error as { code?: string }).code === 'ERR_WORKER')?.message).toMatch(/scrape worker 1 exited .*started again with its \d+ targets/);
      const restarted = Date.now();
      const requestsBefore = server.requests.length;
      // Its targets are scraped again, by the new worker.
      await waitFor(() => manager.targetViews().filter((view) => view.worker === 1).every((view) => view.lastScrapeMs >= restarted && view.health === 'up'), 'the first worker\'s targets scraped again', 20_000);
      const pagesAgain = new Set(server.requests.slice(requestsBefore).map((r) => r.url));
      for (const target of inFirst) expect(pagesAgain.has(new URL(target).pathname)).toBe(true);
      const text = await registry.metrics();
      expect(text).toMatch(/scrapewire_scrape_worker_restarts_total\{worker="1"\} 1/);
    } finally {
      await manager.stop();
    }
  }, 60_000);

  it('keeps in-process targets and the jobs plugins read on the main thread, and labels the workers\' metrics', async () => {
    let rounds = 0;
    const collector = await Collector.start({
      listen: false,
      scrapeWorkers: 2,
      config: {
        global: { scrape_interval: '300ms', scrape_timeout: '250ms' },
        remote_write: [],
        scrape_configs: [
          { job_name: 'pages', static_configs: [{ targets: [host], labels: { __metrics_path__: '/t/1' } }] },
          { job_name: 'read', static_configs: [{ targets: [host], labels: { __metrics_path__: '/t/2' } }] },
        ],
        plugins: { enabled: 'reader' },
      },
      localTargets: [{ job: 'self', source: () => 'local_metric 1\n' }],
      plugins: [{ name: 'reader', jobs: ['read'], collect: () => { rounds++; } }],
    });
    try {
      const handler = collector.handler({ prefix: '' });
      await waitFor(() => collector.targetStatuses().every((status) => status.health === 'up'), 'targets up');
      const statuses = collector.targetStatuses();
      expect(statuses.map((status) => status.job).sort()).toEqual(['pages', 'read', 'self']);
      await waitFor(() => rounds >= 2, 'the plugin reading its job');
      const text = await new Promise<string>((resolve, reject) => {
        const http = require('node:http') as typeof import('node:http');
        const probe = http.createServer(handler).listen(0, '127.0.0.1', () => {
          const { port } = probe.address() as import('node:net').AddressInfo;
          http.get(`http://127.0.0.1:${port}/metrics`, (res) => {
            let body = '';
            res.on('data', (chunk) => (body += chunk));
            res.on('end', () => probe.close(() => resolve(body)));
          }).on('error', reject);
        });
      });
      // The in-process target is scraped by the main thread's loop (worker 0), the page by a worker.
      expect(text).toMatch(/scrapewire_scrape_targets\{job="self",worker="0"\} 1/);
      expect(text).toMatch(/scrapewire_scrape_targets\{job="read",worker="0"\} 1/);
      expect(text).toMatch(/scrapewire_scrape_targets\{job="pages",worker="[01]"\} 1/);
      expect(text).toMatch(/scrapewire_worker_event_loop_lag_p99_seconds\{worker="1"\}/);
      // One HELP line per family, the process's own metrics still there.
      expect(text.match(/# HELP scrapewire_scrape_targets /g)).toHaveLength(1);
      expect(text).toMatch(/process_cpu_user_seconds_total/);
    } finally {
      await collector.stop(1000);
    }
  }, 60_000);
});
