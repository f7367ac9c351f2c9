/**
 * Relabeling end to end against Prometheus (issue 15): one configuration using every relabel
 * action Prometheus has (replace with capture groups, keep, drop, keepequal, dropequal, hashmod,
 * labelmap, labeldrop, labelkeep, lowercase, uppercase) in both relabel_configs and
 * metric_relabel_configs, plus external_labels, run by Prometheus 2.42 in agent mode
 * (`/usr/bin/prometheus --enable-feature=agent`; 2.42 has all eleven actions: lowercase/uppercase
 * since 2.36, keepequal/dropequal since 2.41) and by the real collector (`node dist/src/cli.js
 * run`), against the same real exporters on loopback: prometheus-node-exporter (uname and os
 * collectors only, for a stable page), a VictoriaMetrics server's own /metrics and a Prometheus
 * server's own /metrics. Each agent remote-writes to a VictoriaMetrics of its own; the two
 * configuration files differ only in that URL.
 *
 * Asserted: the two receivers hold the same series (names and every label), and the same value
 * for the series whose value does not change while the test runs. The rules are written so that
 * each one changes something on every target, and several targets exist only to be dropped by a
 * target rule (keep, drop, keepequal, dropequal): a rule that misbehaves shows as a differing
 * series, or as an `up` series of a target that should not exist.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Prometheus, VictoriaMetrics, freePort, requireBinary, type ExportedSeries } from '../helpers/receivers';
import { CollectorProcess, killAllCollectors, withCollectorOutput } from './support/collector-process';
import { tempDir } from './support/config';
import { pollUntil } from './support/wait';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'undici';

const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';

/** A child process that is a scrape target, killed in afterAll. */
class Child {
  private log = '';
  constructor(readonly process: ChildProcess) {
    const keep = (chunk: Buffer): void => { this.log = (this.log + chunk.toString()).slice(-20_000); };
    process.stdout?.on('data', keep);
    process.stderr?.on('data', keep);
  }

