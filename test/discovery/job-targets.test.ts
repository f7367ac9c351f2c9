/**
 * JobTargets: discovered groups to targets for one job. The discovered labels kept beside each
 * target (and replaced when a group changes, even if the target does not), the targets
 * relabeling drops (keep_dropped_targets), duplicates (the last one discovered gives the
 * discovered labels, as in Prometheus), max_targets_per_discovery and max_targets_per_pod counted
 * and reported, and a group relabeled only when it changes.
 */
import { parseConfig } from '../../src/config/load';
import type { ScrapeConfig } from '../../src/config/types';
import { ScrapewireError } from '../../src/errors';
import { JobTargets, type CapName } from '../../src/discovery/job-targets';
import type { DiscoveredGroup } from '../../src/discovery/types';
import { compileRelabelConfigs } from '../../src/relabel/relabeler';

function job(yaml: string): ScrapeConfig {
  return parseConfig(`scrape_configs:\n  - job_name: app\n    scrape_interval: 30s\n    scrape_timeout: 10s\n${yaml}`, 'c.yml', { env: {} }).scrape_configs[0];
}

function targetsOf(config: ScrapeConfig) {
  const errors: ScrapewireError[] = [];
  const caps: Array<[string, CapName, number]> = [];
  let relabeled = 0;
  const relabel = compileRelabelConfigs(config.relabel_configs);
  const counting = { process: (labels: Parameters<typeof relabel.process>[0]) => { relabeled++; return relabel.process(labels); }, isEmpty: relabel.isEmpty } as typeof relabel;
  const targets = new JobTargets({
    config, relabelers: { relabel: counting }, onError: (e) => errors.push(e), onCapDrop: (provider, cap, n) => caps.push([provider, cap, n]),
  });
  return { targets, errors, caps, relabeled: () => relabeled };
}

const group = (source: string, addresses: string[], labels: Record<string, string> = {}, extra: Partial<DiscoveredGroup> = {}): DiscoveredGroup =>
  ({ source, labels, targets: addresses.map((address) => ({ __address__: address, __meta_port: address.split(':')[1] ?? '' })), ...extra });

