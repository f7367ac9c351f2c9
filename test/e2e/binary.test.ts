/**
 * End to end, issue 5: the single executable, copied alone into an empty directory and run with
 * a minimal environment, as `scrapewire run --config.file=...` against a loopback target and a
 * real VictoriaMetrics. Its samples arrive; SIGTERM stops it with exit code 0, and the graceful
 * shutdown has delivered every scrape the target served (the counter's values 1..N, none missing)
 * but possibly the one in flight at SIGTERM.
 */
import { copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VictoriaMetrics } from '../helpers/receivers';
import { ensureBinary } from './support/binary';
import { CollectorProcess, killAllCollectors, withCollectorOutput } from './support/collector-process';
import { tempDir, writeConfig } from './support/config';
import { oneSeries, oneTo, valuesOf } from './support/series';
import { TargetServer } from './support/target-server';
import { pollUntil } from './support/wait';

describe('the single executable as the collector', () => {
  const vm = new VictoriaMetrics();
  const dir = tempDir('binary');
  const binary = join(dir.path, 'scrapewire');
  let target: TargetServer;
  let collector: CollectorProcess | undefined;

  beforeAll(async () => {
    copyFileSync(ensureBinary(), binary);
    expect(statSync(binary).mode & 0o111).not.toBe(0);
    await vm.start();
    target = await TargetServer.start();
  }, 300_000);

  afterAll(async () => {
    await killAllCollectors();
    await target?.close();
    await vm.destroy();
    dir.remove();
  });

  it('scrapes into VictoriaMetrics and exits 0 on SIGTERM having delivered everything', () => withCollectorOutput(() => [collector], async () => {
    const configFile = join(dir.path, 'scrapewire.yml');
    writeConfig(configFile, { jobs: [{ name: 'binary', targets: [target.address] }], remoteWriteUrl: vm.writeUrl });
    collector = await CollectorProcess.start({
      command: [binary],
      cwd: dir.path,
      // No NODE_PATH, no NODE_OPTIONS: nothing from the test's own node may leak in.
      env: { PATH: '/usr/bin:/bin', HOME: dir.path },
      configFile,
      storagePath: join(dir.path, 'storage'),
    });
    const first = await pollUntil(() => oneSeries(vm, 'e2e_scrapes_total{job="binary"}'), (s) => valuesOf(s).length >= 3, 20_000);
    expect(valuesOf(first).slice(0, 3)).toEqual([1, 2, 3]);

    expect(await collector.stop('SIGTERM', 20_000)).toEqual({ code: 0, signal: null });
    // Everything the target served, except the scrape in flight at SIGTERM if there was one:
    // stopping a target aborts it (as in Prometheus).
    const served = target.count('/metrics');
    const values = valuesOf(await oneSeries(vm, 'e2e_scrapes_total{job="binary"}'));
    expect(values).toEqual(oneTo(values.length));
    expect(values.length).toBeGreaterThanOrEqual(served - 1);
    const up = await oneSeries(vm, 'up{job="binary"}');
    expect(up!.samples.filter((s) => s.v === 1)).toHaveLength(values.length);
  }), 60_000);
});
