/**
 * End to end, issue 5: configuration reloads of a running collector (a child process) writing
 * to a real VictoriaMetrics. Jobs a, b and c scrape /a/metrics, /b/metrics and /c/metrics of one
 * loopback target server.
 *
 *   start:              a, b
 *   SIGHUP:             a (metric_relabel_configs now drop e2e_dropme), c; b removed
 *   POST /-/reload:     a (now drop e2e_constant instead); c removed
 *
 * Checked against the target server's request log, /api/v1/targets and the receiver: added
 * targets start, removed ones stop (VictoriaMetrics drops Prometheus staleness markers, so "b
 * stopped" is checked as "b's samples stop"), a's dropped metric stops and comes back when the
 * rule changes again, and a's other series go on without a gap: consecutive samples never
 * further apart than 1.75 intervals (a missed scrape would make 2) nor closer than a quarter
 * of one (an extra scrape), and every value its target served is there.
 */
import { join } from 'node:path';
import { VictoriaMetrics } from '../helpers/receivers';
import { CollectorProcess, killAllCollectors, withCollectorOutput } from './support/collector-process';
import { tempDir, writeConfig, type JobOptions } from './support/config';
import { gaps, oneSeries, oneTo, valuesOf, type StoredSeries } from './support/series';
import { TargetServer } from './support/target-server';
import { pollUntil, sleep } from './support/wait';

const INTERVAL_MS = 1000;
/** Time a reload may take to show, and a scrape already in flight may still land after it. */
const SETTLE_MS = 2000;

const dropRule = (metric: string): Array<Record<string, unknown>> => [{ source_labels: ['__name__'], regex: metric, action: 'drop' }];
const timesOf = (series: StoredSeries | undefined): number[] => (series?.samples ?? []).map((s) => s.t);

