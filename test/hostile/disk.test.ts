/**
 * Hostile disk conditions against the real collector process (spawned as deployed) and a real
 * VictoriaMetrics:
 *
 * - A real full disk: --storage.path on a 2 MiB tmpfs mounted by the test, the receiver stopped
 *   so the queue spills to disk, then the disk filled up. The process must survive, keep
 *   scraping, keep what the disk refuses in memory up to memory_budget and count the rest as
 *   dropped with reason disk_error; once the disk has room and the receiver is back, every sample
 *   not counted as dropped must be in the receiver (exact accounting below).
 * - Two processes on one storage path: the second exits non-zero naming the path and the first
 *   one's PID; the first keeps running with its lock.
 * - A segment of an unknown format version found on start is moved aside and reported, never
 *   deleted, and the collector runs normally.
 *
 * The full-disk test needs to mount a tmpfs (root, as CI runs); where that is impossible it is
 * skipped with the reason. The others need no mount.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { VictoriaMetrics } from '../helpers/receivers';
import { CollectorProcess, killAllCollectors, withCollectorOutput } from '../e2e/support/collector-process';
import { scrapeConfig, tempDir, writeConfig } from '../e2e/support/config';
import { oneSeries, storedSeries, valuesOf, type StoredSeries } from '../e2e/support/series';
import { TargetServer } from '../e2e/support/target-server';
import { pollUntil, sleep } from '../e2e/support/wait';
import { SEGMENT_HEADER_BYTES, SEGMENT_MAGIC, UNKNOWN_VERSION_DIR } from '../../src/remote/segment-file';
import { fillDisk, mountTmpfs, tmpfsSupport, type Tmpfs } from './support/disk-tmpfs';
import { runCollectorToExit } from './support/disk-run';

const unsupported = tmpfsSupport();
if (unsupported !== undefined) console.warn(`test/hostile/disk.test.ts: the full-disk test is skipped: ${unsupported}`);
const itOnTmpfs = unsupported === undefined ? it : it.skip;

const vm = new VictoriaMetrics();
const dir = tempDir('hostile-disk');
let target: TargetServer;

beforeAll(async () => {
  await vm.start();
  target = await TargetServer.start();
});

afterAll(async () => {
  await killAllCollectors();
  await target?.close();
  await vm.destroy();
  dir.remove();
});

/** The job's samples with timestamps up to `cutMs`, over every series. */
function samplesUpTo(series: StoredSeries[], cutMs: number): number {
  return series.reduce((n, s) => n + s.samples.filter((x) => x.t <= cutMs).length, 0);
}

describe('a real full disk under the queue', () => {
  let tmpfs: Tmpfs | undefined;
  let collector: CollectorProcess | undefined;
  afterAll(async () => {
    await collector?.kill();
    tmpfs?.unmount();
  });

  itOnTmpfs(`survives, keeps scraping, counts what it drops as disk_error and delivers the rest${unsupported === undefined ? '' : ` (skipped: ${unsupported})`}`, () => withCollectorOutput(() => [collector], async () => {
    tmpfs = mountTmpfs(2 * 1024 * 1024);
    const job = 'disk';
    const configFile = join(dir.path, 'full.yml');
    fs.writeFileSync(configFile, stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s' },
      scrape_configs: [scrapeConfig({ name: job, targets: [target.address] })],
      // A small memory budget, so that memory fills within seconds once the disk refuses writes.
      remote_write: [{ url: vm.writeUrl, name: 'e2e', memory_budget: '4KiB', queue_config: { min_backoff: '100ms', max_backoff: '1s' } }],
    }));
    collector = await CollectorProcess.start({ configFile, storagePath: tmpfs.dir });
    const counter = `e2e_scrapes_total{job="${job}"}`;
    const before = await pollUntil(() => oneSeries(vm, counter), (s) => valuesOf(s).length >= 3, 20_000);
    expect(valuesOf(before).length).toBeGreaterThanOrEqual(3);

    // Receiver down: the queue goes to disk. Then the disk fills up.
    await vm.stop();
    const diskBytes = await pollUntil(() => collector!.metric('scrapewire_remote_write_queue_bytes', { endpoint: 'e2e', storage: 'disk' }), (b) => b > 0, 20_000, 200);
    expect(diskBytes).toBeGreaterThan(0);
    const filler = fillDisk(tmpfs.dir);
    const dropped = await pollUntil(() => collector!.metric('scrapewire_remote_write_samples_dropped_total', { endpoint: 'e2e', reason: 'disk_error' }), (n) => n > 0, 60_000);
    expect(dropped).toBeGreaterThan(0);
    expect(await collector.metric('scrapewire_remote_write_disk_errors_total', { endpoint: 'e2e', operation: 'write' })).toBeGreaterThan(0);
    expect(collector.output()).toContain('a write failed');

    // Still alive, and the target is still scraped (and up) while the disk is full.
    const servedWhileFull = target.count('/metrics');
    await sleep(3000);
    expect(collector.isRunning).toBe(true);
    expect(target.count('/metrics')).toBeGreaterThanOrEqual(servedWhileFull + 2);
    const [active] = (await collector.targets()).filter((t) => t.labels.job === job);
    expect({ health: active.health, lastError: active.lastError }).toEqual({ health: 'up', lastError: '' });

    // Room on the disk again (drops stop once the disk is retried), then the receiver comes back.
    fs.rmSync(filler);
    await sleep(2000);
    await vm.start();
    const servedAtReturn = target.count('/metrics');
    await pollUntil(() => oneSeries(vm, counter), (s) => Math.max(0, ...valuesOf(s)) >= servedAtReturn + 3, 60_000, 1000);

    // Exact accounting. Every scrape of the always-up target writes the same t + k samples (t
    // scraped series, k report series), and none is a staleness marker. Requests of one target
    // are delivered in order, so once value C has arrived every request enqueued before C's
    // arrived or was dropped: up to the timestamp of a value P < C, the receiver must hold
    // P * (t + k) samples minus exactly the samples counted as dropped.
    const droppedTotal = await collector.metric('scrapewire_remote_write_samples_dropped_total', { endpoint: 'e2e' });
    const droppedDisk = await collector.metric('scrapewire_remote_write_samples_dropped_total', { endpoint: 'e2e', reason: 'disk_error' });
    expect(droppedTotal).toBe(droppedDisk);
    const settled = await pollUntil(async () => {
      const series = await storedSeries(vm, `{job="${job}"}`);
      const counterSeries = series.find((s) => s.labels.__name__ === 'e2e_scrapes_total')!;
      const present = counterSeries.samples.map((s) => s.v);
      const newest = Math.max(...present);
      const p = Math.max(...present.filter((v) => v < newest));
      const cut = counterSeries.samples.find((s) => s.v === p)!.t;
      const scraped = series.filter((s) => s.labels.__name__.startsWith('e2e_')).length;
      const report = series.length - scraped;
      return { p, expected: p * (scraped + report) - droppedTotal, stored: samplesUpTo(series, cut), scraped, report, series };
    }, (r) => r.stored === r.expected, 30_000, 1000);
    // The target never went down, so the formula's premise holds: no up=0, no staleness marker.
    expect(valuesOf(settled.series.find((s) => s.labels.__name__ === 'up'))).toEqual([1]);
    expect(settled.scraped).toBe(3);
    expect(settled.report).toBeGreaterThanOrEqual(5);
    expect(settled.p).toBeGreaterThan(servedAtReturn);
    expect(settled.stored).toBe(settled.expected);
    // Nothing was dropped after the disk had room again (the count used above was final).
    expect(await collector.metric('scrapewire_remote_write_samples_dropped_total', { endpoint: 'e2e' })).toBe(droppedTotal);
  }), 240_000);
});

