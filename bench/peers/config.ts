/**
 * The one Prometheus-format configuration every agent of the whole-process comparison gets:
 * a job with static targets on the loopback target server, scrape_interval, scrape_timeout and a
 * remote_write URL. vmagent reads the same file (it takes the remote-write URL from its flag and
 * is told to skip the remote_write section with -promscrape.config.strictParse=false).
 *
 * - honor_timestamps is false: the cadvisor-like pages carry fixed 2023 timestamps; with it
 *   false every agent stamps samples with its own scrape time, so the receiver's counts over the
 *   run window are comparable and no agent drops samples as too old or out of order.
 * - More than one target: one target group per path, each setting __metrics_path__ and an
 *   `instance` label naming the path (the targets share one address, so without it their series
 *   would collide).
 */

export interface PeerConfigOptions {
  jobName?: string;
  /** host:port of the target server. */
  address: string;
  /** One path per target, e.g. /t/0/metrics. */
  paths: readonly string[];
  intervalSeconds: number;
  timeoutSeconds: number;
  remoteWriteUrl: string;
  /** Labels added to every series by the agent (global.external_labels). */
  externalLabels?: Record<string, string>;
  /** More settings of the job, e.g. scrapewire's `scrape_native_histograms: true` (values written as JSON). */
  jobSettings?: Record<string, unknown>;
  /** More settings of the remote_write entry, e.g. `send_native_histograms: true`. */
  remoteWriteSettings?: Record<string, unknown>;
}

export const PEER_JOB = 'peers';

function quote(text: string): string {
  return JSON.stringify(text);
}

function seconds(value: number): string {
  if (!(value > 0)) throw new Error(`a duration must be positive, not ${value}`);
  return Number.isInteger(value) ? `${value}s` : `${Math.round(value * 1000)}ms`;
}

/** The YAML text of the configuration. */
export function peerConfigYaml(options: PeerConfigOptions): string {
  if (options.paths.length === 0) throw new Error('at least one target path is needed');
  if (options.timeoutSeconds > options.intervalSeconds) throw new Error('scrape_timeout cannot exceed scrape_interval');
  const lines: string[] = [];
  lines.push('global:');
  lines.push(`  scrape_interval: ${seconds(options.intervalSeconds)}`);
  lines.push(`  scrape_timeout: ${seconds(options.timeoutSeconds)}`);
  const external = Object.entries(options.externalLabels ?? {});
  if (external.length > 0) {
    lines.push('  external_labels:');
    for (const [name, value] of external) lines.push(`    ${name}: ${quote(value)}`);
  }
  lines.push('scrape_configs:');
  lines.push(`  - job_name: ${quote(options.jobName ?? PEER_JOB)}`);
  lines.push(`    scrape_interval: ${seconds(options.intervalSeconds)}`);
  lines.push(`    scrape_timeout: ${seconds(options.timeoutSeconds)}`);
  lines.push('    honor_timestamps: false');
  for (const [name, value] of Object.entries(options.jobSettings ?? {})) lines.push(`    ${name}: ${JSON.stringify(value)}`);
  if (options.paths.length === 1) {
    lines.push(`    metrics_path: ${quote(options.paths[0])}`);
    lines.push('    static_configs:');
    lines.push(`      - targets: [${quote(options.address)}]`);
  } else {
    lines.push('    static_configs:');
    for (const p of options.paths) {
      lines.push(`      - targets: [${quote(options.address)}]`);
      lines.push(`        labels: {__metrics_path__: ${quote(p)}, instance: ${quote(options.address + p.replace(/\/metrics$/, ''))}}`);
    }
  }
  lines.push('remote_write:');
  lines.push(`  - url: ${quote(options.remoteWriteUrl)}`);
  for (const [name, value] of Object.entries(options.remoteWriteSettings ?? {})) lines.push(`    ${name}: ${JSON.stringify(value)}`);
  return lines.join('\n') + '\n';
}