describe('reload by SIGHUP and by POST /-/reload', () => {
  const vm = new VictoriaMetrics();
  const dir = tempDir('reload');
  const configFile = join(dir.path, 'scrapewire.yml');
  let target: TargetServer;
  let collector: CollectorProcess;

  const job = (name: string, metricRelabel?: Array<Record<string, unknown>>): JobOptions =>
    ({ name, targets: [target.address], metricsPath: `/${name}/metrics`, metricRelabel });
  const write = (jobs: JobOptions[]): void => writeConfig(configFile, { jobs, remoteWriteUrl: vm.writeUrl });
  const pools = async (): Promise<string[]> => (await collector.targets()).map((t) => t.scrapePool).sort();

  beforeAll(async () => {
    await vm.start();
    target = await TargetServer.start();
    write([job('a'), job('b')]);
    collector = await CollectorProcess.start({ configFile, storagePath: join(dir.path, 'storage'), args: ['--web.enable-lifecycle'] });
  });

  afterAll(async () => {
    await killAllCollectors();
    await target?.close();
    await vm.destroy();
    dir.remove();
  });

  it('adds, removes and changes targets; unchanged series have no gap', () => withCollectorOutput(() => [collector], async () => {
    await pollUntil(() => Math.min(target.count('/a/metrics'), target.count('/b/metrics')), (n) => n >= 3, 15_000);
    expect(await pools()).toEqual(['a', 'b']);

    // 1. SIGHUP: c added, b removed, a drops e2e_dropme.
    write([job('a', dropRule('e2e_dropme')), job('c')]);
    const hupAt = Date.now();
    collector.sighup();
    expect(await pollUntil(pools, (p) => p.join() === 'a,c', 10_000, 100)).toEqual(['a', 'c']);
    const firstReloadSeen = Date.now();
    await pollUntil(() => target.count('/c/metrics'), (n) => n >= 1, 5_000, 100);
    const bAfterRemoval = target.count('/b/metrics');
    await sleep(4000);
    expect(target.count('/c/metrics')).toBeGreaterThanOrEqual(3);
    // At most a scrape already in flight when the reload landed.
    expect(target.count('/b/metrics') - bAfterRemoval).toBeLessThanOrEqual(1);

    // 2. POST /-/reload: c removed, a drops e2e_constant instead (e2e_dropme comes back).
    write([job('a', dropRule('e2e_constant'))]);
    const postAt = Date.now();
    expect(await collector.reload()).toEqual({ status: 200, body: 'configuration reloaded\n' });
    const secondReloadSeen = Date.now();
    expect(await pools()).toEqual(['a']);
    const cAfterRemoval = target.count('/c/metrics');
    await sleep(4000);
    expect(target.count('/c/metrics') - cAfterRemoval).toBeLessThanOrEqual(1);
    const end = Date.now();

    // What the receiver got.
    const servedA = target.count('/a/metrics');
    const aCounter = await pollUntil(() => oneSeries(vm, 'e2e_scrapes_total{job="a"}'), (s) => valuesOf(s).length >= servedA, 15_000);
    // Every value 1..n once (a is still scraped, and a batch can bring scrapes served after servedA).
    expect(valuesOf(aCounter)).toEqual(oneTo(valuesOf(aCounter).length));
    expect(valuesOf(aCounter).length).toBeGreaterThanOrEqual(servedA);
    // No missed scrape (a gap of 2 intervals) and no extra one (two samples a few ms apart).
    for (const series of [aCounter, await oneSeries(vm, 'up{job="a"}')]) {
      const { smallest, largest } = gaps(series);
      expect(largest).toBeLessThan(1.75 * INTERVAL_MS);
      expect(smallest).toBeGreaterThan(0.25 * INTERVAL_MS);
    }
    // Both reloads happened while a was being scraped: its samples span them.
    expect(timesOf(aCounter)[0]).toBeLessThan(hupAt);
    expect(timesOf(aCounter).at(-1)).toBeGreaterThan(secondReloadSeen + 2 * INTERVAL_MS);

    // b: stopped at the first reload, nothing it served lost before that but the scrape in
    // flight when it was removed, if any (removing a target aborts it, as in Prometheus).
    const bCounter = await oneSeries(vm, 'e2e_scrapes_total{job="b"}');
    expect(valuesOf(bCounter)).toEqual(oneTo(valuesOf(bCounter).length));
    expect(valuesOf(bCounter).length).toBeGreaterThanOrEqual(target.count('/b/metrics') - 1);
    expect(timesOf(bCounter).at(-1)).toBeLessThan(firstReloadSeen + SETTLE_MS);

    // c: appeared at the first reload, stopped at the second.
    const cCounter = await oneSeries(vm, 'e2e_scrapes_total{job="c"}');
    expect(valuesOf(cCounter)).toEqual(oneTo(valuesOf(cCounter).length));
    expect(valuesOf(cCounter).length).toBeGreaterThanOrEqual(target.count('/c/metrics') - 1);
    expect(timesOf(cCounter)[0]).toBeGreaterThanOrEqual(hupAt);
    expect(timesOf(cCounter).at(-1)).toBeLessThan(secondReloadSeen + SETTLE_MS);

    // a's e2e_dropme: present before the first reload, absent between the reloads, back after.
    const dropme = timesOf(await oneSeries(vm, 'e2e_dropme{job="a"}'));
    expect(dropme.filter((t) => t < hupAt).length).toBeGreaterThanOrEqual(2);
    expect(dropme.filter((t) => t > firstReloadSeen + SETTLE_MS && t < postAt)).toEqual([]);
    expect(dropme.filter((t) => t > secondReloadSeen + SETTLE_MS && t <= end).length).toBeGreaterThanOrEqual(1);
    // a's e2e_constant: present until the second reload, absent after.
    const constant = timesOf(await oneSeries(vm, 'e2e_constant{job="a"}'));
    expect(constant.filter((t) => t > firstReloadSeen + SETTLE_MS && t < postAt).length).toBeGreaterThanOrEqual(2);
    expect(constant.filter((t) => t > secondReloadSeen + SETTLE_MS)).toEqual([]);
  }), 60_000);
});
