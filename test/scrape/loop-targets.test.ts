/**
 * Targets from scrape_configs (static_configs and file_sd, relabel_configs over __address__,
 * __scheme__, __metrics_path__, __param_*, __scrape_interval__/__scrape_timeout__), and the
 * ScrapeManager that runs them end to end against a loopback server.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../../src/config/load';
import { compileRelabelConfigs } from '../../src/relabel/relabeler';
import { ScrapeManager } from '../../src/scrape/scrape-manager';
import { buildTargets } from '../../src/scrape/target-labels';
import { startHttpServer } from './support/loopback-server';
import { DecodingSink } from './support/decoding-sink';

function job(yaml: string) {
  const config = parseConfig(`scrape_configs:\n${yaml}`, 'test.yml');
  const scrape = config.scrape_configs[0];
  const built = buildTargets(scrape, scrape.static_configs, { relabel: compileRelabelConfigs(scrape.relabel_configs) });
  return { config, built };
}

describe('targets from scrape_configs', () => {
  test('defaults: URL from scheme, address and metrics_path; instance = address; job label; no __ labels', () => {
    const { built } = job(`
  - job_name: node
    scrape_interval: 15s
    params: { module: [if_mib, extra] }
    static_configs:
      - targets: ['10.0.0.1:9100', '10.0.0.2:9100']
        labels: { zone: a }
`);
    expect(built.errors).toEqual([]);
    expect(built.specs.map((s) => s.http.url)).toEqual([
      'http://10.0.0.1:9100/metrics?module=if_mib&module=extra',
      'http://10.0.0.2:9100/metrics?module=if_mib&module=extra',
    ]);
    expect(built.specs[0].labels).toEqual([['instance', '10.0.0.1:9100'], ['job', 'node'], ['zone', 'a']]);
    expect(built.specs[0].intervalMs).toBe(15_000);
    expect(built.specs[0].http.scrapeTimeoutMs).toBe(10_000);
  });

  test('relabel_configs rewrite address, scheme, path, params, interval; drop targets; keep instance', () => {
    const { built } = job(`
  - job_name: blackbox
    scrape_interval: 30s
    scrape_timeout: 5s
    metrics_path: /probe
    params: { module: [http_2xx] }
    static_configs:
      - targets: ['example.org', 'drop.me']
    relabel_configs:
      - source_labels: [__address__]
        regex: 'drop\\.me'
        action: drop
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:9115
      - target_label: __scheme__
        replacement: https
      - target_label: __scrape_interval__
        replacement: 10s
      - target_label: __param_module
        replacement: tcp
`);
    expect(built.errors).toEqual([]);
    expect(built.dropped).toBe(1);
    expect(built.specs).toHaveLength(1);
    const [spec] = built.specs;
    expect(spec.http.url).toBe('https://127.0.0.1:9115/probe?module=tcp&target=example.org');
    expect(spec.labels).toEqual([['instance', 'example.org'], ['job', 'blackbox']]);
    expect(spec.intervalMs).toBe(10_000);
    expect(spec.http.scrapeTimeoutMs).toBe(5_000);
  });

  test('a target without address, or with a timeout over its interval, is an error naming job and target', () => {
    const { built } = job(`
  - job_name: broken
    scrape_interval: 10s
    static_configs:
      - targets: ['a:1', 'b:2']
    relabel_configs:
      - source_labels: [__address__]
        regex: 'a:1'
        target_label: __address__
        replacement: ''
      - source_labels: [__address__]
        regex: 'b:2'
        target_label: __scrape_timeout__
        replacement: 20s
`);
    expect(built.specs).toHaveLength(0);
    expect(built.errors.map((e) => e.message)).toEqual([
      'a:1: job "broken": no address',
      'b:2: job "broken": scrape timeout cannot be greater than scrape interval ("20s" > "10s")',
    ]);
  });
});

describe('ScrapeManager', () => {
  test('scrapes static and file_sd targets with their labels, follows the files, marks removed targets stale', async () => {
    const server = await startHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`hits{path="${req.url}"} 1\n`);
    });
    const host = new URL(server.origin).host;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scrapewire-sd-'));
    const writeTargets = (groups: unknown) => {
      fs.writeFileSync(path.join(dir, 'tmp.json.part'), JSON.stringify(groups));
      fs.renameSync(path.join(dir, 'tmp.json.part'), path.join(dir, 'targets.json'));
    };
    writeTargets([{ targets: [host], labels: { team: 'blue' } }]);
    const config = parseConfig(`
scrape_configs:
  - job_name: static
    scrape_interval: 1s
    metrics_path: /static
    static_configs: [{ targets: ['${host}'] }]
  - job_name: files
    scrape_interval: 1s
    metrics_path: /files
    file_sd_configs: [{ files: ['${dir}/*.json'], refresh_interval: 1s }]
`, path.join(dir, 'config.yml'));
    const sink = new DecodingSink();
    const errors: Error[] = [];
    const manager = new ScrapeManager({ config, sink, watchFiles: false, onError: (e) => errors.push(e) });
    try {
      await manager.start();
      expect(manager.targets()).toHaveLength(2);
      const waitFor = async (check: () => boolean) => {
        for (let i = 0; i < 60 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
        return check();
      };
      expect(await waitFor(() => sink.of('hits').length >= 2)).toBe(true);
      const byJob = Object.fromEntries(sink.of('hits').map((s) => [s.labels.job, s.labels]));
      expect(byJob.static).toEqual({ __name__: 'hits', path: '/static', job: 'static', instance: host });
      expect(byJob.files).toEqual({ __name__: 'hits', path: '/files', job: 'files', instance: host, team: 'blue' });

      // The file loses its target: the files job's series get staleness markers.
      writeTargets([]);
      expect(await waitFor(() => manager.targets().length === 1)).toBe(true);
      expect(await waitFor(() => sink.stale().some((s) => s.labels.job === 'files' && s.labels.__name__ === 'hits'))).toBe(true);
      expect(sink.stale().filter((s) => s.labels.job === 'static')).toHaveLength(0);
    } finally {
      await manager.stop();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(errors).toEqual([]);
    expect(sink.stale().filter((s) => s.labels.job === 'static' && s.labels.__name__ === 'up')).toHaveLength(1);
  });

  test('a job over target_limit keeps its targets, each failing with up 0 and the error, until it is back under', async () => {
    const server = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hits 1\n');
    });
    const host = new URL(server.origin).host;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scrapewire-limit-'));
    const writeTargets = (targets: string[]) => {
      fs.writeFileSync(path.join(dir, 'tmp.json.part'), JSON.stringify([{ targets }]));
      fs.renameSync(path.join(dir, 'tmp.json.part'), path.join(dir, 'targets.json'));
    };
    // Two targets over a limit of 1, next to a job without a limit.
    writeTargets([host, '127.0.0.1:1']); // the second is never contacted: the job is over its limit
    const config = parseConfig(`
scrape_configs:
  - job_name: limited
    scrape_interval: 1s
    target_limit: 1
    file_sd_configs: [{ files: ['${dir}/*.json'], refresh_interval: 1s }]
  - job_name: free
    scrape_interval: 1s
    static_configs: [{ targets: ['${host}'] }]
`, path.join(dir, 'config.yml'));
    const sink = new DecodingSink();
    const errors: Error[] = [];
    const manager = new ScrapeManager({ config, sink, watchFiles: false, onError: (e) => errors.push(e) });
    const waitFor = async (check: () => boolean) => {
      for (let i = 0; i < 80 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      return check();
    };
    try {
      await manager.start();
      expect(manager.targets().filter((t) => t.spec.job === 'limited')).toHaveLength(2);
      const ups = (job: string, value: number) => sink.of('up').filter((s) => s.labels.job === job && s.value === value);
      expect(await waitFor(() => ups('limited', 0).length >= 2 && ups('free', 1).length >= 1)).toBe(true);
      expect(sink.of('hits').filter((s) => s.labels.job === 'limited')).toHaveLength(0);
      expect(errors.map((e) => e.message)).toContain('job "limited": target_limit exceeded (number of targets: 2, limit: 1)');
      const limited = manager.targets().filter((t) => t.spec.job === 'limited');
      expect(limited.every((t) => t.health === 'down' && t.lastError?.code === 'ERR_TARGET_LIMIT')).toBe(true);

      // Back under the limit: the remaining target is scraped again.
      writeTargets([host]);
      expect(await waitFor(() => sink.of('hits').some((s) => s.labels.job === 'limited'))).toBe(true);
    } finally {
      await manager.stop();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
