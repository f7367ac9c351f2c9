/**
 * Shared fetch: targets of different jobs with the same URL, credentials, timeout and interval
 * are fed by one request per interval (counted at the server), each job applying its own rules
 * and limits to the shared body and failing alone; a different timeout or interval is another
 * fetch; plugins reading those jobs add no request; a reload that changes one job's rules keeps
 * the others' scrapers and the fetch. The clock is driven by hand, so every tick is one the test
 * asked for.
 */
import { Registry } from 'prom-client';
import { parseConfig } from '../../src/config/load';
import { ScrapeManager } from '../../src/scrape/scrape-manager';
import { scrapeMetrics } from '../../src/scrape/scrape-metrics';
import { fetchKeyOf } from '../../src/scrape/fetch-key';
import { PluginHost } from '../../src/plugins/plugin-host';
import { PluginRegistry } from '../../src/plugins/registry';
import type { Plugin } from '../../src/plugins/types';
import { DecodingSink } from './support/decoding-sink';
import { startHttpServer, type LoopbackServer } from './support/loopback-server';
import { ManualClock, waitFor } from './support/manual-clock';

const PAGE = [
  '# TYPE shared_total counter',
  'shared_total{kind="a"} 1',
  'shared_total{kind="b"} 2',
  '# TYPE shared_dropme gauge',
  'shared_dropme 3',
  '',
].join('\n');

let server: LoopbackServer;
beforeAll(async () => {
  server = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(PAGE);
  });
});
afterAll(() => server.close());

const counted = (path: string) => server.requests.filter((r) => r.url === path).length;

async function scrapesByJob(registry: Registry): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const { labels, value } of (await scrapeMetrics(registry).scrapes.get()).values) {
    (out[String(labels.job)] ??= {})[String(labels.result)] = value;
  }
  return out;
}

test('three jobs and a fourth with a tight body limit share one request per interval; each applies its own rules', async () => {
  const host = new URL(server.origin).host;
  const config = parseConfig(`
global: {scrape_interval: 10s, scrape_timeout: 5s}
scrape_configs:
  - job_name: a
    metrics_path: /shared
    static_configs: [{targets: ['${host}'], labels: {team: a}}]
    metric_relabel_configs: [{source_labels: [__name__], regex: shared_dropme, action: drop}]
  - job_name: b
    metrics_path: /shared
    sample_limit: 2
    static_configs: [{targets: ['${host}']}]
  - job_name: c
    metrics_path: /shared
    static_configs: [{targets: ['${host}']}]
    relabel_configs: [{target_label: via, replacement: c}]
    metric_relabel_configs: [{source_labels: [kind], regex: a, action: drop}]
  - job_name: d
    metrics_path: /shared
    body_size_limit: 20B
    static_configs: [{targets: ['${host}']}]
  - job_name: other-timeout
    metrics_path: /shared
    scrape_timeout: 4s
    static_configs: [{targets: ['${host}']}]
`, 'shared.yml');
  const clock = new ManualClock();
  const registry = new Registry();
  const sink = new DecodingSink();
  const manager = new ScrapeManager({ config, sink, registry, clock });
  await manager.start();
  try {
    const groups = manager.loop.fetchGroups();
    expect(groups.map((g) => g.targets.map((t) => t.spec.job).sort()).sort()).toEqual([['a', 'b', 'c', 'd'], ['other-timeout']]);
    const before = counted('/shared');
    for (let tick = 1; tick <= 3; tick++) {
      clock.advance(10_000);
      await waitFor(async () => Object.values(await scrapesByJob(registry)).every((r) => Object.values(r).reduce((a, b) => a + b, 0) === tick)
        && Object.keys(await scrapesByJob(registry)).length === 5, `tick ${tick}`);
    }
    // One request per interval for a, b, c and d; one more for the job with another timeout.
    expect(counted('/shared') - before).toBe(6);
    expect((await scrapeMetrics(registry).requests.get()).values[0].value).toBe(6);
    expect(await scrapesByJob(registry)).toEqual({
      a: { success: 3 }, b: { ERR_SAMPLE_LIMIT: 3 }, c: { success: 3 }, d: { ERR_BODY_SIZE_LIMIT: 3 }, 'other-timeout': { success: 3 },
    });
  } finally {
    await manager.stop();
  }
  const live = sink.samples.filter((s) => !Number.isNaN(s.value));
  const seriesOf = (job: string) => [...new Set(live.filter((s) => s.labels.job === job).map((s) => JSON.stringify(s.labels)))].map((s) => JSON.parse(s) as Record<string, string>);
  const up = (job: string) => live.filter((s) => s.labels.job === job && s.labels.__name__ === 'up').map((s) => s.value);
  // a: its target label, its drop rule.
  expect(seriesOf('a').filter((l) => l.__name__.startsWith('shared_'))).toEqual([
    { __name__: 'shared_total', instance: host, job: 'a', kind: 'a', team: 'a' },
    { __name__: 'shared_total', instance: host, job: 'a', kind: 'b', team: 'a' },
  ]);
  // b: over its sample_limit, alone: up 0, nothing scraped delivered.
  expect(up('b')).toEqual([0, 0, 0]);
  expect(seriesOf('b').filter((l) => l.__name__.startsWith('shared_'))).toEqual([]);
  // c: its relabeled target label and its own metric rule; shared_dropme kept (a's rule is a's).
  expect(seriesOf('c').filter((l) => l.__name__.startsWith('shared_')).map((l) => `${l.__name__}/${l.kind ?? ''}/${l.via}`).sort())
    .toEqual(['shared_dropme//c', 'shared_total/b/c']);
  // d: over its body_size_limit, alone.
  expect(up('d')).toEqual([0, 0, 0]);
  expect(up('a')).toEqual([1, 1, 1]);
  expect(up('c')).toEqual([1, 1, 1]);
});

