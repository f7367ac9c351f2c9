/**
 * ScrapeManager: the scrape_configs of a Config turned into running targets. One ScrapeLoop
 * holds every target of every job. Each job's targets come from its discovery providers
 * (src/discovery/: static_configs, file_sd, http_sd, kubernetes_sd, kubelet_sd), all consumed
 * the same way: a provider's changed groups are relabeled into targets (JobTargets), and the loop
 * is synced shortly after (new targets start, vanished ones get their staleness markers). Bursts
 * of discovery events are coalesced: one sync per SYNC_DELAY_MS at most.
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
 * Targets of any jobs that ask for the same request (URL, credentials, TLS, timeout, interval)
 * share one fetch per interval (ScrapeLoop); plugins read targets through the loop's `readers`.
 *
 * With `workers` = N > 1 (--scrape.workers), targets are spread by a hash of their key
 * (scrape-workers.ts workerSlotOf) over N scraping threads: the main thread's loop and N - 1
 * worker threads, each running a ScrapeLoop of its own. The main thread's loop also keeps the
 * targets that cannot leave it: in-process (`local://`) targets, whose sources are functions of
 * this thread, and the targets of jobs plugins read (`keepOnMain`), whose plugin host lives
 * here. Everything else (discovery, relabeling, the sink) stays on the main thread.
 */
import * as path from 'node:path';
import { Gauge, Registry } from 'prom-client';
import type { Config, ScrapeConfig } from '../config/types';
import { JobTargets } from '../discovery/job-targets';
import { providersOf } from '../discovery/providers';
import { SERVICE_ACCOUNT_DIR, type DiscoveryContext, type DiscoveryProvider, type LabelSet } from '../discovery/types';
import { ScrapewireError } from '../errors';
import { compareLabelNames } from '../labels';
import type { Label } from '../labels';
import { compileRelabelConfigs, type Relabeler } from '../relabel/relabeler';
import type { SampleSink } from './sample-sink';
import { silentLogger, type Logger } from '../logger';
import { ScrapeLoop, targetKey, type LoopClock, type TargetReaders } from './scrape-loop';
import type { ScrapeOutcome, TargetScraper, TargetSpec } from './target';
import { isLocalUrl } from './local-source';
import type { WireRules, WireSpec } from './workers/protocol';
import { errorToWire } from './workers/protocol';
import { ScrapeWorkers, workerSlotOf, type AssignedTarget, type TargetView } from './workers/scrape-workers';
import { gcPacingStats } from '../runtime/gc-pacing';
import { jobFingerprint } from './target-labels';
import type { LocalSources } from './local-source';

