/**
 * ScrapeManager: the scrape_configs of a Config turned into running targets. One ScrapeLoop
 * holds every target of every job; each job's target list is rebuilt from its static_configs
 * and its file_sd groups whenever a target file changes, and the loop is synced (new targets
 * start, vanished ones get their staleness markers).
 *
 * ```ts
 * const writer = new RemoteWriter({ endpoints: config.remote_write, registry });
 * const manager = new ScrapeManager({ config, sink: writer, registry });
 * await manager.start();
 * ...
 * await manager.stop();           // staleness markers for every series, then
 * await writer.close(deadlineMs); // flush them
 * ```
 *
 * Jobs with `source:` read a shared scrape: the SourceRunner (src/sources/) delivers the source
 * under the job's name and rules; they are not scraped here.
 */
import type { Registry } from 'prom-client';
import type { Config, ScrapeConfig, StaticConfig } from '../config/types';
import { FileSd } from '../discovery/file-sd';
import { ScrapewireError } from '../core/errors';
import { compareLabelNames } from '../core/labels';
import type { Label } from '../core/types';
import { compileRelabelConfigs, type Relabeler } from '../relabel/relabeler';
import type { SampleSink } from './sample-sink';
import { ScrapeLoop, type LoopClock } from './scrape-loop';
import type { ScrapeOutcome, TargetScraper, TargetSpec } from './target';
import { buildTargets, type TargetRelabelers } from './target-labels';

export interface ScrapeManagerOptions {
  config: Config;
  sink: SampleSink;
  registry?: Registry;
  clock?: LoopClock;
  /** Passed to FileSd; false relies on refresh_interval alone. */
  watchFiles?: boolean;
  maxSamplesPerRequest?: number;
  /** See TargetScraperOptions.metadataIntervalMs. */
  metadataIntervalMs?: number;
  offsetSeed?: string;
  /** Target build problems, file_sd file errors, target_limit breaches (each target then fails its scrapes). */
  onError?: (error: Error) => void;
  /** Scrape only the targets this returns true for (cluster sharding, src/cluster). Default: all. */
  ownsTarget?: (spec: TargetSpec) => boolean;
  onScrape?: (target: TargetScraper, outcome: ScrapeOutcome) => void;
}

export interface SendingLabels {
  externalLabels: Label[];
  writeRelabeler?: Relabeler;
  writeRelabelKey: string;
}

/**
 * What happens to series on their way out: external labels, then write_relabel_configs. Requests
 * are encoded once for every endpoint, so the endpoints must share one set of write rules.
 */
export function sendingLabelsOf(config: Config): SendingLabels {
  const externalLabels: Label[] = Object.entries(config.global.external_labels)
    .filter(([, value]) => value !== '')
    .sort((a, b) => compareLabelNames(a[0], b[0]));
  const rules = config.remote_write.map((rw) => JSON.stringify(rw.write_relabel_configs));
  if (new Set(rules).size > 1) {
    throw new ScrapewireError('ERR_CONFIG',
      'remote_write: every endpoint must have the same write_relabel_configs (scrapewire encodes each scrape once for all endpoints)');
  }
  const first = config.remote_write[0]?.write_relabel_configs ?? [];
  return {
    externalLabels,
    writeRelabeler: first.length === 0 ? undefined : compileRelabelConfigs(first, 'remote_write[0].write_relabel_configs'),
    writeRelabelKey: rules[0] ?? '[]',
  };
}

interface Job {
  config: ScrapeConfig;
  relabelers: TargetRelabelers;
  fileSds: FileSd[];
  specs: TargetSpec[];
}

export class ScrapeManager {
  readonly loop: ScrapeLoop;
  private jobs: Job[];
  private sending: SendingLabels;
  private syncing: Promise<void> = Promise.resolve();
  private started = false;

  constructor(private readonly options: ScrapeManagerOptions) {
    this.loop = new ScrapeLoop({
      sink: options.sink,
      registry: options.registry,
      clock: options.clock,
      offsetSeed: options.offsetSeed,
      maxSamplesPerRequest: options.maxSamplesPerRequest,
      metadataIntervalMs: options.metadataIntervalMs,
      onScrape: options.onScrape,
    });
    this.jobs = this.buildJobs(options.config);
    this.sending = sendingLabelsOf(options.config);
  }