test('the fetch key ignores what consumers do with the body and never holds a timestamp', () => {
  const base = { intervalMs: 1000, http: { url: 'https://10.0.0.1:10250/metrics', scrapeTimeoutMs: 1000, bearerTokenFile: '/t' } };
  expect(fetchKeyOf(base)).toBe(fetchKeyOf({ ...base, http: { ...base.http, bodySizeLimitBytes: 10 } }));
  expect(fetchKeyOf(base)).toBe(fetchKeyOf(JSON.parse(JSON.stringify(base))));
  for (const changed of [
    { ...base, intervalMs: 2000 },
    { ...base, http: { ...base.http, scrapeTimeoutMs: 900 } },
    { ...base, http: { ...base.http, url: 'https://10.0.0.1:10250/metrics/cadvisor' } },
    { ...base, http: { ...base.http, bearerTokenFile: '/other' } },
    { ...base, http: { ...base.http, tls: { insecureSkipVerify: true } } },
    { ...base, http: { ...base.http, headers: { 'x-tenant': 'a' } } },
  ]) expect(fetchKeyOf(changed)).not.toBe(fetchKeyOf(base));
});

describe('plugins and reloads on a shared fetch', () => {
  const config = (jobC: string) => parseConfig(`
global: {scrape_interval: 10s, scrape_timeout: 5s, external_labels: {cluster: c1}}
scrape_configs:
  - job_name: a
    metrics_path: /shared
    static_configs: [{targets: ['${new URL(server.origin).host}']}]
    metric_relabel_configs: [{source_labels: [__name__], regex: shared_dropme, action: drop}]
  - job_name: b
    metrics_path: /shared
    static_configs: [{targets: ['${new URL(server.origin).host}']}]
    relabel_configs: [{target_label: team, replacement: b}]
  - job_name: c
    metrics_path: /shared
    static_configs: [{targets: ['${new URL(server.origin).host}']}]
${jobC}
`, 'shared.yml');

  test('three jobs and two plugins on one URL: one request per interval, each job its own rules; a reload keeps the fetch', async () => {
    const reads: string[] = [];
    const sum = (job: string): Plugin => ({
      name: `sum-${job}`,
      jobs: ['a', 'b', 'c'],
      targets: (labels) => labels.job !== job,
      collect(snapshot, emit) {
        let total = 0;
        for (const target of snapshot.targets) target.forEachSeries('shared_total', (_series, value) => { total += value; });
        reads.push(`${job}:${snapshot.targets.map((t) => t.job).sort().join('')}`);
        emit.sample(`shared_sum_without_${job}`, {}, total);
      },
    });
    const registry = new Registry();
    const plugins = new PluginRegistry().register(sum('a')).register(sum('c'));
    const clock = new ManualClock();
    const sink = new DecodingSink();
    const host = new PluginHost({ plugins: plugins.enabled('.+'), registry, sink, now: () => clock.now(), externalLabels: [['cluster', 'c1']] });
    const manager = new ScrapeManager({ config: config(''), sink, registry, clock, readers: host });
    const rounds = async () => (await registry.getSingleMetric('scrapewire_plugin_rounds_total')!.get()).values.reduce((s, v) => s + v.value, 0);
    const tick = async (n: number) => {
      clock.advance(10_000);
      await waitFor(async () => (await rounds()) === n, `${n} plugin rounds`);
      await host.idle();
    };
    await manager.start();
    try {
      const before = counted('/shared');
      await tick(2);
      await tick(4);
      // Two intervals: two requests for three jobs and two plugins.
      expect(counted('/shared') - before).toBe(2);
      expect(reads.slice().sort()).toEqual(['a:bc', 'a:bc', 'c:ab', 'c:ab']);
      const [group] = manager.loop.fetchGroups();
      const c = group.targets.find((t) => t.spec.job === 'c')!;

      // A reload that changes job c's rules: c's scraper is replaced, a's and b's are untouched,
      // and all three stay on the same fetch (one request per interval still).
      await manager.update(config('    metric_relabel_configs: [{source_labels: [kind], regex: a, action: drop}]'));
      const [after] = manager.loop.fetchGroups();
      expect(manager.loop.fetchGroups()).toHaveLength(1);
      expect(after.key).toBe(group.key);
      expect(after.targets.filter((t) => group.targets.includes(t)).map((t) => t.spec.job).sort()).toEqual(['a', 'b']);
      expect(after.targets.find((t) => t.spec.job === 'c')).not.toBe(c);
      sink.clear();
      const requests = counted('/shared');
      await tick(6);
      expect(counted('/shared') - requests).toBe(1);
      expect(reads.slice(4).sort()).toEqual(['a:bc', 'c:ab']);
    } finally {
      await manager.stop();
      await host.idle();
    }
    const live = sink.samples.filter((s) => !Number.isNaN(s.value));
    const seriesOf = (job: string) => live.filter((s) => s.labels.job === job && s.labels.__name__.startsWith('shared_')).map((s) => `${s.labels.__name__}/${s.labels.kind ?? ''}`).sort();
    expect(seriesOf('a')).toEqual(['shared_total/a', 'shared_total/b']);
    expect(seriesOf('b')).toEqual(['shared_dropme/', 'shared_total/a', 'shared_total/b']);
    expect(live.filter((s) => s.labels.job === 'b' && s.labels.__name__ === 'shared_total').every((s) => s.labels.team === 'b')).toBe(true);
    // c after the reload: its new rule drops kind="a".
    expect(seriesOf('c')).toEqual(['shared_dropme/', 'shared_total/b']);
    // The plugins' sums: each read the two jobs its filter let through, the same page twice.
    expect(live.filter((s) => s.labels.__name__ === 'shared_sum_without_a').map((s) => [s.value, s.labels.cluster])).toEqual([[6, 'c1']]);
    expect(live.filter((s) => s.labels.__name__ === 'shared_sum_without_c').map((s) => s.value)).toEqual([6]);
  });
});