  static start(bin: string, args: string[]): Child {
    requireBinary(bin);
    return new Child(spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  output(): string {
    return this.log;
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

async function waitFor(url: string, child: Child, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await request(url);
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    if (child.process.exitCode !== null || Date.now() > deadline) throw new Error(`${url} never answered:\n${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

type Rule = Record<string, unknown>;

/**
 * Target rules, run on every static target of every job. Every action, each doing something:
 * the static labels give them material, and three extra targets exist to be dropped.
 */
function targetRules(): Rule[] {
  return [
    // replace with capture groups (and a ${name} group in the target label)
    { source_labels: ['__address__'], regex: '(?P<host>[^:]+):(?P<port>\\d+)', target_label: 'port', replacement: '${port}' },
    { source_labels: ['team', 'env'], separator: '/', regex: '(.+)/(prod)-(.*)', target_label: '${2}_region', replacement: '$3-$1' },
    // keep and drop
    { source_labels: ['env'], regex: 'prod-.+', action: 'keep' },
    { source_labels: ['__address__'], regex: '127\\.0\\.0\\.1:1', action: 'drop' },
    // keepequal and dropequal
    { source_labels: ['port'], target_label: 'expected_port', action: 'keepequal' },
    { source_labels: ['team'], target_label: 'blocked_team', action: 'dropequal' },
    // hashmod
    { source_labels: ['__address__'], modulus: 1000, target_label: 'address_hash', action: 'hashmod' },
    // lowercase and uppercase
    { source_labels: ['team'], target_label: 'team_lower', action: 'lowercase' },
    { source_labels: ['team', 'env'], separator: '.', target_label: 'team_upper', action: 'uppercase' },
    // labelmap, labeldrop, labelkeep
    { regex: 'meta_(.+)', replacement: 'target_$1', action: 'labelmap' },
    { regex: 'meta_.*|expected_port|blocked_team', action: 'labeldrop' },
    { regex: '__.+|job|instance|team|team_.+|env|port|prod_region|address_hash|target_.+', action: 'labelkeep' },
  ];
}

/** Metric rules, on every series of every job. */
function metricRules(): Rule[] {
  return [
    // drop: the Go runtime's memory and GC families (busy, and not what this test is about)
    { source_labels: ['__name__'], regex: 'go_(memstats|gc)_.+', action: 'drop' },
    // keep: only the families of the three exporters' own kinds, and the relabeled ones
    { source_labels: ['__name__'], regex: '(go|process|node|prometheus|vm|promhttp|net)_.+|flag|up', action: 'keep' },
    // replace with capture groups: the family's first word, and the rest in a named group
    { source_labels: ['__name__'], regex: '([a-z]+)_(?P<rest>.+)', target_label: 'family', replacement: '${1}' },
    { source_labels: ['__name__', 'job'], separator: '@', regex: 'process_(.+)@(node|vm)', target_label: 'process_of_$2', replacement: '$1' },
    // lowercase and uppercase (creating labels that the equal rules below then compare)
    { source_labels: ['family'], target_label: 'family_upper', action: 'uppercase' },
    { source_labels: ['family_upper'], target_label: 'family_lower', action: 'lowercase' },
    // keepequal: keeps everything (family_lower equals family); dropequal: drops VictoriaMetrics'
    // cache families, whose name put "vm" into a label equal to their family
    { source_labels: ['family'], target_label: 'family_lower', action: 'keepequal' },
    { source_labels: ['__name__'], regex: 'vm_cache_.+', target_label: 'vm_family', replacement: 'vm' },
    { source_labels: ['vm_family'], target_label: 'family', action: 'dropequal' },
    // hashmod on the series name
    { source_labels: ['__name__'], modulus: 8, target_label: 'name_shard', action: 'hashmod' },
    // labelmap, labeldrop, labelkeep
    { regex: '(team|env)', replacement: 'series_$1', action: 'labelmap' },
    { regex: 'team_lower|family_lower|vm_family', action: 'labeldrop' },
    { target_label: 'Tmp_marker', replacement: 'x' },
    { regex: '[a-z_].*', action: 'labelkeep' },
  ];
}

interface Ports {
  node: number;
  vm: number;
  prom: number;
}

function configFor(remoteWriteUrl: string, ports: Ports): string {
  const job = (name: string, port: number, team: string, zone: string): Record<string, unknown> => ({
    job_name: name,
    scrape_interval: '1s',
    scrape_timeout: '1s',
    static_configs: [
      { targets: [`127.0.0.1:${port}`], labels: { team, env: 'prod-eu', expected_port: String(port), meta_zone: zone, meta_rack: 'r1' } },
      // Dropped by keep: env does not match prod-.+
      { targets: ['127.0.0.2:9'], labels: { team, env: 'dev', expected_port: '9' } },
      // Dropped by drop: the address.
      { targets: ['127.0.0.1:1'], labels: { team, env: 'prod-us', expected_port: '1' } },
      // Dropped by keepequal: expected_port differs from the port.
      { targets: ['127.0.0.3:9'], labels: { team, env: 'prod-us', expected_port: '10' } },
      // Dropped by dropequal: team equals blocked_team.
      { targets: ['127.0.0.4:9'], labels: { team, env: 'prod-us', expected_port: '9', blocked_team: team } },
    ],
    relabel_configs: targetRules(),
    metric_relabel_configs: metricRules(),
  });
  return stringify({
    global: {
      scrape_interval: '1s',
      scrape_timeout: '1s',
      external_labels: { cluster: 'E2E-Cluster', replica: 'a' },
    },
    scrape_configs: [
      job('node', ports.node, 'Platform', 'Zone-A'),
      job('vm', ports.vm, 'Storage', 'Zone-B'),
      job('prom', ports.prom, 'Monitoring', 'Zone-C'),
    ],
    remote_write: [{
      url: remoteWriteUrl,
      queue_config: { batch_send_deadline: '1s', min_backoff: '100ms', max_backoff: '1s' },
      metadata_config: { send: false },
    }],
  });
}

/** `name{label="value",...}` with labels sorted: the identity of a series. */
function key(metric: Record<string, string>): string {
  const { __name__: name, ...labels } = metric;
  return `${name}{${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

/**
 * What legitimately differs between the two agents, found by running this test: only the values
 * of the report series scrape_duration_seconds, scrape_samples_scraped,
 * scrape_samples_post_metric_relabeling and scrape_series_added. Both agents write these five
 * series (with `up`) for the same targets and the same labels, so they stay in the series
 * comparison; their values are each agent's own measurements (time taken, samples of its own
 * scrape, series new to it), so they are left out of the value comparison, as is every value
 * that changes between two scrapes (counters, gauges such as memory).
 */

/**
 * Series whose value does not change while the test runs: build and version information, start
 * times, limits, flags and `up`. Their last values must be equal in both receivers.
 */
const CONSTANT = /_info$|^process_start_time_seconds$|^process_max_fds$|^vm_app_version$|^vm_app_start_timestamp$|^flag$|^up$/;

function lastValues(series: ExportedSeries[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of series) {
    let last = -Infinity;
    let value = NaN;
    s.timestamps.forEach((t, i) => {
      if (t >= last && Number.isFinite(s.values[i])) {
        last = t;
        value = s.values[i];
      }
    });
    out.set(key(s.metric), value);
  }
  return out;
}

describe('relabeling end to end: scrapewire and Prometheus 2.42 agent, same config, same exporters', () => {
  const dir = tempDir('relabel-vs-prom');
  const forPrometheus = new VictoriaMetrics();
  const forScrapewire = new VictoriaMetrics();
  const vmTarget = new VictoriaMetrics();
  const promTarget = new Prometheus();
  let nodeExporter: Child | undefined;
  let agent: Prometheus | undefined;
  let collector: CollectorProcess | undefined;
  let prometheusConfig = '';
  let scrapewireConfig = '';

  beforeAll(async () => {
    await Promise.all([forPrometheus.start(), forScrapewire.start(), vmTarget.start(), promTarget.start()]);
    const nodePort = await freePort();
    nodeExporter = Child.start(NODE_EXPORTER, [
      `--web.listen-address=127.0.0.1:${nodePort}`,
      '--collector.disable-defaults', '--collector.uname', '--collector.os',
    ]);
    await waitFor(`http://127.0.0.1:${nodePort}/metrics`, nodeExporter);
    const ports = { node: nodePort, vm: vmTarget.port, prom: promTarget.port };

    prometheusConfig = configFor(forPrometheus.writeUrl, ports);
    scrapewireConfig = configFor(forScrapewire.writeUrl, ports);
    writeFileSync(join(dir.path, 'prometheus.yml'), prometheusConfig);
    writeFileSync(join(dir.path, 'scrapewire.yml'), scrapewireConfig);

    agent = await new Prometheus({ agent: true, config: prometheusConfig, logLevel: 'warn' }).start();
    collector = await CollectorProcess.start({ configFile: join(dir.path, 'scrapewire.yml'), storagePath: join(dir.path, 'storage') });
  }, 120_000);

  afterAll(async () => {
    await killAllCollectors();
    await agent?.destroy();
    await nodeExporter?.stop();
    await Promise.all([forPrometheus, forScrapewire, vmTarget, promTarget].map((r) => r.destroy()));
    dir.remove();
  });

  it('the two configuration files differ only in the remote-write URL', () => {
    expect(scrapewireConfig.replace(forScrapewire.writeUrl, 'URL')).toBe(prometheusConfig.replace(forPrometheus.writeUrl, 'URL'));
  });

  it('both receivers hold the same series, and the same values for constant series', () => withCollectorOutput(() => [collector], async () => {
    const exportAll = (vm: VictoriaMetrics): Promise<ExportedSeries[]> => vm.exportSeries('{__name__=~".+"}');
    const keys = (series: ExportedSeries[]): string[] => [...new Set(series.map((s) => key(s.metric)))].sort();

    // Both agents scrape the same exporters every second; a series an exporter creates while the
    // test runs reaches both within a scrape or two, so wait for the sets to meet (at least 8
    // scrapes each) and then compare them.
    let fromPrometheus: ExportedSeries[] = [];
    let fromScrapewire: ExportedSeries[] = [];
    const started = Date.now();
    await pollUntil(async () => {
      [fromPrometheus, fromScrapewire] = await Promise.all([exportAll(forPrometheus), exportAll(forScrapewire)]);
      return Date.now() - started > 8000 && fromPrometheus.length > 0 && JSON.stringify(keys(fromPrometheus)) === JSON.stringify(keys(fromScrapewire));
    }, (same) => same, 60_000, 1000);

    const prometheusKeys = keys(fromPrometheus);
    const scrapewireKeys = keys(fromScrapewire);
    expect({
      onlyPrometheus: prometheusKeys.filter((k) => !scrapewireKeys.includes(k)),
      onlyScrapewire: scrapewireKeys.filter((k) => !prometheusKeys.includes(k)),
    }).toEqual({ onlyPrometheus: [], onlyScrapewire: [] });

    // The rules did their work: exactly the three real targets, each with its relabeled target
    // labels, external labels on everything, and the metric rules' labels on the series.
    const ups = fromScrapewire.filter((s) => s.metric.__name__ === 'up').map((s) => s.metric);
    expect(ups.map((m) => m.job).sort()).toEqual(['node', 'prom', 'vm']);
    const nodeUp = ups.find((m) => m.job === 'node')!;
    expect(nodeUp).toEqual({
      __name__: 'up',
      job: 'node',
      instance: nodeUp.instance,
      team: 'Platform',
      team_lower: 'platform',
      team_upper: 'PLATFORM.PROD-EU',
      env: 'prod-eu',
      prod_region: 'eu-Platform',
      port: nodeUp.instance.split(':')[1],
      address_hash: expect.stringMatching(/^\d{1,3}$/),
      target_zone: 'Zone-A',
      target_rack: 'r1',
      cluster: 'E2E-Cluster',
      replica: 'a',
    });
    const uname = fromScrapewire.find((s) => s.metric.__name__ === 'node_uname_info')!.metric;
    expect(uname).toMatchObject({ family: 'node', family_upper: 'NODE', series_team: 'Platform', series_env: 'prod-eu', name_shard: expect.stringMatching(/^[0-7]$/) });
    expect(uname.team_lower).toBeUndefined(); // labeldrop
    expect(uname.Tmp_marker).toBeUndefined(); // labelkeep
    expect(fromScrapewire.some((s) => s.metric.__name__.startsWith('vm_cache_'))).toBe(false); // dropequal
    expect(fromScrapewire.some((s) => s.metric.family === 'vm')).toBe(true);
    expect(fromScrapewire.some((s) => s.metric.__name__.startsWith('go_memstats_'))).toBe(false); // drop
    expect(fromScrapewire.some((s) => s.metric.process_of_node !== undefined)).toBe(true); // replace with captures

    // Constant series carry the same value in both receivers.
    const prometheusValues = lastValues(fromPrometheus);
    const scrapewireValues = lastValues(fromScrapewire);
    const constant = prometheusKeys.filter((k) => CONSTANT.test(k.slice(0, k.indexOf('{'))));
    expect(constant.length).toBeGreaterThan(10);
    const differing = constant.filter((k) => !Object.is(prometheusValues.get(k), scrapewireValues.get(k)))
      .map((k) => `${k}: prometheus ${prometheusValues.get(k)}, scrapewire ${scrapewireValues.get(k)}`);
    expect(differing).toEqual([]);

    // The report series are there, for the three targets, in both (compared with the rest above).
    for (const name of ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']) {
      expect([name, scrapewireKeys.filter((k) => k.startsWith(`${name}{`)).length]).toEqual([name, 3]);
    }
  }), 120_000);
});
