/**
 * End to end, issue 4: the collector (a child process) scrapes a loopback target every second
 * and writes to a real VictoriaMetrics; the receiver is stopped for 60 s and started again on the
 * same port and data directory. Afterwards every sample scraped meanwhile is in the receiver.
 *
 * The target's counter is the number of times it was served, so "nothing lost" is exact: a
 * target served S times must show every value 1..S. The report series (up, scrape_duration_seconds,
 * ...) of each of those scrapes must be there too, at the same timestamps.
 */
import { join } from 'node:path';
import { VictoriaMetrics } from '../helpers/receivers';
import { CollectorProcess, killAllCollectors, withCollectorOutput } from './support/collector-process';
import { tempDir, writeConfig } from './support/config';
import { oneSeries, oneTo, storedSeries, valuesOf } from './support/series';
import { TargetServer } from './support/target-server';
import { pollUntil, sleep } from './support/wait';

const OUTAGE_MS = 60_000;

describe('receiver outage of 60 s', () => {
  const vm = new VictoriaMetrics();
  const dir = tempDir('outage');
  let target: TargetServer;
  let collector: CollectorProcess;

  beforeAll(async () => {
    await vm.start();
    target = await TargetServer.start();
    const configFile = join(dir.path, 'scrapewire.yml');
    writeConfig(configFile, { jobs: [{ name: 'outage', targets: [target.address] }], remoteWriteUrl: vm.writeUrl });
    collector = await CollectorProcess.start({ configFile, storagePath: join(dir.path, 'storage') });
  });

  afterAll(async () => {
    await killAllCollectors();
    await target?.close();
    await vm.destroy();
    dir.remove();
  });

  it('delivers every sample scraped while the receiver was down (0 lost)', () => withCollectorOutput(() => [collector], async () => {
    const counter = 'e2e_scrapes_total{job="outage"}';
    // Delivery works before the outage.
    const before = await pollUntil(() => oneSeries(vm, counter), (s) => valuesOf(s).length >= 3, 20_000);
    expect(valuesOf(before).length).toBeGreaterThanOrEqual(3);

    await vm.stop();
    const servedAtOutage = target.count('/metrics');
    await sleep(OUTAGE_MS);
    const servedDuringOutage = target.count('/metrics') - servedAtOutage;
    // The collector kept scraping, saw the receiver fail, and queued on disk.
    expect(servedDuringOutage).toBeGreaterThanOrEqual(OUTAGE_MS / 1000 / 2);
    expect(await collector.metric('scrapewire_remote_write_requests_failed_total', { endpoint: 'e2e' })).toBeGreaterThan(0);
    expect(await collector.metric('scrapewire_remote_write_queue_bytes', { endpoint: 'e2e', storage: 'disk' })).toBeGreaterThan(0);

    await vm.start();
    const served = target.count('/metrics');
    const stored = await pollUntil(() => oneSeries(vm, counter), (s) => valuesOf(s).filter((v) => v <= served).length >= served, 60_000, 1000);
    const values = valuesOf(stored);
    expect(values.filter((v) => v <= served)).toEqual(oneTo(served));
    // Nothing the target did not serve (values are request numbers).
    expect(Math.max(...values)).toBeLessThanOrEqual(target.count('/metrics'));

    // Every other series of those scrapes arrived too, at each scrape's timestamp.
    const scrapeTimes = stored!.samples.filter((s) => s.v <= served).map((s) => s.t);
    expect(scrapeTimes).toHaveLength(served);
    const job = await storedSeries(vm, '{job="outage"}');
    const names = job.map((s) => s.labels.__name__).sort();
    expect(names).toEqual(expect.arrayContaining(['e2e_constant', 'e2e_dropme', 'e2e_scrapes_total', 'scrape_duration_seconds', 'scrape_samples_scraped', 'up']));
    for (const series of job) {
      const times = new Set(series.samples.map((s) => s.t));
      const missing = scrapeTimes.filter((t) => !times.has(t));
      expect({ series: series.labels.__name__, missing }).toEqual({ series: series.labels.__name__, missing: [] });
    }
    expect(await collector.metric('scrapewire_remote_write_samples_dropped_total', { endpoint: 'e2e' })).toBe(0);
  }), OUTAGE_MS + 100_000);
});
