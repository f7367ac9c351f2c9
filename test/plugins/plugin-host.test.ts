/**
 * PluginHost over a real ScrapeCache reading the HTTPS kubelet stand-in's cAdvisor page (the
 * nri-kubernetes 1.35 fixture): the workload-cpu plugin's sums against sums computed here from
 * the reference parser, a throwing plugin failing alone (and counted), labels decoded once per
 * series, relabel rules shaping what a plugin sees, one request per interval for all plugins.
 */
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';

import { Core } from '../../src/core/core';
import { ScrapewireError } from '../../src/core/errors';
import type { Label } from '../../src/core/types';
import { WORKLOAD_CPU_METRIC, workloadCpuPlugin } from '../../src/plugins/builtin/workload-cpu';
import { PluginHost, type PluginOutcome } from '../../src/plugins/plugin-host';
import { PluginRegistry } from '../../src/plugins/registry';
import type { Plugin } from '../../src/plugins/types';
import { parseReference } from '../../src/reference/parser';
import { ScrapeCache } from '../../src/sources/scrape-cache';
import { cadvisorSource } from '../../src/sources/kubernetes/kubelet-sources';
import { CADVISOR_FIXTURE, startKubeletStandIn, type KubeletStandIn } from '../sources/kubernetes/support/kubelet-stand-in';
import { RW1 } from '../../src/remote-write-protocol';

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

/** A plugin's output series as name{labels} -> value. */
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

async function errorCount(registry: Registry, plugin: string): Promise<number | undefined> {
  const metric = registry.getSingleMetric('scrapewire_plugin_errors_total');
  const { values } = await metric!.get();
  return values.find((v) => v.labels.plugin === plugin)?.value;
}

