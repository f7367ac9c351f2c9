/**
 * Prometheus-format configuration files for the collector under test, written as YAML from
 * plain objects. The defaults suit a loopback run: 1 s scrapes and a remote-write queue that
 * retries every 100 ms to 1 s, so a receiver that comes back is noticed within a second.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface JobOptions {
  name: string;
  /** `host:port` targets of one static group. */
  targets?: string[];
  metricsPath?: string;
  /** Several static groups (each with its own labels) instead of `targets`. */
  groups?: Array<{ targets: string[]; labels?: Record<string, string> }>;
  metricRelabel?: Array<Record<string, unknown>>;
  /** Anything else of the scrape_config (authorization, params, ...). */
  extra?: Record<string, unknown>;
}

export interface ConfigOptions {
  jobs: JobOptions[];
  remoteWriteUrl: string;
  externalLabels?: Record<string, string>;
}

export function scrapeConfig(job: JobOptions): Record<string, unknown> {
  return {
    job_name: job.name,
    scrape_interval: '1s',
    scrape_timeout: '1s',
    ...(job.metricsPath === undefined ? {} : { metrics_path: job.metricsPath }),
    static_configs: job.groups ?? [{ targets: job.targets ?? [] }],
    ...(job.metricRelabel === undefined ? {} : { metric_relabel_configs: job.metricRelabel }),
    ...job.extra,
  };
}

export function configText(options: ConfigOptions): string {
  return stringify({
    global: {
      scrape_interval: '1s',
      scrape_timeout: '1s',
      ...(options.externalLabels === undefined ? {} : { external_labels: options.externalLabels }),
    },
    scrape_configs: options.jobs.map(scrapeConfig),
    remote_write: [{
      url: options.remoteWriteUrl,
      name: 'e2e',
      queue_config: { min_backoff: '100ms', max_backoff: '1s' },
    }],
  });
}

/** Writes (or rewrites) the configuration file at `file`. */
export function writeConfig(file: string, options: ConfigOptions): void {
  writeFileSync(file, configText(options));
}

/** A fresh temporary directory for one test file; remove() deletes it. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `sw-e2e-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