/** What a ScrapeManager runs: a configuration, a sink, and its options. */
export interface ScrapeManagerOptions {
  config: Config;
  sink: SampleSink;
  registry?: Registry;
  /** @internal The loop's clock (tests drive it by hand). Default: Date.now and setTimeout. */
  clock?: LoopClock;
  /** Passed to FileSd; false relies on refresh_interval alone. */
  watchFiles?: boolean;
  logger?: Logger;
  /** The environment Kubernetes in-cluster configuration reads. Default process.env. */
  env?: Record<string, string | undefined>;
  /**
   * Where the service-account token, CA and namespace are mounted (in-cluster configuration).
   * Default `$ROOT_PATH/var/run/secrets/kubernetes.io/serviceaccount`.
   */
  serviceAccountDir?: string;
  maxSamplesPerRequest?: number;
  /** See TargetScraperOptions.metadataIntervalMs. */
  metadataIntervalMs?: number;
  /** @internal See TargetScraperOptions.sliceMs. */
  sliceMs?: number;
  /** See TargetScraperOptions.metadataMaxPerRequest. */
  metadataMaxPerRequest?: number;
  /** Mixed into every target's phase (scrape-loop.ts scrapeOffsetSeed). Default ''. */
  offsetSeed?: string;
  /**
   * Target build problems, discovery failures (file_sd file errors, http_sd and Kubernetes API
   * errors, caps reached), target_limit breaches (each target then fails its scrapes).
   */
  onError?: (error: Error) => void;
  /** Scrape only the targets this returns true for (cluster sharding, src/cluster). Default: all. */
  ownsTarget?: (spec: TargetSpec) => boolean;
  /** Called after every scrape of every target (in a worker's: its view on the main thread). */
  onScrape?: (target: TargetView, outcome: ScrapeOutcome) => void;
  /** Readers of the targets' scrapes: the plugin host (src/plugins/plugin-host.ts). */
  readers?: TargetReaders;
  /** See FetchOptions.onBodyBytes. */
  onBodyBytes?: (bytes: number) => void;
  /** The sources of in-process targets (`local://name` URLs, local-source.ts). */
  localSources?: LocalSources;
  /** Fetches running at once across all targets (ScrapeLoopOptions.maxConcurrentFetches); 0: no limit. */
  maxConcurrentFetches?: number;
  /**
   * Threads that scrape (--scrape.workers), the main thread's loop one of them. 1 (default): the
   * main thread's loop alone, no worker. N > 1: N - 1 worker threads beside it; each of the N
   * takes 1/N of the targets (by hash) and of maxConcurrentFetches, and the main thread also
   * keeps the targets of `keepOnMain` and `local://` targets.
   */
  workers?: number;
  /** Targets that stay on the main thread's loop whatever `workers` says (the plugins' jobs). */
  keepOnMain?: (spec: TargetSpec) => boolean;
  /**
   * @internal false: N worker threads scrape and the main thread only delivers (and keeps the
   * targets that cannot leave it). Default true: the main thread is one of the N. On two cores
   * the main thread as one of two scraped as much or more, with one V8 isolate fewer (~21 MiB of
   * idle RSS): bench/RESULTS.md, scrape workers.
   */
  mainThreadScrapes?: boolean;
  /** @internal The workers' script (tests): see ScrapeWorkersOptions.script. */
  workerScript?: { filename: string; eval?: boolean };
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
  for (const field of ['send_native_histograms', 'send_exemplars'] as const) {
    if (new Set(config.remote_write.map((rw) => rw[field])).size > 1) {
      throw new ScrapewireError('ERR_CONFIG',
        `remote_write: every endpoint must have the same ${field} (scrapewire encodes each scrape once for all endpoints)`);
    }
  }
  const first = config.remote_write[0]?.write_relabel_configs ?? [];
  return {
    externalLabels,
    writeRelabeler: first.length === 0 ? undefined : compileRelabelConfigs(first, 'remote_write[0].write_relabel_configs'),
    writeRelabelKey: rules[0] ?? '[]',
  };
}

/** A target relabeling dropped, as /api/v1/targets lists it. */
export interface DroppedTarget {
  job: string;
  discoveredLabels: LabelSet;
}

/** Discovery events within this long are one sync: targets follow an event within a second. */
const SYNC_DELAY_MS = 100;

interface Job {
  config: ScrapeConfig;
  targets: JobTargets;
  providers: DiscoveryProvider[];
  specs: TargetSpec[];
}

/** A configuration's jobs as running targets: discovery, relabeling, the scrape loop, reloads. */
export class ScrapeManager {
  /** @internal The main thread's scrape loop (every target, without workers). */
  readonly loop: ScrapeLoop;
  /** @internal The scrape worker threads (workers > 1). */
  readonly workers: ScrapeWorkers | undefined;
  /** With workers: the main loop's self-metrics, labelled worker="0" (merged into /metrics by `workerMetrics`). */
  private readonly mainLoopRegistry: Registry | undefined;
  /** Whether the main thread's loop is one of the scraping threads (slot 0). */
  private readonly mainScrapes: boolean;
  /** The rules each compiled relabeler came from: what a worker compiles again. */
  private readonly rulesOf = new WeakMap<Relabeler, WireRules>();
  private jobs: Job[] = [];
  private sending: SendingLabels;
  private syncing: Promise<void> = Promise.resolve();
  private syncTimer: NodeJS.Timeout | undefined;
  private started = false;
  /**
   * False while a config's providers give their first answers: a sync then would see some jobs'
   * targets and not others', and stop (with staleness markers) targets that are only late.
   */
  private ready = false;
  private readonly context: DiscoveryContext;
  private readonly capGauge: Gauge<'job' | 'provider' | 'cap'> | undefined;