describe('JobTargets', () => {
  test('discovered labels: group and target labels with the job\'s defaults, empty values left out', () => {
    const { targets } = targetsOf(job(''));
    const provider = targets.addProvider('static_configs');
    targets.update(provider, [group('0', ['10.0.0.1:9100'], { __meta_zone: 'a', __meta_empty: '' })]);
    const [active] = targets.targets();
    expect(active.discovered).toEqual({
      __address__: '10.0.0.1:9100', __meta_port: '9100', __meta_zone: 'a', job: 'app',
      __metrics_path__: '/metrics', __scheme__: 'http', __scrape_interval__: '30s', __scrape_timeout__: '10s',
    });
    expect(active.spec.labels).toEqual([['instance', '10.0.0.1:9100'], ['job', 'app']]);
  });

  test('a changed group replaces the discovered labels even when the target stays the same', () => {
    const { targets } = targetsOf(job(''));
    const provider = targets.addProvider('p');
    targets.update(provider, [group('pod/a', ['10.0.0.1:80'], { __meta_ready: 'false' })]);
    targets.update(provider, [group('pod/a', ['10.0.0.1:80'], { __meta_ready: 'true' })]);
    expect(targets.targets().map((t) => t.discovered.__meta_ready)).toEqual(['true']);
  });

  test('duplicates are one target, showing the last one discovered (Prometheus; vmagent keeps the first)', () => {
    const { targets } = targetsOf(job('    relabel_configs:\n      - target_label: __address__\n        replacement: 10.0.0.9:80\n'));
    const provider = targets.addProvider('p');
    targets.update(provider, [group('pod/a', ['10.0.0.1:8080', '10.0.0.1:8443', '10.0.0.1:9901'])]);
    const active = targets.targets();
    expect(active).toHaveLength(1);
    expect(active[0].discovered.__meta_port).toBe('9901');
  });

  test('dropped targets: every one counted, keep_dropped_targets of them kept; empty groups remove theirs', () => {
    const { targets } = targetsOf(job('    keep_dropped_targets: 2\n    relabel_configs:\n      - source_labels: [__meta_port]\n        regex: "80"\n        action: keep\n'));
    const provider = targets.addProvider('p');
    targets.update(provider, [group('a', ['h:80', 'h:81', 'h:82']), group('b', ['i:83'])]);
    const dropped = targets.dropped();
    expect(dropped.total).toBe(3);
    expect(dropped.kept.map((d) => d.__address__)).toEqual(['h:81', 'h:82']);
    targets.update(provider, [group('a', [])]);
    expect(targets.dropped().total).toBe(1);
    expect(targets.targets()).toEqual([]);
  });

  test('a target that cannot be built is an error naming the job and the target, neither active nor dropped', () => {
    const { targets, errors } = targetsOf(job('    relabel_configs:\n      - target_label: __scrape_interval__\n        replacement: soon\n'));
    targets.update(targets.addProvider('p'), [group('a', ['h:80'])]);
    expect(targets.targets()).toEqual([]);
    expect(targets.dropped().total).toBe(0);
    expect(errors.map((e) => e.message)).toEqual(['h:80: job "app": error parsing scrape interval: not a valid duration string: "soon"']);
  });

  test('only the groups that changed are relabeled again', () => {
    const state = targetsOf(job(''));
    const provider = state.targets.addProvider('p');
    state.targets.update(provider, Array.from({ length: 50 }, (_, i) => group(`g${i}`, [`10.0.${i}.1:80`, `10.0.${i}.2:80`])));
    state.targets.targets();
    expect(state.relabeled()).toBe(100);
    state.targets.update(provider, [group('g7', ['10.0.7.1:80', '10.0.7.3:80'])]);
    expect(state.targets.targets()).toHaveLength(100);
    expect(state.relabeled()).toBe(102);
  });

  test('max_targets_per_discovery: past the cap, targets are not built; counted, reported once per change', () => {
    const state = targetsOf(job('    max_targets_per_discovery: 5\n'));
    const a = state.targets.addProvider('file_sd_configs[0]');
    const b = state.targets.addProvider('http_sd_configs[0]');
    state.targets.update(a, [group('x', ['h:1', 'h:2', 'h:3']), group('y', ['h:4', 'h:5', 'h:6', 'h:7'])]);
    state.targets.update(b, [group('z', ['i:1', 'i:2'])]);
    expect(state.targets.targets().map((t) => t.discovered.__address__)).toEqual(['h:1', 'h:2', 'h:3', 'h:4', 'h:5', 'i:1', 'i:2']);
    expect(state.caps).toContainEqual(['file_sd_configs[0]', 'max_targets_per_discovery', 2]);
    expect(state.errors.map((e) => [e.code, e.message])).toEqual([[
      'ERR_TARGET_LIMIT', 'job "app": file_sd_configs[0] found more than max_targets_per_discovery (5) targets; 2 targets dropped before relabeling',
    ]]);
    // Under the cap again: everything comes back, and the count goes to 0.
    state.targets.update(a, [group('y', [])]);
    expect(state.targets.targets()).toHaveLength(5);
    expect(state.caps[state.caps.length - 1]).toEqual(['file_sd_configs[0]', 'max_targets_per_discovery', 0]);
  });

  test('max_targets_per_pod drops (counted by the providers) are summed, reported and logged', () => {
    const state = targetsOf(job('    max_targets_per_pod: 2\n'));
    const provider = state.targets.addProvider('kubernetes_sd_configs[0]');
    state.targets.update(provider, [group('pod/a', ['p:1', 'p:2'], {}, { podCapDropped: 998 }), group('pod/b', ['q:1'], {}, { podCapDropped: 2 })]);
    expect(state.targets.targets()).toHaveLength(3);
    expect(state.caps).toContainEqual(['kubernetes_sd_configs[0]', 'max_targets_per_pod', 1000]);
    expect(state.errors[0].message).toBe('job "app": kubernetes_sd_configs[0] found pods with more than max_targets_per_pod (2) targets; 1000 targets dropped before relabeling');
  });
});