describe('PluginHost', () => {
  let kubelet: KubeletStandIn;
  let cache: ScrapeCache;
  let registry: Registry;
  const warnings: { obj: Record<string, unknown>; msg?: string }[] = [];
  const logger = {
    debug: () => undefined,
    warn: (obj: object, msg?: string) => void warnings.push({ obj: obj as Record<string, unknown>, msg }),
    error: () => undefined,
  };

  beforeAll(async () => {
    kubelet = await startKubeletStandIn();
  });
  afterAll(() => kubelet.close());
  beforeEach(() => {
    kubelet.server.requests.length = 0;
    warnings.length = 0;
    registry = new Registry();
    cache = new ScrapeCache();
  });
  afterEach(() => cache.close());

  function host(plugins: Plugin[], hooked = true, core?: Core): PluginHost {
    const pluginRegistry = new PluginRegistry();
    for (const plugin of plugins) pluginRegistry.register(plugin);
    const created = new PluginHost({ plugins: pluginRegistry.enabled('.+'), registry, logger });
    const source = { ...cadvisorSource(kubelet.node), core };
    cache.add(hooked ? created.withResolver(source) : source);
    return created;
  }

  const broken: Plugin = {
    name: 'broken',
    sources: ['cadvisor'],
    collect(snapshot, emit) {
      emit.sample('half_done', {}, 1);
      snapshot.source('cadvisor').forEachSample(() => {
        throw new Error('boom');
      });
    },
  };

  test('workload-cpu sums container CPU per workload; a throwing plugin fails alone and is counted', async () => {
    const plugins = host([broken, workloadCpuPlugin({ nodeName: 'datagen-1-35' })]);
    const outcomes = await plugins.collect(cache, 1000);
    expect(outcomes.map((o) => [o.plugin, o.status])).toEqual([['broken', 'failed'], ['workload-cpu', 'ok']]);

    const expected = expectedSums();
    expect(expected.size).toBe(15);
    const output = outputOf(outcomes[1]);
    expect(output.size).toBe(expected.size);
    for (const [key, sum] of expected) {
      const [namespace, workload] = key.split('/');
      const value = output.get(`__name__=${WORKLOAD_CPU_METRIC},namespace=${namespace},workload=${workload}`);
      expect(value).toBeCloseTo(sum, 9);
    }
    // Two deployment pods and two statefulset pods were summed.
    expect(output.get(`__name__=${WORKLOAD_CPU_METRIC},namespace=scraper,workload=e2e-deployment`)).toBeCloseTo(2.727114 + 2.862868, 9);
    expect(outcomes[1].emitted).toBe(15);

    const failure = outcomes[0];
    expect(failure.error).toBeInstanceOf(ScrapewireError);
    expect(failure.error!.code).toBe('ERR_PLUGIN');
    expect(failure.error!.message).toContain('plugin broken');
    expect(failure.error!.message).toContain('boom');
    expect(failure.core!.snapshot().refs.length).toBe(0);
    expect(await errorCount(registry, 'broken')).toBe(1);
    expect(await errorCount(registry, 'workload-cpu')).toBe(0);
    expect(warnings.map((w) => w.obj.plugin)).toEqual(['broken']);
    // One request served every plugin.
    expect(kubelet.server.requests.filter((r) => r.url === '/metrics/cadvisor')).toHaveLength(1);
  });

  test('a plugin that fails after a good round marks its series stale, once', async () => {
    let round = 0;
    const flaky: Plugin = {
      name: 'flaky',
      sources: ['cadvisor'],
      collect(_snapshot, emit) {
        round++;
        if (round === 2) throw new ScrapewireError('ERR_PLUGIN', 'not this time');
        emit.family('flaky_things', 'gauge', 'Things.');
        emit.sample('flaky_things', { kind: 'a' }, 1);
        emit.sample('flaky_things', { kind: 'b' }, 2);
      },
    };
    const plugins = host([flaky]);
    const [first] = await plugins.collect(cache, 1000);
    expect(first.summary.samples).toBe(2);
    const [second] = await plugins.collect(cache, 2000);
    expect(second.status).toBe('failed');
    expect(second.summary).toMatchObject({ samples: 0, staleSeries: 2 });
    let staleMarkers = 0;
    second.core!.encode(RW1, {}, (_request, samples) => (staleMarkers += samples));
    expect(staleMarkers).toBe(2);
    const [third] = await plugins.collect(cache, 3000);
    expect(third.status).toBe('ok');
    expect(await errorCount(registry, 'flaky')).toBe(1);
  });

  test('labels are decoded once per series: from the resolver when hooked, lazily otherwise', async () => {
    for (const hooked of [true, false]) {
      await cache.close();
      cache = new ScrapeCache();
      registry = new Registry();
      const core = Core.create();
      const decode = jest.spyOn(core, 'labelsOf');
      let newStates = 0;
      let samples = 0;
      const reader: Plugin = {
        name: 'reader',
        sources: ['cadvisor'],
        collect(snapshot) {
          snapshot.source('cadvisor').forEachSeries(/^container_/, (series) => {
            samples++;
            if (series.state === undefined) {
              newStates++;
              series.state = true;
            }
          });
        },
      };
      const plugins = host([reader], hooked, core);
      const [first] = await plugins.collect(cache, 1000);
      expect(first.status).toBe('ok');
      const series = (await cache.get('cadvisor', 1000)).summary.newSeries;
      // Hooked: only the core's own decode for its resolver; not hooked: the cache decodes each series once.
      expect(decode).toHaveBeenCalledTimes(series);
      expect(newStates).toBe(samples);
      const firstSamples = samples;
      decode.mockClear();
      await plugins.collect(cache, 2000);
      expect(decode).not.toHaveBeenCalled();
      expect(samples).toBe(2 * firstSamples);
      expect(newStates).toBe(firstSamples);
    }
  });

  test('relabel rules decide what a plugin sees, once per series', async () => {
    const namespaces = new Set<string>();
    let seen = 0;
    const kubeSystem: Plugin = {
      name: 'kube-system-only',
      sources: ['cadvisor'],
      relabel: [
        { source_labels: ['namespace'], regex: 'kube-system', action: 'keep' },
        { source_labels: ['namespace'], target_label: 'ns' },
      ],
      collect(snapshot, emit) {
        snapshot.source('cadvisor').forEachSeries('container_cpu_usage_seconds_total', (series) => {
          namespaces.add(series.get('ns'));
          seen++;
        });
        emit.sample('seen_series', {}, seen);
      },
    };
    const plugins = host([kubeSystem]);
    await plugins.collect(cache, 1000);
    expect([...namespaces]).toEqual(['kube-system']);
    const expected = parseReference(readFileSync(CADVISOR_FIXTURE), 'text').samples.filter(
      (s) => label(s.labels, '__name__') === 'container_cpu_usage_seconds_total' && label(s.labels, 'namespace') === 'kube-system',
    ).length;
    expect(seen).toBe(expected);
  });

  test('a plugin whose source failed is skipped, not counted; reading an undeclared source fails', async () => {
    const lost: Plugin = { name: 'lost', sources: ['nowhere'], collect: () => undefined };
    const nosy: Plugin = {
      name: 'nosy',
      sources: ['cadvisor'],
      collect: (snapshot) => void snapshot.source('kubelet'),
    };
    const plugins = host([lost, nosy]);
    const [skipped, failed] = await plugins.collect(cache, 1000);
    expect(skipped).toMatchObject({ plugin: 'lost', status: 'skipped' });
    expect(skipped.error!.message).toContain('nowhere');
    expect(await errorCount(registry, 'lost')).toBe(0);
    expect(failed.status).toBe('failed');
    expect(failed.error!.message).toContain('does not list');
  });

  test('an async plugin reading after a newer scrape began fails instead of reading the wrong page', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const slow: Plugin = {
      name: 'slow',
      sources: ['cadvisor'],
      async collect(snapshot) {
        const view = snapshot.source('cadvisor');
        entered();
        await gate;
        view.forEachSample(() => undefined);
      },
    };
    const plugins = host([slow]);
    const round = plugins.collect(cache, 1000);
    await inside;
    await cache.get('cadvisor', 2000);
    release();
    const [outcome] = await round;
    expect(outcome.status).toBe('failed');
    expect(outcome.error!.message).toContain('no longer current');
  });
});