  constructor(private readonly options: ScrapeManagerOptions) {
    const workers = options.workers ?? 1;
    if (!Number.isSafeInteger(workers) || workers < 1) throw new ScrapewireError('ERR_USAGE', `workers must be a positive integer, not ${workers}`);
    this.mainScrapes = workers > 1 && options.mainThreadScrapes !== false;
    const threads = this.mainScrapes ? workers - 1 : workers;
    const maxFetches = options.maxConcurrentFetches ?? 0;
    // Each scraping thread takes its share of the cap; the main loop keeps the whole cap when it
    // holds only the few targets that cannot leave it.
    const shareOfFetches = maxFetches === 0 ? 0 : Math.max(1, Math.ceil(maxFetches / workers));
    if (workers > 1) {
      this.mainLoopRegistry = new Registry();
      this.mainLoopRegistry.setDefaultLabels({ worker: '0' });
    }
    this.loop = new ScrapeLoop({
      sink: options.sink,
      registry: this.mainLoopRegistry ?? options.registry,
      clock: options.clock,
      offsetSeed: options.offsetSeed,
      maxSamplesPerRequest: options.maxSamplesPerRequest,
      metadataIntervalMs: options.metadataIntervalMs,
      metadataMaxPerRequest: options.metadataMaxPerRequest,
      onScrape: options.onScrape,
      readers: options.readers,
      onBodyBytes: options.onBodyBytes,
      localSources: options.localSources,
      maxConcurrentFetches: this.mainScrapes ? shareOfFetches : options.maxConcurrentFetches,
      sliceMs: options.sliceMs,
    });
    const env = options.env ?? process.env;
    this.context = {
      logger: options.logger ?? silentLogger,
      env,
      serviceAccountDir: options.serviceAccountDir ?? path.join(env.ROOT_PATH ?? '/', SERVICE_ACCOUNT_DIR),
      onError: (provider, error) => this.options.onError?.(error instanceof ScrapewireError && error.message.includes(provider) ? error
        : new ScrapewireError(error instanceof ScrapewireError ? error.code : 'ERR_CONFIG', `${provider}: ${error.message}`, { cause: error })),
    };
    this.capGauge = options.registry === undefined ? undefined : discoveryCapGauge(options.registry);
    this.sending = this.sendingLabels(options.config);
    this.jobs = this.buildJobs(options.config);
    this.workers = workers <= 1 || threads < 1 ? undefined : new ScrapeWorkers({
      count: threads,
      sink: options.sink,
      registry: options.registry,
      logger: options.logger,
      onScrape: options.onScrape,
      onError: options.onError,
      script: options.workerScript,
      setup: {
        offsetSeed: options.offsetSeed,
        maxSamplesPerRequest: options.maxSamplesPerRequest,
        metadataIntervalMs: options.metadataIntervalMs,
        metadataMaxPerRequest: options.metadataMaxPerRequest,
        maxConcurrentFetches: shareOfFetches,
        sliceMs: options.sliceMs,
        gcPaceBytes: options.onBodyBytes === undefined ? 0 : gcPacingStats().everyBytes,
      },
    });
  }

  /** sendingLabelsOf, remembering the write rules' source for the workers. */
  private sendingLabels(config: Config): SendingLabels {
    const sending = sendingLabelsOf(config);
    if (sending.writeRelabeler !== undefined) {
      this.rulesOf.set(sending.writeRelabeler, { rules: config.remote_write[0].write_relabel_configs, where: 'remote_write[0].write_relabel_configs' });
    }
    return sending;
  }

  /**
   * Self-metrics of every scrape thread, labelled `worker` (0: the main thread's loop), as
   * prom-client's getMetricsAsJSON gives them; empty without workers (the loop's metrics are
   * then in the registry itself, unlabelled).
   */
  async workerMetrics(): Promise<unknown[][]> {
    if (this.workers === undefined || this.mainLoopRegistry === undefined) return [];
    return [await this.mainLoopRegistry.getMetricsAsJSON(), ...await this.workers.metrics()];
  }

