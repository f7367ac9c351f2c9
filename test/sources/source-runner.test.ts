/**
 * SourceRunner against a real loopback endpoint serving the real cAdvisor fixture: the source
 * is fetched exactly once per interval although its own loop and two plugins read it; its
 * samples carry job/instance; a throwing plugin fails alone; a failing source goes stale once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parseConfig } from '../../src/config/load';
import { PluginRegistry } from '../../src/plugins/registry';
import { BUILTIN_PLUGINS, WORKLOAD_CPU_METRIC } from '../../src/plugins/builtin';
import { SourceRunner } from '../../src/sources/source-runner';
import { silentLogger } from '../../src/remote/logger';
import { startHttpServer, type LoopbackServer } from '../scrape/support/loopback-server';
import { DecodingSink } from '../scrape/support/decoding-sink';
import { FIXTURES_DIR } from '../helpers/paths';

const CADVISOR = readFileSync(join(FIXTURES_DIR, 'exposition/nri-kubernetes/internal/testutil/data/1_35/kubelet/metrics/cadvisor'));

let server: LoopbackServer;
let requests = 0;
let failing = false;
beforeAll(async () => {
  server = await startHttpServer((_req, res) => {
    requests++;
    if (failing) {
      res.writeHead(500);
      res.end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(CADVISOR);
  });
});
afterAll(() => server.close());

function runnerFor(sink: DecodingSink, registry: Registry) {
  const config = parseConfig(
    `sources:\n  - name: cadvisor\n    kind: static\n    url: ${server.origin}/metrics/cadvisor\n    scrape_interval: 1s\n    scrape_timeout: 1s\n`,
    'sources.yml',
  );
  const plugins = new PluginRegistry().registerFactories(BUILTIN_PLUGINS, { 'workload-cpu': { nodeName: 'datagen-1-35' } });
  plugins.register({ name: 'broken', sources: ['cadvisor'], collect() { throw new Error('boom'); } });
  return new SourceRunner({
    sources: config.sources,
    plugins: plugins.enabled('.+'),
    sink,
    registry,
    logger: silentLogger,
    externalLabels: [['cluster', 'test']],
  });
}

test('one fetch per interval feeds the source\'s samples and every plugin; a throwing plugin fails alone', async () => {
  const sink = new DecodingSink();
  const registry = new Registry();
  const runner = runnerFor(sink, registry);
  requests = 0;
  runner.start();
  await new Promise((resolve) => setTimeout(resolve, 3500));
  await runner.stop();
  const upTimes = new Set(sink.of('up').filter((s) => s.value === 1).map((s) => s.timestamp));
  expect(upTimes.size).toBeGreaterThanOrEqual(2);
  expect(requests).toBe(upTimes.size);
  const cpu = sink.of('container_cpu_usage_seconds_total');
  expect(cpu.length).toBeGreaterThan(0);
  expect(cpu[0].labels.job).toBe('cadvisor');
  expect(cpu[0].labels.cluster).toBe('test');
  const derived = sink.of(WORKLOAD_CPU_METRIC).filter((s) => !Number.isNaN(s.value));
  expect(derived.length).toBeGreaterThan(0);
  expect(new Set(derived.map((s) => s.timestamp)).size).toBeGreaterThanOrEqual(2);
  const errors = await registry.getSingleMetric('scrapewire_plugin_errors_total')!.get();
  expect(errors.values.find((v) => v.labels.plugin === 'broken')?.value).toBeGreaterThanOrEqual(2);
});

test('a failing source reports up=0 and marks its series stale once', async () => {
  const sink = new DecodingSink();
  const runner = runnerFor(sink, new Registry());
  failing = false;
  runner.start();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  failing = true;
  await new Promise((resolve) => setTimeout(resolve, 2200));
  await runner.stop();
  failing = false;
  const down = sink.of('up').filter((s) => s.value === 0);
  expect(down.length).toBeGreaterThanOrEqual(1);
  const firstDown = Math.min(...down.map((s) => s.timestamp));
  const staleAtDown = sink.stale(firstDown).filter((s) => s.labels.__name__ === 'container_cpu_usage_seconds_total');
  expect(staleAtDown.length).toBeGreaterThan(0);
  // Later failures find nothing left to mark.
  const laterStale = sink.samples.filter((s) => Number.isNaN(s.value) && s.timestamp > firstDown && s.labels.__name__ === 'container_cpu_usage_seconds_total');
  expect(laterStale).toHaveLength(0);
});

test('a timer that fires early does not fetch the same slot twice', async () => {
  const earlyClock = {
    now: () => Date.now(),
    setTimeout: (callback: () => void, delayMs: number) => setTimeout(callback, Math.max(0, delayMs - 30)),
    clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
  };
  const config = parseConfig(
    `sources:\n  - {name: cadvisor, kind: static, url: "${server.origin}/metrics/cadvisor", scrape_interval: 1s, scrape_timeout: 1s}\n`,
    'early.yml',
  );
  const sink = new DecodingSink();
  const runner = new SourceRunner({ sources: config.sources, plugins: [], sink, registry: new Registry(), logger: silentLogger, clock: earlyClock });
  requests = 0;
  runner.start();
  await new Promise((resolve) => setTimeout(resolve, 2500));
  await runner.stop();
  // Each slot is fetched once (the cache sees to that) and delivered once: re-serving a slot
  // would push its samples again with the same timestamp.
  const up = sink.of('up').filter((s) => !Number.isNaN(s.value));
  expect(up.length).toBeGreaterThanOrEqual(2);
  expect(new Set(up.map((s) => s.timestamp)).size).toBe(up.length);
  expect(requests).toBe(up.length);
});
