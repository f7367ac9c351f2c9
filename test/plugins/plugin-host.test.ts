/**
 * PluginHost reading the targets of scrape_configs jobs through the scrape loop's shared fetch:
 * an HTTPS kubelet stand-in's cAdvisor page (the nri-kubernetes 1.35 fixture) scraped by a job
 * with the service-account token and CA; the workload-cpu plugin's sums against sums computed
 * here from the reference parser, a throwing plugin failing alone (and counted), labels decoded
 * once per series, relabel rules shaping what a plugin sees, jobs sharing a URL read in one
 * round, the targets filter, external labels on the output, one request per interval for all.
 * The loop's clock is driven by hand: each tick is one fetch.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';

import { parseConfig } from '../../src/config/load';
import { ScrapewireError } from '../../src/errors';
import type { ScrapeSummary } from '../../src/core/types';
import type { Label } from '../../src/labels';
import { WORKLOAD_CPU_METRIC, workloadCpuPlugin } from '../../src/plugins/builtin/workload-cpu';
import { PluginHost, type PluginOutcome } from '../../src/plugins/plugin-host';
import { PluginRegistry } from '../../src/plugins/registry';
import type { Plugin } from '../../src/plugins/types';
import { parseReference } from '../reference/parser';
import { ScrapeManager } from '../../src/scrape/scrape-manager';
import { CADVISOR_FIXTURE, NodeKubelet } from '../collector/support/node-kubelet';
import { DecodingSink } from '../scrape/support/decoding-sink';
import { ManualClock, waitFor } from '../scrape/support/manual-clock';

/** The workload of each pod of the fixture, written out by hand (not computed by the code under test). */
const WORKLOAD_OF_POD: Record<string, string> = {
  'storage-provisioner': 'storage-provisioner',
  'e2e-kube-state-metrics-75b885dc9-97mtr': 'e2e-kube-state-metrics',
  'e2e-scraper-5f97dc94d8-vkcjl': 'e2e-scraper',
  'kube-proxy-8k9zt': 'kube-proxy',
  'kube-scheduler-datagen-1-35': 'kube-scheduler',
  'coredns-7d764666f9-qdcxt': 'coredns',
  'e2e-hpa-6cd8d99884-tggnr': 'e2e-hpa',
  'e2e-daemonset-kb65b': 'e2e-daemonset',
  'e2e-deployment-79967c5968-zjslc': 'e2e-deployment',
  'e2e-deployment-79967c5968-8bnn8': 'e2e-deployment',
  'metrics-server-9d74bb658-c6nnt': 'metrics-server',
  'kube-apiserver-datagen-1-35': 'kube-apiserver',
  'e2e-statefulset-0': 'e2e-statefulset',
  'e2e-statefulset-1': 'e2e-statefulset',
  'kube-controller-manager-datagen-1-35': 'kube-controller-manager',
  'etcd-datagen-1-35': 'etcd',
  'kindnet-zkpn8': 'kindnet',
};

function label(labels: readonly Label[], name: string): string {
  return labels.find(([n]) => n === name)?.[1] ?? '';
}

/** namespace/workload -> summed CPU seconds, from the reference parser. */
function expectedSums(): Map<string, number> {
  const sums = new Map<string, number>();
  for (const sample of parseReference(readFileSync(CADVISOR_FIXTURE), 'text').samples) {
    const { labels } = sample;
    if (label(labels, '__name__') !== 'container_cpu_usage_seconds_total') continue;
    const container = label(labels, 'container');
    const pod = label(labels, 'pod');
    if (container === '' || container === 'POD' || pod === '') continue;
    const workload = WORKLOAD_OF_POD[pod];
    if (workload === undefined) throw new Error(`pod ${pod} is missing from WORKLOAD_OF_POD`);
    const key = `${label(labels, 'namespace')}/${workload}`;
    sums.set(key, (sums.get(key) ?? 0) + sample.value);
  }
  return sums;
}

/** A plugin's output series as name{labels} -> value, read back from its output core. */
function outputOf(outcome: PluginOutcome): Map<string, number> {
  const out = new Map<string, number>();
  const core = outcome.core!;
  const { refs, values } = core.snapshot();
  for (let i = 0; i < refs.length; i++) {
    const labels = core.labelsOf(refs[i]);
    out.set(labels.map(([n, v]) => `${n}=${v}`).join(','), values[i]);
  }
  return out;
}

const NODE = 'datagen-1-35';

async function errorCount(registry: Registry, plugin: string): Promise<number | undefined> {
  const metric = registry.getSingleMetric('scrapewire_plugin_errors_total');
  const { values } = await metric!.get();
  return values.find((v) => v.labels.plugin === plugin)?.value;
}

