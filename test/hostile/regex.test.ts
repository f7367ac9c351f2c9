/**
 * Hostile input, issue 10 item 8: a catastrophic relabel regex against long label values, in the
 * real collector process (`node dist/src/cli.js run`) delivering to a real VictoriaMetrics.
 *
 * `(a|aa)+` has exponentially many ways to match a run of a's; V8's backtracking engine took
 * 15.9 s on a 41-character value that ends in "b". Here the values are 200,000 characters, in
 * relabel_configs (a static target label) and in metric_relabel_configs, and the hostile target
 * serves a new series every scrape, so the rules run on every scrape. RE2 matches in time linear
 * in the value, so the config is accepted and runs: the process stays up, /-/healthy keeps
 * answering (the event loop is not blocked), the normal target's samples keep arriving, and the
 * hostile rules give the right answers (the replace captures its group, the drop does not fire).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { request } from 'undici';
import { stringify } from 'yaml';
import { VictoriaMetrics } from '../helpers/receivers';
import { CollectorProcess, killAllCollectors, withCollectorOutput } from '../e2e/support/collector-process';
import { tempDir } from '../e2e/support/config';
import { storedSeries, valuesOf } from '../e2e/support/series';
import { TargetServer } from '../e2e/support/target-server';
import { pollUntil, sleep } from '../e2e/support/wait';

const LONG = 'a'.repeat(200_000);

describe('a catastrophic relabel regex against long label values', () => {
  const vm = new VictoriaMetrics();
  const dir = tempDir('hostile-regex');
  let normal: TargetServer;
  let hostile: http.Server;
  let hostileScrapes = 0;
  let collector: CollectorProcess;

  beforeAll(async () => {
    await vm.start();
    normal = await TargetServer.start();
    hostile = http.createServer((_req, res) => {
      hostileScrapes++;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      // A new series every scrape, so metric relabeling runs on the long value every time.
      res.end(`# TYPE hostile_value gauge\nhostile_value{n="${hostileScrapes}",long="${LONG}b"} 1\n`);
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    const hostileAddress = `127.0.0.1:${(hostile.address() as AddressInfo).port}`;

    const configFile = join(dir.path, 'scrapewire.yml');
    writeFileSync(configFile, stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s' },
      scrape_configs: [
        { job_name: 'normal', static_configs: [{ targets: [normal.address] }] },
        {
          job_name: 'hostile',
          static_configs: [{ targets: [hostileAddress], labels: { static_long: `${LONG}c` } }],
          relabel_configs: [
            { source_labels: ['static_long'], regex: '(a|aa)+', action: 'drop' },
            { source_labels: ['static_long'], regex: '(a|aa)+(c)', target_label: 'static_tail', replacement: '$2' },
            { regex: 'static_long', action: 'labeldrop' },
          ],
          metric_relabel_configs: [
            { source_labels: ['long'], regex: '(a|aa)+', action: 'drop' },
            { source_labels: ['long'], regex: '(a|aa)+(?P<tail>b)', target_label: 'tail', replacement: '${tail}' },
            { source_labels: ['long'], regex: '(a|aa)+(a|aa)+x', target_label: 'never', replacement: 'set' },
            { regex: 'long', action: 'labeldrop' },
          ],
        },
      ],
      remote_write: [{ url: vm.writeUrl, queue_config: { min_backoff: '100ms', max_backoff: '1s' } }],
    }));
    collector = await CollectorProcess.start({ configFile, storagePath: join(dir.path, 'storage') });
  }, 60_000);

  afterAll(async () => {
    await killAllCollectors();
    await normal?.close();
    await new Promise<void>((resolve) => (hostile ? hostile.close(() => resolve()) : resolve()));
    await vm.destroy();
    dir.remove();
  });

  it('runs in linear time: the process stays up and responsive, every target keeps delivering', () => withCollectorOutput(() => [collector], async () => {
    // Liveness while the hostile rules run on every scrape: /-/healthy must keep answering. The
    // 5 s bound is only a generous "the event loop is not stuck" check, not a measurement.
    const unanswered: string[] = [];
    const watchUntil = Date.now() + 8000;
    while (Date.now() < watchUntil) {
      try {
        const res = await request(`${collector.url}/-/healthy`, { headersTimeout: 5000, bodyTimeout: 5000 });
        await res.body.dump();
        if (res.statusCode !== 200) unanswered.push(`status ${res.statusCode}`);
      } catch (err) {
        unanswered.push((err as Error).message);
      }
      await sleep(250);
    }
    expect(unanswered).toEqual([]);
    expect(collector.isRunning).toBe(true);
    expect(hostileScrapes).toBeGreaterThanOrEqual(4);

    // The normal target's samples keep arriving while the hostile target is relabeled.
    const normalValues = await pollUntil(
      async () => valuesOf((await storedSeries(vm, 'e2e_scrapes_total{job="normal"}'))[0]),
      (values) => values.length >= 5,
      15_000,
    );
    expect(normalValues.length).toBeGreaterThanOrEqual(5);

    // The hostile series went through every rule with the right answers: not dropped ((a|aa)+
    // does not match "...ab"), the named group captured, the impossible rule left alone, the long
    // labels dropped, the target rules applied.
    const hostileSeries = await pollUntil(
      () => storedSeries(vm, 'hostile_value'),
      (series) => series.length >= 3,
      15_000,
    );
    expect(hostileSeries.length).toBeGreaterThanOrEqual(3);
    for (const series of hostileSeries) {
      const { n, ...rest } = series.labels;
      expect(Number(n)).toBeGreaterThan(0);
      expect(rest).toEqual({
        __name__: 'hostile_value',
        instance: expect.any(String),
        job: 'hostile',
        tail: 'b',
        static_tail: 'c',
      });
    }
    // The normal target's up never failed.
    const up = await storedSeries(vm, 'up{job="normal"}');
    expect(valuesOf(up[0])).toEqual([1]);
  }), 90_000);
});