  /** Jobs of a config (relabel rules compiled once, providers created); throws ERR_CONFIG for a bad rule. */
  private buildJobs(config: Config): Job[] {
    return config.scrape_configs
      .map((job, index) => {
        const metricRelabelWhere = `scrape_configs[${index}].metric_relabel_configs`;
        const metricRelabel = job.metric_relabel_configs.length === 0 ? undefined : compileRelabelConfigs(job.metric_relabel_configs, metricRelabelWhere);
        if (metricRelabel !== undefined) this.rulesOf.set(metricRelabel, { rules: job.metric_relabel_configs, where: metricRelabelWhere });
        const targets = new JobTargets({
          config: job,
          relabelers: {
            relabel: compileRelabelConfigs(job.relabel_configs, `scrape_configs[${index}].relabel_configs`),
            metricRelabel,
            fingerprint: jobFingerprint(job),
          },
          onError: (error) => this.options.onError?.(error),
          onCapDrop: (provider, cap, dropped) => this.capGauge?.set({ job: job.job_name, provider, cap }, dropped),
        });
        const providers = providersOf(job, `scrape_configs[${index}]`, { context: this.context, watchFiles: this.options.watchFiles });
        return { config: job, targets, providers, specs: [] };
      });
  }

  /**
   * A reload: the new config's jobs replace the old ones. Targets whose URL, labels and job
   * settings did not change keep running untouched (schedule and series cache); changed ones are
   * swapped without a gap; vanished ones get their staleness markers.
   */
  async update(config: Config): Promise<void> {
    const jobs = this.buildJobs(config);
    const old = this.jobs;
    this.ready = false;
    if (this.syncTimer !== undefined) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.jobs = jobs;
    this.sending = this.sendingLabels(config);
    await Promise.all(old.flatMap((job) => job.providers.map((provider) => provider.stop())));
    if (this.started) await this.startJobs();
  }

  /** Starts every provider, waits for their first answer (or failure), and starts scraping. */
  async start(): Promise<void> {
    this.started = true;
    await this.startJobs();
  }

  private async startJobs(): Promise<void> {
    const jobs = this.jobs;
    await Promise.all(jobs.flatMap((job) => job.providers.map((provider) => {
      const index = job.targets.addProvider(provider.name);
      return provider.start((groups) => {
        if (this.jobs !== jobs) return;
        job.targets.update(index, groups);
        this.scheduleSync();
      }).catch((err: unknown) => this.options.onError?.(err instanceof Error ? err : new Error(String(err))));
    })));
    if (this.jobs !== jobs) return;
    this.ready = true;
    await this.sync();
  }

  /** The targets running on the main thread's loop (every target without workers). */
  targets(): TargetScraper[] {
    return this.loop.targets();
  }

  /** Every running target (for /targets): the main loop's, then the workers' views of theirs. */
  targetViews(): TargetView[] {
    const main: TargetView[] = this.loop.targets();
    return this.workers === undefined ? main : [...main, ...this.workers.targets()];
  }

  /** A running target's labels before relabeling (for /api/v1/targets). */
  discoveredLabels(target: TargetView): LabelSet | undefined {
    const key = targetKey(target.spec);
    for (const job of this.jobs) {
      if (job.config.job_name !== target.spec.job) continue;
      const labels = job.targets.discoveredLabels(key);
      if (labels !== undefined) return labels;
    }
    return undefined;
  }

  /** Targets relabeling dropped, per job at most its keep_dropped_targets, and how many per job in all. */
  droppedTargets(): { targets: DroppedTarget[]; counts: Record<string, number> } {
    const targets: DroppedTarget[] = [];
    const counts: Record<string, number> = {};
    for (const job of this.jobs) {
      const { kept, total } = job.targets.dropped();
      counts[job.config.job_name] = total;
      for (const discoveredLabels of kept) targets.push({ job: job.config.job_name, discoveredLabels });
    }
    return { targets, counts };
  }

  /** Stops discovery and every target; each series scraped gets its staleness marker. */
  async stop(): Promise<void> {
    const jobs = this.jobs;
    this.jobs = [];
    this.ready = false;
    if (this.syncTimer !== undefined) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    await Promise.all(jobs.flatMap((job) => job.providers.map((provider) => provider.stop())));
    await this.syncing;
    await Promise.all([this.loop.stop(), this.workers?.stop()]);
  }