describe('PluginHost', () => {
  let kubelet: NodeKubelet;
  let saDir: string;
  let registry: Registry;
  let manager: ScrapeManager | undefined;
  const warnings: { obj: Record<string, unknown>; msg?: string }[] = [];
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (obj: object, msg?: string) => void warnings.push({ obj: obj as Record<string, unknown>, msg }),
    error: () => undefined,
  };

  beforeAll(async () => {
    kubelet = await NodeKubelet.start({ nodeName: NODE });
    saDir = mkdtempSync(join(tmpdir(), 'scrapewire-sa-'));
    kubelet.writeServiceAccount(saDir);
  });
  afterAll(async () => {
    await kubelet.close();
    rmSync(saDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    kubelet.requests.length = 0;
    warnings.length = 0;
    registry = new Registry();
  });
  afterEach(async () => {
    await manager?.stop();
    manager = undefined;
  });

  /** A job scraping the stand-in over HTTPS with the token and CA, as the DaemonSet's do. */
  const kubeletJob = (name: string, path: string, extra = '') => `
  - job_name: ${name}
    scheme: https
    metrics_path: ${path}
    bearer_token_file: ${saDir}/token
    tls_config: {ca_file: ${saDir}/ca.crt}
    static_configs: [{targets: ['${kubelet.address}'], labels: {node: ${NODE}}}]${extra}`;

  interface Harness {
    host: PluginHost;
    manager: ScrapeManager;
    sink: DecodingSink;
    summaries: ScrapeSummary[];
    /** One interval: waits for `rounds` plugin rounds and returns them. */
    tick(rounds: number): Promise<PluginOutcome[]>;
  }

  async function start(plugins: Plugin[], jobs = kubeletJob('cadvisor', '/metrics/cadvisor'), global = ''): Promise<Harness> {
    const pluginRegistry = new PluginRegistry();
    for (const plugin of plugins) pluginRegistry.register(plugin);
    const config = parseConfig(`global: {scrape_interval: 10s, scrape_timeout: 5s${global}}\nscrape_configs:${jobs}\n`, 'plugins.yml');
    const clock = new ManualClock();
    const sink = new DecodingSink();
    const outcomes: PluginOutcome[] = [];
    const summaries: ScrapeSummary[] = [];
    const host = new PluginHost({
      plugins: pluginRegistry.enabled('.+'), registry, sink, logger, onRound: (o) => outcomes.push(o), now: () => clock.now(),
      externalLabels: Object.entries(config.global.external_labels),
    });
    manager = new ScrapeManager({ config, sink, registry, clock, readers: host, onScrape: (_t, o) => { if (o.summary) summaries.push(o.summary); } });
    await manager.start();
    const running = manager;
    return {
      host, manager: running, sink, summaries,
      async tick(rounds: number) {
        const before = outcomes.length;
        clock.advance(10_000);
        await waitFor(() => outcomes.length >= before + rounds, `${rounds} plugin rounds`);
        await host.idle();
        return outcomes.slice(before);
      },
    };
  }

  const broken: Plugin = {
    name: 'broken',
    jobs: ['cadvisor'],
    collect(snapshot, emit) {
      emit.sample('half_done', {}, 1);
      snapshot.targets[0].forEachSample(() => {
        throw new Error('boom');
      });
    },
  };

  test('workload-cpu sums container CPU per workload; a throwing plugin fails alone and is counted', async () => {
    const { tick, sink } = await start([broken, workloadCpuPlugin()]);
    const outcomes = await tick(2);
    expect(outcomes.map((o) => [o.plugin, o.status]).sort()).toEqual([['broken', 'failed'], ['workload-cpu', 'ok']]);
    const ok = outcomes.find((o) => o.plugin === 'workload-cpu')!;

    const expected = expectedSums();
    expect(expected.size).toBe(15);
    const output = outputOf(ok);
    expect(output.size).toBe(expected.size);
    const where = `instance=${kubelet.address},namespace=`;
    for (const [key, sum] of expected) {
      const [namespace, workload] = key.split('/');
      const value = output.get(`__name__=${WORKLOAD_CPU_METRIC},${where}${namespace},node=${NODE},workload=${workload}`);
      expect(value).toBeCloseTo(sum, 9);
    }
    // Two deployment pods and two statefulset pods were summed; static pods named by the target's node label.
    expect(output.get(`__name__=${WORKLOAD_CPU_METRIC},${where}scraper,node=${NODE},workload=e2e-deployment`)).toBeCloseTo(2.727114 + 2.862868, 9);
    expect([...output.keys()].some((k) => k.includes('workload=kube-apiserver,'.slice(0, -1)))).toBe(true);
    expect(ok.emitted).toBe(15);
    // The output reached the sink.
    expect(sink.of(WORKLOAD_CPU_METRIC)).toHaveLength(15);

    const failure = outcomes.find((o) => o.plugin === 'broken')!;
    expect(failure.error).toBeInstanceOf(ScrapewireError);
    expect(failure.error!.code).toBe('ERR_PLUGIN');
    expect(failure.error!.message).toContain('plugin broken');
    expect(failure.error!.message).toContain('boom');
    expect(failure.core!.snapshot().refs.length).toBe(0);
    expect(await errorCount(registry, 'broken')).toBe(1);
    expect(await errorCount(registry, 'workload-cpu')).toBe(0);
    expect(warnings.map((w) => w.obj.plugin)).toEqual(['broken']);
    // One request served the job and both plugins.
    expect(kubelet.count('/metrics/cadvisor')).toBe(1);
    expect(kubelet.requests.every((r) => r.authorization === 'Bearer token-1')).toBe(true);
  });

  test('a plugin that fails after a good round marks its series stale, once', async () => {
    let round = 0;
    const flaky: Plugin = {
      name: 'flaky',
      jobs: ['cadvisor'],
      collect(_snapshot, emit) {
        round++;
        if (round === 2) throw new ScrapewireError('ERR_PLUGIN', 'not this time');
        emit.family('flaky_things', 'gauge', 'Things.');
        emit.sample('flaky_things', { kind: 'a' }, 1);
        emit.sample('flaky_things', { kind: 'b' }, 2);
      },
    };
    const { tick, sink } = await start([flaky]);
    const [first] = await tick(1);
    expect(first.summary.samples).toBe(2);
    const [second] = await tick(1);
    expect(second.status).toBe('failed');
    expect(second.summary).toMatchObject({ samples: 0, staleSeries: 2 });
    expect(sink.stale().filter((s) => s.labels.__name__ === 'flaky_things')).toHaveLength(2);
    const [third] = await tick(1);
    expect(third.status).toBe('ok');
    expect(await errorCount(registry, 'flaky')).toBe(1);
    expect(kubelet.count('/metrics/cadvisor')).toBe(3);
  });

  test('labels are decoded once per series, by the core for the resolver, and the plugin reuses them', async () => {
    let newStates = 0;
    let samples = 0;
    const reader: Plugin = {
      name: 'reader',
      jobs: ['cadvisor'],
      collect(snapshot) {
        snapshot.targets[0].forEachSeries(/^container_/, (series) => {
          samples++;
          if (series.state === undefined) {
            newStates++;
            series.state = true;
          }
        });
      },
    };
    const harness = await start([reader]);
    const core = harness.manager.targets()[0].scrapedCore;
    const decode = jest.spyOn(core, 'labelsOf');
    const [first] = await harness.tick(1);
    expect(first.status).toBe('ok');
    // Only the core's own decode for its resolver, once per new series.
    expect(decode).toHaveBeenCalledTimes(harness.summaries[0].newSeries);
    expect(newStates).toBe(samples);
    const firstSamples = samples;
    decode.mockClear();
    await harness.tick(1);
    expect(decode).not.toHaveBeenCalled();
    expect(samples).toBe(2 * firstSamples);
    expect(newStates).toBe(firstSamples);
  });

  test('relabel rules decide what a plugin sees, once per series, on the labels as scraped', async () => {
    const namespaces = new Set<string>();
    let seen = 0;
    let job = '';
    const kubeSystem: Plugin = {
      name: 'kube-system-only',
      jobs: ['cadvisor'],
      relabel: [
        { source_labels: ['namespace'], regex: 'kube-system', action: 'keep' },
        { source_labels: ['namespace'], target_label: 'ns' },
      ],
      collect(snapshot, emit) {
        snapshot.targets[0].forEachSeries('container_cpu_usage_seconds_total', (series) => {
          namespaces.add(series.get('ns'));
          job = series.get('job');
          seen++;
        });
        emit.sample('seen_series', {}, seen);
      },
    };
    // The job's own rules drop what the plugin reads: the plugin reads the page, not what the job sends.
    const { tick } = await start([kubeSystem], kubeletJob('cadvisor', '/metrics/cadvisor', `
    metric_relabel_configs: [{source_labels: [__name__], regex: container_cpu_.*, action: drop}]`));
    await tick(1);
    expect([...namespaces]).toEqual(['kube-system']);
    expect(job).toBe('');
    const expected = parseReference(readFileSync(CADVISOR_FIXTURE), 'text').samples.filter(
      (s) => label(s.labels, '__name__') === 'container_cpu_usage_seconds_total' && label(s.labels, 'namespace') === 'kube-system',
    ).length;
    expect(seen).toBe(expected);
  });

  test('jobs sharing a URL come to a plugin in one round from one request; the targets filter picks; output gets external labels', async () => {
    const rounds: Array<Array<[string, string]>> = [];
    const both: Plugin = {
      name: 'both',
      jobs: ['cadvisor', 'cadvisor-copy'],
      collect(snapshot, emit) {
        rounds.push(snapshot.targets.map((t) => [t.job, t.labels.team ?? ''] as [string, string]).sort());
        expect(snapshot.target('cadvisor')!.sampleCount).toBe(snapshot.target('cadvisor-copy')!.sampleCount);
        emit.sample('targets_read', {}, snapshot.targets.length);
      },
    };
    const picky: Plugin = {
      name: 'picky',
      jobs: ['cadvisor', 'cadvisor-copy'],
      targets: (labels) => labels.team === 'b',
      collect(snapshot, emit) {
        emit.sample('picked', { job_read: snapshot.targets.map((t) => t.job).join(',') }, 1);
      },
    };
    const jobs = kubeletJob('cadvisor', '/metrics/cadvisor') + kubeletJob('cadvisor-copy', '/metrics/cadvisor', `
    relabel_configs: [{target_label: team, replacement: b}]
    metric_relabel_configs: [{source_labels: [__name__], regex: container_fs_.*, action: drop}]`);
    const { tick, sink, manager: running } = await start([both, picky], jobs, ', external_labels: {cluster: test}');
    expect(running.loop.fetchGroups()).toHaveLength(1);
    const outcomes = await tick(2);
    expect(outcomes.map((o) => [o.plugin, o.status, o.targets]).sort()).toEqual([['both', 'ok', 2], ['picky', 'ok', 1]]);
    expect(rounds).toEqual([[['cadvisor', ''], ['cadvisor-copy', 'b']]]);
    expect(sink.of('picked').map((s) => s.labels)).toEqual([{ __name__: 'picked', cluster: 'test', job_read: 'cadvisor-copy' }]);
    expect(sink.of('targets_read').map((s) => [s.labels.cluster, s.value])).toEqual([['test', 2]]);
    expect(kubelet.count('/metrics/cadvisor')).toBe(1);
  });

  test('a plugin whose targets failed is skipped, not counted; reading a job it does not list fails', async () => {
    const lost: Plugin = { name: 'lost', jobs: ['missing-page'], collect: () => undefined };
    const nosy: Plugin = { name: 'nosy', jobs: ['cadvisor'], collect: (snapshot) => void snapshot.target('kubelet') };
    const { tick } = await start([lost, nosy], kubeletJob('cadvisor', '/metrics/cadvisor') + kubeletJob('missing-page', '/nope'));
    const outcomes = await tick(2);
    const skipped = outcomes.find((o) => o.plugin === 'lost')!;
    const failed = outcomes.find((o) => o.plugin === 'nosy')!;
    expect(skipped).toMatchObject({ plugin: 'lost', status: 'skipped' });
    expect(skipped.error!.message).toContain('failed');
    expect(await errorCount(registry, 'lost')).toBe(0);
    expect(failed.status).toBe('failed');
    expect(failed.error!.message).toContain('does not list in jobs');
  });

  test('an async plugin reading after a newer scrape began fails instead of reading the wrong page', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const slow: Plugin = {
      name: 'slow',
      jobs: ['cadvisor'],
      async collect(snapshot) {
        const view = snapshot.targets[0];
        entered();
        await gate;
        view.forEachSample(() => undefined);
      },
    };
    const harness = await start([slow]);
    const first = harness.tick(2);
    await inside;
    // (A real timer comes in a task of its own, after the fetch has settled.)
    await new Promise((resolve) => setImmediate(resolve));
    // The next interval's scrape while the first round still holds its snapshot: that round is
    // skipped (the previous one has not finished), and the first one then fails.
    const before = harness.summaries.length;
    (harness.manager as unknown as { options: { clock: ManualClock } }).options.clock.advance(10_000);
    await waitFor(() => harness.summaries.length > before, 'the second scrape');
    release();
    const outcomes = await first;
    expect(outcomes.map((o) => o.status)).toEqual(['skipped', 'failed']);
    expect(outcomes[1].error!.message).toContain('no longer current');
  });
});
