/**
 * Relabel rules read from a configuration FILE by the loader, then compiled and run the way the
 * scrape manager does (compileRelabelConfigs over the loaded rules): what the loader fills in
 * (defaults, absent source_labels) must be what the compiler accepts and runs as Prometheus
 * would. Issue 15: every labeldrop/labelkeep rule used to stop `run` because the loader filled
 * in `source_labels: []`, which the compiler refuses for those actions.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load';
import type { Label } from '../../src/labels';
import { compileRelabelConfigs } from '../../src/relabel';
import { tempDir } from '../e2e/support/config';

const dir = tempDir('relabel-file');
afterAll(() => dir.remove());

const sorted = (map: Record<string, string>): Label[] =>
  Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

const CONFIG = `
scrape_configs:
  - job_name: node
    static_configs: [{targets: ['127.0.0.1:9100']}]
    relabel_configs:
      - source_labels: [__address__]
        regex: '(.*):(\\d+)'
        target_label: port
        replacement: '\${2}'
      - regex: '__meta_pod_label_(.+)'
        action: labelmap
      - regex: '__meta_.*'
        action: labeldrop
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: 'go_(gc|memstats)_.*'
        action: drop
      - regex: 'tmp_.*|id'
        action: LabelDrop
      - regex: '__name__|instance|job|device|mode'
        action: labelkeep
      - source_labels: [device]
        target_label: device
        action: uppercase
remote_write:
  - url: http://127.0.0.1:9/api/v1/write
    write_relabel_configs:
      - regex: mode
        action: labeldrop
`;

describe('relabel rules loaded from a file', () => {
  let file: string;
  beforeAll(() => {
    file = join(dir.path, 'prometheus.yml');
    writeFileSync(file, CONFIG);
  });

  test('labeldrop and labelkeep come out without source_labels, and compile', async () => {
    const config = await loadConfigFile(file);
    const [job] = config.scrape_configs;
    const actions = [...job.relabel_configs, ...job.metric_relabel_configs, ...config.remote_write[0].write_relabel_configs]
      .filter((rule) => rule.action === 'labeldrop' || rule.action === 'labelkeep');
    expect(actions).toHaveLength(4);
    for (const rule of actions) expect(rule.source_labels).toBeUndefined();
    expect(() => compileRelabelConfigs(job.relabel_configs, 'scrape_configs[0].relabel_configs')).not.toThrow();
  });

  test('the loaded rules run as Prometheus runs them', async () => {
    const config = await loadConfigFile(file);
    const [job] = config.scrape_configs;
    const targetRules = compileRelabelConfigs(job.relabel_configs, 'scrape_configs[0].relabel_configs');
    const metricRules = compileRelabelConfigs(job.metric_relabel_configs, 'scrape_configs[0].metric_relabel_configs');
    const writeRules = compileRelabelConfigs(config.remote_write[0].write_relabel_configs, 'remote_write[0].write_relabel_configs');

    expect(targetRules.process(sorted({ __address__: '127.0.0.1:9100', __meta_pod_label_app: 'api', __meta_pod_name: 'p' })))
      .toEqual(sorted({ __address__: '127.0.0.1:9100', app: 'api', port: '9100' }));

    const series = sorted({ __name__: 'node_cpu_seconds_total', instance: 'i', job: 'node', mode: 'idle', cpu: '0', tmp_x: 'y', id: '7', device: 'sda' });
    const relabeled = metricRules.process(series);
    expect(relabeled).toEqual(sorted({ __name__: 'node_cpu_seconds_total', instance: 'i', job: 'node', mode: 'idle', device: 'SDA' }));
    expect(writeRules.process(relabeled!)).toEqual(sorted({ __name__: 'node_cpu_seconds_total', instance: 'i', job: 'node', device: 'SDA' }));
    expect(metricRules.process(sorted({ __name__: 'go_gc_duration_seconds', job: 'node' }))).toBeNull();
    expect(metricRules.process(sorted({ __name__: 'go_goroutines', job: 'node' }))).toEqual(sorted({ __name__: 'go_goroutines', job: 'node' }));
  });
});
