/**
 * --scrape.workers: the same targets scraped by the main thread alone (workers: 1) and by two
 * worker threads (workers: 2) deliver the same samples, series by series, to a real
 * VictoriaMetrics and to a decoding tap beside it (where the staleness markers are checked: the
 * tap sees every NaN marker), across a reload that removes targets, adds some, and changes the
 * labels of others (a new key: it may move to the other worker).
 *
 * Timing differs from run to run (a real clock, real threads), so what is compared is each
 * series' values in order with repeats collapsed: [page value in phase 0, in phase 1, stale],
 * leaving out the scrapes that were in flight when their target stopped (they fail, in either run).
 * Pages whose values could be read on either side of the phase switch depending on timing (the
 * targets the reload adds) do not change with the phase. The workers load the tsc build of their
 * entry (dist/src), which `npm test` builds first.
 */
import { parseConfig } from '../../src/config/load';
import type { Config } from '../../src/config/types';
import { createRemoteWriter } from '../../src/remote/create';
import type { SampleSink, SinkRequest } from '../../src/scrape/sample-sink';
import { ScrapeManager } from '../../src/scrape/scrape-manager';
import { VictoriaMetrics } from '../helpers/receivers';
import { DecodingSink } from './support/decoding-sink';
import { startHttpServer, type LoopbackServer } from './support/loopback-server';
import { waitFor } from './support/manual-clock';

/** Series whose values depend on timing, not on the pages: compared by presence only. */
const TIMING_SERIES = new Set(['scrape_duration_seconds']);

interface Phase {
  /** Pages scraped, each with its extra target labels. */
  pages: Array<{ page: number; labels?: Record<string, string> }>;
}

const PHASE0: Phase = { pages: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((page) => ({ page })) };
const PHASE1: Phase = {
  pages: [
    // 0 and 1 get a new label: new targets (new keys), the old ones go stale.
    { page: 0, labels: { moved: 'yes' } },
    { page: 1, labels: { moved: 'yes' } },
    { page: 2 }, { page: 3 }, { page: 4 },
    // 5..9 are gone; 10 and 11 are new.
    { page: 10 }, { page: 11 },
  ],
};

/** Pages 2..4 change with the phase; page 2 has a series only in phase 0 (it goes stale). */
function pageText(page: number, phase: number): string {
  const changes = page >= 2 && page <= 4;
  const value = (i: number) => page * 1000 + i + (changes ? phase * 100 : 0);
  const lines = ['# TYPE paged gauge'];
  for (let i = 0; i < 20; i++) lines.push(`paged{i="${i}"} ${value(i)}`);
  if (page === 2 && phase === 0) lines.push('only_phase0 1');
  return `${lines.join('\n')}\n`;
}

function configText(host: string, run: string, phase: Phase): string {
  const groups = phase.pages.map(({ page, labels }) => {
    const extra = Object.entries(labels ?? {}).map(([name, value]) => `, ${name}: ${JSON.stringify(value)}`).join('');
    return `      - targets: ['${host}']\n        labels: { __metrics_path__: /t/${page}, page: '${page}'${extra} }`;
  });
  return `
global:
  scrape_interval: 500ms
  scrape_timeout: 400ms
  external_labels: { run: ${run} }
remote_write:
  - url: http://127.0.0.1:1/unused
scrape_configs:
  - job_name: pages
    static_configs:
${groups.join('\n')}
`;
}

/** A sink that hands every request to both a remote writer and a decoding tap. */
class Tee implements SampleSink {
  constructor(private readonly writer: SampleSink, readonly tap: DecodingSink) {}
  get protocols() {
    return this.writer.protocols;
  }
  write(request: SinkRequest): void {
    this.writer.write(request);
    this.tap.write(request);
  }
}

/** Each series (labels without `run`) -> its values in order, repeats collapsed, NaN as 'stale'. */
function collapse(samples: ReadonlyArray<{ labels: Record<string, string>; value: number; timestamp: number }>): Map<string, Array<number | string>> {
  // A scrape in flight when its target is stopped fails (up 0, its report zeros): whether one was
  // in flight is timing, in either run. Its finite samples are left out; markers are kept.
  const targetOf = (labels: Record<string, string>) => {
    const { run, __name__, i, ...rest } = labels;
    void run; void __name__; void i;
    return JSON.stringify(Object.entries(rest).sort());
  };
  const failed = new Set(samples.filter((s) => s.labels.__name__ === 'up' && s.value === 0).map((s) => `${targetOf(s.labels)}@${s.timestamp}`));
  const bySeries = new Map<string, Array<{ t: number; v: number }>>();
  for (const { labels, value, timestamp } of samples) {
    if (!Number.isNaN(value) && failed.has(`${targetOf(labels)}@${timestamp}`)) continue;
    const { run, ...rest } = labels;
    void run;
    const key = JSON.stringify(Object.entries(rest).sort());
    let list = bySeries.get(key);
    if (list === undefined) bySeries.set(key, (list = []));
    list.push({ t: timestamp, v: value });
  }
  const out = new Map<string, Array<number | string>>();
  for (const [key, list] of bySeries) {
    const name = (JSON.parse(key) as [string, string][]).find(([n]) => n === '__name__')?.[1] ?? '';
    // Stable: a staleness marker written at the same timestamp as the last sample stays after it.
    list.sort((a, b) => a.t - b.t);
    const values: Array<number | string> = [];
    for (const { v } of list) {
      const shown = Number.isNaN(v) ? 'stale' : TIMING_SERIES.has(name) ? 'value' : v;
      if (values[values.length - 1] !== shown) values.push(shown);
    }
    out.set(key, values);
  }
  return out;
}