  private scheduleSync(): void {
    if (this.syncTimer !== undefined || !this.ready) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      void this.sync();
    }, SYNC_DELAY_MS);
    this.syncTimer.unref();
  }

  private rebuild(job: Job): void {
    const specs = job.targets.targets().map((target) => target.spec);
    const limit = job.config.target_limit;
    // As Prometheus: a job over its target_limit keeps its targets, and every scrape of each fails
    // with the error (up 0, staleness markers) until the number of targets is back under it.
    let forcedError: ScrapewireError | undefined;
    if (limit > 0 && specs.length > limit) {
      forcedError = new ScrapewireError('ERR_TARGET_LIMIT',
        `job ${JSON.stringify(job.config.job_name)}: target_limit exceeded (number of targets: ${specs.length}, limit: ${limit})`);
      this.options.onError?.(forcedError);
    }
    const owns = this.options.ownsTarget;
    const { externalLabels, writeRelabeler, writeRelabelKey } = this.sending;
    const decorated = externalLabels.length === 0 && writeRelabeler === undefined && forcedError === undefined ? specs
      : specs.map((spec) => ({
        ...spec,
        externalLabels,
        writeRelabeler,
        forcedError,
        // A change of the forced error (or its end) replaces the scraper, like any setting.
        fingerprint: `${spec.fingerprint}/${JSON.stringify(externalLabels)}/${writeRelabelKey}/${forcedError?.message ?? ''}`,
      }));
    job.specs = owns === undefined ? decorated : decorated.filter(owns);
  }

  /** Each target to its thread: the main loop for those that cannot leave it, else its worker by hash. */
  private async syncAcrossWorkers(workers: ScrapeWorkers, specs: readonly TargetSpec[]): Promise<ScrapewireError[]> {
    const main: TargetSpec[] = [];
    const assigned: AssignedTarget[][] = Array.from({ length: workers.count }, () => []);
    const keepOnMain = this.options.keepOnMain;
    const slots = workers.count + (this.mainScrapes ? 1 : 0);
    for (const spec of specs) {
      if (isLocalUrl(spec.http.url) || keepOnMain?.(spec) === true) {
        main.push(spec);
        continue;
      }
      const key = targetKey(spec);
      const slot = workerSlotOf(key, slots);
      if (this.mainScrapes && slot === 0) main.push(spec);
      else assigned[this.mainScrapes ? slot - 1 : slot].push({ spec, wire: this.wireSpec(spec, key) });
    }
    const [mainErrors, workerErrors] = await Promise.all([this.loop.sync(main), workers.sync(assigned)]);
    return [...mainErrors, ...workerErrors];
  }

  private wireSpec(spec: TargetSpec, key: string): WireSpec {
    const { metricRelabeler, writeRelabeler, forcedError, ...rest } = spec;
    const rules = (relabeler: Relabeler | undefined): WireRules | undefined => {
      if (relabeler === undefined) return undefined;
      const source = this.rulesOf.get(relabeler);
      if (source === undefined) throw new ScrapewireError('ERR_CONFIG', `job ${JSON.stringify(spec.job)}: a relabeler whose rules are unknown cannot be sent to a scrape worker`, { target: spec.http.url });
      return source;
    };
    return {
      ...rest,
      key,
      metricRelabelRules: rules(metricRelabeler),
      writeRelabelRules: rules(writeRelabeler),
      forcedError: forcedError === undefined ? undefined : errorToWire(forcedError),
    };
  }

  /** Syncs the loop with every job's targets; calls are serialized. */
  private sync(): Promise<void> {
    this.syncing = this.syncing
      .then(() => {
        for (const job of this.jobs) this.rebuild(job);
        const specs = this.jobs.flatMap((job) => job.specs);
        if (this.workers === undefined) return this.loop.sync(specs);
        return this.syncAcrossWorkers(this.workers, specs);
      })
      .then((errors) => { for (const error of errors) this.options.onError?.(error); })
      .catch((err: unknown) => this.options.onError?.(err instanceof Error ? err : new Error(String(err))));
    return this.syncing;
  }
}

/** Targets the discovery caps keep out now; shared by every manager of a registry. */
function discoveryCapGauge(registry: Registry): Gauge<'job' | 'provider' | 'cap'> {
  const name = 'scrapewire_discovery_targets_over_cap';
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Gauge<'job' | 'provider' | 'cap'>;
  return new Gauge({
    name,
    help: 'Discovered targets dropped before relabeling because a cap (max_targets_per_pod, max_targets_per_discovery) was reached.',
    labelNames: ['job', 'provider', 'cap'],
    registers: [registry],
  });
}