  /** Jobs of a config (relabel rules compiled once); throws ERR_CONFIG for a bad rule. */
  private buildJobs(config: Config): Job[] {
    return config.scrape_configs
      .filter((job) => job.source === undefined)
      .map((job, index) => ({
        config: job,
        relabelers: {
          relabel: compileRelabelConfigs(job.relabel_configs, `scrape_configs[${index}].relabel_configs`),
          metricRelabel: job.metric_relabel_configs.length === 0 ? undefined
            : compileRelabelConfigs(job.metric_relabel_configs, `scrape_configs[${index}].metric_relabel_configs`),
        },
        fileSds: job.file_sd_configs.map((sd) => new FileSd(sd, { watch: this.options.watchFiles })),
        specs: [],
      }));
  }

  /**
   * A reload: the new config's jobs replace the old ones. Targets whose URL, labels and job
   * settings did not change keep running untouched (schedule and series cache); changed ones are
   * swapped without a gap; vanished ones get their staleness markers.
   */
  async update(config: Config): Promise<void> {
    const jobs = this.buildJobs(config);
    const old = this.jobs;
    this.jobs = jobs;
    this.sending = sendingLabelsOf(config);
    for (const job of old) for (const sd of job.fileSds) sd.stop();
    if (this.started) await this.startJobs();
  }

  /** Builds the static targets, reads the target files once, and starts scraping. */
  async start(): Promise<void> {
    this.started = true;
    await this.startJobs();
  }

  private async startJobs(): Promise<void> {
    const jobs = this.jobs;
    for (const job of jobs) {
      this.rebuild(job);
      for (const sd of job.fileSds) {
        sd.on('update', () => {
          if (this.jobs !== jobs) return;
          this.rebuild(job);
          void this.sync();
        });
        sd.on('fileError', (error: Error) => this.options.onError?.(error));
      }
    }
    await Promise.all(jobs.flatMap((job) => job.fileSds.map((sd) => sd.start())));
    for (const job of jobs) this.rebuild(job);
    await this.sync();
  }

  /** Every running target (for /targets). */
  targets(): TargetScraper[] {
    return this.loop.targets();
  }

  /** Stops discovery and every target; each series scraped gets its staleness marker. */
  async stop(): Promise<void> {
    for (const job of this.jobs) for (const sd of job.fileSds) sd.stop();
    await this.syncing;
    await this.loop.stop();
  }

  private rebuild(job: Job): void {
    const groups: StaticConfig[] = [...job.config.static_configs, ...job.fileSds.flatMap((sd) => sd.groups)];
    const built = buildTargets(job.config, groups, job.relabelers);
    for (const error of built.errors) this.options.onError?.(error);
    const limit = job.config.target_limit;
    // As Prometheus: a job over its target_limit keeps its targets, and every scrape of each fails
    // with the error (up 0, staleness markers) until the number of targets is back under it.
    let forcedError: ScrapewireError | undefined;
    if (limit > 0 && built.specs.length > limit) {
      forcedError = new ScrapewireError('ERR_TARGET_LIMIT',
        `job ${JSON.stringify(job.config.job_name)}: target_limit exceeded (number of targets: ${built.specs.length}, limit: ${limit})`);
      this.options.onError?.(forcedError);
    }
    const owns = this.options.ownsTarget;
    const { externalLabels, writeRelabeler, writeRelabelKey } = this.sending;
    const specs = externalLabels.length === 0 && writeRelabeler === undefined && forcedError === undefined ? built.specs
      : built.specs.map((spec) => ({
        ...spec,
        externalLabels,
        writeRelabeler,
        forcedError,
        // A change of the forced error (or its end) replaces the scraper, like any setting.
        fingerprint: `${spec.fingerprint}/${JSON.stringify(externalLabels)}/${writeRelabelKey}/${forcedError?.message ?? ''}`,
      }));
    job.specs = owns === undefined ? specs : specs.filter(owns);
  }

  /** Syncs the loop with every job's targets; calls are serialized. */
  private sync(): Promise<void> {
    this.syncing = this.syncing
      .then(() => this.loop.sync(this.jobs.flatMap((job) => job.specs)))
      .then((errors) => { for (const error of errors) this.options.onError?.(error); })
      .catch((err: unknown) => this.options.onError?.(err instanceof Error ? err : new Error(String(err))));
    return this.syncing;
  }
}