describe('--scrape.workers: the same samples with one thread and with two workers', () => {
  const vm = new VictoriaMetrics();
  let server: LoopbackServer;
  let phase = 0;
  beforeAll(async () => {
    await vm.start();
    server = await startHttpServer((req, res) => {
      const page = Number(/^\/t\/(\d+)/.exec(req.url ?? '')?.[1] ?? -1);
      res.writeHead(page < 0 ? 404 : 200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(page < 0 ? '' : pageText(page, phase));
    });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await vm.destroy();
  });

  /** Waits until every page of `wanted` was requested at least `times` times after request number `from`. */
  async function scrapedAgain(wanted: Phase, from: number, times: number): Promise<void> {
    await waitFor(() => {
      const counts = new Map<string, number>();
      for (const seen of server.requests.slice(from)) counts.set(seen.url, (counts.get(seen.url) ?? 0) + 1);
      return wanted.pages.every(({ page }) => (counts.get(`/t/${page}`) ?? 0) >= times);
    }, `${times} scrapes of every page`, 30_000);
  }

  async function run(workers: number, runLabel: string): Promise<DecodingSink> {
    phase = 0;
    const host = server.origin.replace('http://', '');
    const load = (p: Phase): Config => {
      const config = parseConfig(configText(host, runLabel, p), 'workers.yml');
      return config;
    };
    const writer = createRemoteWriter({ endpoints: [{ url: vm.writeUrl, queue_config: { batch_send_deadline: '100ms' } }] });
    const tee = new Tee(writer, new DecodingSink());
    const errors: Error[] = [];
    const manager = new ScrapeManager({ config: load(PHASE0), sink: tee, workers, watchFiles: false, onError: (e) => errors.push(e) });
    try {
      const start = server.requests.length;
      await manager.start();
      // The main thread's loop is one of the scraping threads.
      if (workers > 1) expect(manager.workers?.count).toBe(workers - 1);
      await scrapedAgain(PHASE0, start, 3);
      // The reload first (removed targets stop before the pages change), then the pages change.
      await manager.update(load(PHASE1));
      const from = server.requests.length;
      phase = 1;
      await scrapedAgain(PHASE1, from, 3);
    } finally {
      await manager.stop();
      await writer.close(10_000);
    }
    expect(errors).toEqual([]);
    return tee.tap;
  }

  it('delivers the same series and values, staleness markers included, across a reload that moves targets', async () => {
    const one = await run(1, 'n1');
    const two = await run(2, 'n2');
    const byOne = collapse(one.samples);
    const byTwo = collapse(two.samples);

    // What the scenario must show, so that the comparison means something.
    const paged = (page: number, extra = '') => JSON.stringify(Object.entries({ __name__: 'paged', i: '0', instance: server.origin.replace('http://', ''), job: 'pages', page: String(page), ...(extra ? { moved: extra } : {}) }).sort());
    expect(byOne.get(paged(2))).toEqual([2000, 2100, 'stale']);
    expect(byOne.get(paged(7))).toEqual([7000, 'stale']);
    expect(byOne.get(paged(0))).toEqual([0, 'stale']);
    expect(byOne.get(paged(0, 'yes'))).toEqual([0, 'stale']);
    expect(byOne.get(paged(10))).toEqual([10000, 'stale']);
    expect([...byOne.keys()].filter((key) => key.includes('"only_phase0"')).map((key) => byOne.get(key))).toEqual([[1, 'stale']]);

    // Series by series, the two runs agree.
    expect([...byTwo.keys()].sort()).toEqual([...byOne.keys()].sort());
    for (const [key, values] of byOne) expect({ key, values: byTwo.get(key) }).toEqual({ key, values });

    // And what VictoriaMetrics stored (finite values; the markers were checked on the tap).
    const stored = async (run: string) => {
      const exported = await vm.exportSeries(`{run="${run}",job="pages"}`);
      return collapse(exported.flatMap((series) => series.timestamps.map((t, i) => ({ labels: series.metric, value: series.values[i], timestamp: t })))
        .filter((sample) => typeof sample.value === 'number' && Number.isFinite(sample.value)));
    };
    // Every sample the tap saw reaches the store (VictoriaMetrics makes the last ones searchable a moment later).
    for (const [run, tap] of [['n1', one], ['n2', two]] as const) {
      await waitFor(async () => (await vm.exportSeries(`{run="${run}"}`)).reduce((sum, series) => sum + series.values.length, 0) === tap.samples.length,
        `VictoriaMetrics to hold the ${tap.samples.length} samples of run ${run}`, 20_000);
    }
    const storedOne = await stored('n1');
    const storedTwo = await stored('n2');
    expect(storedOne.size).toBeGreaterThan(0);
    expect([...storedTwo.keys()].sort()).toEqual([...storedOne.keys()].sort());
    for (const [key, values] of storedOne) expect({ key, values: storedTwo.get(key) }).toEqual({ key, values });
  }, 180_000);
});