describe('two processes on one storage path', () => {
  it('the second exits non-zero naming the path and the first one\'s PID; the first keeps its lock and runs on', async () => {
    const storagePath = join(dir.path, 'shared-storage');
    const first = await CollectorProcess.start({ storagePath });
    await withCollectorOutput(() => [first], async () => {
      const second = await runCollectorToExit(['--web.listen-address=127.0.0.1:0', `--storage.path=${storagePath}`, '--log.level=warn']);
      expect(second.timedOut).toBe(false);
      expect(second.code).not.toBe(0);
      expect(second.code).not.toBeNull();
      expect(second.output).toContain(storagePath);
      expect(second.output).toContain(`PID ${first.child.pid}`);
      expect(first.isRunning).toBe(true);
      expect(JSON.parse(fs.readFileSync(join(storagePath, 'scrapewire.lock'), 'utf8')).pid).toBe(first.child.pid);
      expect((await first.get('/-/healthy')).status).toBe(200);
    });
    await first.stop();
  });
});

describe('a segment of an unknown format version on start', () => {
  it('is moved aside byte for byte and reported; the collector runs normally', async () => {
    const storagePath = join(dir.path, 'versioned-storage');
    const endpointDir = join(storagePath, 'e2e');
    fs.mkdirSync(endpointDir, { recursive: true });
    const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
    SEGMENT_MAGIC.copy(header);
    header.writeUInt32LE(999, 4);
    const segment = Buffer.concat([header, Buffer.from('records of a format this build does not know')]);
    fs.writeFileSync(join(endpointDir, '00000001.seg'), segment);

    const configFile = join(dir.path, 'versioned.yml');
    writeConfig(configFile, { jobs: [{ name: 'versioned', targets: [target.address] }], remoteWriteUrl: vm.writeUrl });
    const collector = await CollectorProcess.start({ configFile, storagePath });
    await withCollectorOutput(() => [collector], async () => {
      expect(fs.existsSync(join(endpointDir, '00000001.seg'))).toBe(false);
      expect(fs.readFileSync(join(endpointDir, UNKNOWN_VERSION_DIR, '00000001.seg'))).toEqual(segment);
      expect(await collector.metric('scrapewire_remote_write_disk_segments_set_aside_total', { endpoint: 'e2e', reason: 'unknown_version' })).toBe(1);
      expect(collector.output()).toContain('another format version');
      expect(collector.output()).toContain('"version":999');
      const delivered = await pollUntil(() => oneSeries(vm, 'e2e_scrapes_total{job="versioned"}'), (s) => valuesOf(s).length >= 2, 20_000);
      expect(valuesOf(delivered).length).toBeGreaterThanOrEqual(2);
    });
    await collector.stop();
    expect(fs.readFileSync(join(endpointDir, UNKNOWN_VERSION_DIR, '00000001.seg'))).toEqual(segment);
  });
});
