/**
 * SourceRunner: the shared sources of a node (kubelet, cAdvisor, kube-state-metrics, static
 * endpoints) and the plugins that read them.
 *
 * - Each source is fetched once per interval through the ScrapeCache (single-flight, keyed by the
 *   source's name and the interval's start); its samples go to the sink as job=<source name>,
 *   instance=<host:port>, with up and the scrape_* report series, like a scrape target.
 * - Plugins run once per round at the smallest interval of the sources they read. A round asks
 *   the cache for each source at that source's own interval slot, so a plugin round never makes
 *   an extra request: it shares the fetch of the source's own loop (whichever asks first).
 * - Slots are multiples of the interval (no per-source phase): a source's loop and the plugin
 *   rounds must name the same interval for the cache to share the fetch.
 *
 * A failed fetch gives every series of the source's last good scrape one staleness marker and
 * up=0; a plugin that throws fails alone (PluginHost).
 */
import type { Registry } from 'prom-client';
import { ScrapewireError } from '../core/errors';
import type { Label } from '../core/types';
import type { ScrapeConfig, SourceConfig } from '../config/types';
import { compileRelabelConfigs } from '../relabel/relabeler';
import { compareLabelNames } from '../core/labels';
import { PluginHost, type ScrapeProvider } from '../plugins/plugin-host';
import type { RegisteredPlugin } from '../plugins/registry';
import type { Relabeler } from '../relabel/relabeler';
import type { Logger } from '../remote/logger';
import { failedReport, ReportSeries, successReport } from '../scrape/report-series';
import { newestTimestamp, writeScrape, type SampleSink } from '../scrape/sample-sink';
import { systemClock, type LoopClock, nextSlot } from '../scrape/scrape-loop';
import { SeriesLabeler } from '../scrape/series-labels';
import type { NodeSettings } from './kubernetes/node-settings';
import { sourceFromConfig } from './kubernetes/kubelet-sources';
import { ScrapeCache, type CachedScrape, type SourceDefinition } from './scrape-cache';

export interface SourceRunnerOptions {
  /** `sources` of the config, except kind `pods` (targets, handled by the scrape manager). */
  sources: readonly SourceConfig[];
  /**
   * scrape_configs that name a source (`source: NAME`): the source is delivered under that job's
   * name, with its honor_labels, metric_relabel_configs and label limits. At most one per source.
   */
  jobs?: readonly ScrapeConfig[];
  /** Node settings for kubelet/cAdvisor sources without their own URL and credentials. */
  node?: NodeSettings;
  plugins: readonly RegisteredPlugin[];
  sink: SampleSink;
  registry: Registry;
  logger: Logger;
  externalLabels?: readonly Label[];
  writeRelabeler?: Relabeler;
  maxSamplesPerRequest?: number;
  clock?: LoopClock;
}

interface RunningSource {
  config: SourceConfig;
  labels: Label[];
  labeler: SeriesLabeler;
  report: ReportSeries;
  core?: CachedScrape['core'];
  timer?: unknown;
  busy: boolean;
  health: 'unknown' | 'up' | 'down';
  lastError?: ScrapewireError;
  lastScrapeMs: number;
  lastDurationMs: number;
}

export class SourceRunner {
  readonly cache: ScrapeCache;
  readonly host: PluginHost;
  private readonly running = new Map<string, RunningSource>();
  private readonly clock: LoopClock;
  private pluginTimer: unknown;
  private pluginRound: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: SourceRunnerOptions) {
    this.clock = options.clock ?? systemClock;
    this.cache = new ScrapeCache({ now: () => this.clock.now() });
    this.host = new PluginHost({ plugins: [...options.plugins], registry: options.registry, logger: options.logger });
    options.sources.forEach((config, index) => {
      if (config.kind === 'pods') return;
      const definition: SourceDefinition = sourceFromConfig(config, index, options.node);
      const url = new URL(definition.scraper.target);
      const consumers = (options.jobs ?? []).filter((job) => job.source === config.name);
      if (consumers.length > 1) {
        throw new ScrapewireError('ERR_CONFIG', `source "${config.name}" is read by ${consumers.length} scrape_configs (${consumers.map((j) => j.job_name).join(', ')}); at most one may deliver it`);
      }
      const job = consumers[0];
      const labels: Label[] = [['instance', url.host], ['job', job?.job_name ?? config.name]];
      labels.sort((a, b) => compareLabelNames(a[0], b[0]));
      const labeler = new SeriesLabeler({
        targetLabels: labels,
        honorLabels: job?.honor_labels ?? false,
        metricRelabeler: job === undefined || job.metric_relabel_configs.length === 0 ? undefined
          : compileRelabelConfigs(job.metric_relabel_configs, `scrape_configs[${job.job_name}].metric_relabel_configs`),
        externalLabels: options.externalLabels,
        writeRelabeler: options.writeRelabeler,
        limits: {
          labelLimit: job?.label_limit ?? 0,
          labelNameLengthLimit: job?.label_name_length_limit ?? 0,
          labelValueLengthLimit: job?.label_value_length_limit ?? 0,
        },
      });
      this.cache.add(this.host.withResolver({ ...definition, resolve: labeler.resolve }));
      this.running.set(config.name, {
        config,
        labels,
        labeler,
        report: new ReportSeries(labels, options.externalLabels, options.writeRelabeler),
        busy: false,
        health: 'unknown',
        lastScrapeMs: 0,
        lastDurationMs: 0,
      });
    });
    for (const registered of options.plugins) {
      for (const source of registered.plugin.sources) {
        if (!this.running.has(source)) {
          throw new ScrapewireError('ERR_CONFIG', `plugin ${registered.plugin.name} reads source "${source}", which is not configured in sources`);
        }
      }
    }
  }

  /** Starts every source's loop and the plugin rounds. */
  start(): void {
    for (const source of this.running.values()) this.schedule(source);
    if (this.host.plugins().length > 0) this.schedulePlugins();
  }

  /** Source names and their state, for /targets. */
  sources(): { name: string; url: string; labels: Label[]; health: string; lastError?: string; lastScrapeMs: number; lastDurationMs: number; intervalMs: number; timeoutMs: number }[] {
    return [...this.running.values()].map((s) => ({
      name: s.config.name,
      url: s.config.url ?? '',
      labels: s.labels,
      health: s.health,
      lastError: s.lastError?.message,
      lastScrapeMs: s.lastScrapeMs,
      lastDurationMs: s.lastDurationMs,
      intervalMs: s.config.scrape_interval,
      timeoutMs: s.config.scrape_timeout,
    }));
  }

  /**
   * Schedules the source's next slot after `after` (default now). The next one is counted from
   * the slot being served, not from now: a timer may fire a millisecond before its slot by the
   * wall clock, and nextSlot(now) would then be the same slot again (scrape-loop.ts does the same).
   */
  private schedule(source: RunningSource, after = this.clock.now()): void {
    if (this.stopped) return;
    const interval = source.config.scrape_interval;
    const at = nextSlot(Math.max(after, this.clock.now()), interval, 0);
    source.timer = this.clock.setTimeout(() => {
      this.schedule(source, at);
      if (source.busy) return; // never two fetches of one source at once
      source.busy = true;
      void this.runSource(source, at).finally(() => { source.busy = false; });
    }, Math.max(0, at - this.clock.now()));
  }

  /** One interval of a source: fetch (shared), then deliver its samples and report series. */
  async runSource(source: RunningSource, slot: number): Promise<void> {
    const name = source.config.name;
    const started = this.clock.now();
    source.labeler.reset();
    let scrape: CachedScrape | undefined;
    let error: ScrapewireError | undefined;
    try {
      scrape = await this.cache.get(name, slot);
    } catch (err) {
      error = err instanceof ScrapewireError ? err : new ScrapewireError('ERR_HTTP_STATUS', String(err), { target: name, cause: err });
    }
    const timestampMs = scrape?.timestampMs ?? Math.floor(started);
    const durationMs = this.clock.now() - started;
    if (scrape !== undefined) {
      source.core = scrape.core;
      this.push(scrape.core, name, newestTimestamp(scrape.core, timestampMs));
      source.report.record(successReport(scrape.summary, durationMs / 1000), timestampMs);
    } else {
      // The cache's core aborted the failed scrape: an empty one marks the last good series stale.
      if (source.core !== undefined) {
        source.core.begin({ format: 'text', timestampMs, honorTimestamps: false });
        source.core.finish();
        this.push(source.core, name, timestampMs);
      }
      source.report.record(failedReport(durationMs / 1000), timestampMs);
      this.options.logger.warn({ source: name, err: error?.message }, 'source scrape failed');
    }
    this.push(source.report.core, name, timestampMs);
    source.health = error === undefined ? 'up' : 'down';
    source.lastError = error;
    source.lastScrapeMs = timestampMs;
    source.lastDurationMs = durationMs;
  }

  private schedulePlugins(after = this.clock.now()): void {
    if (this.stopped) return;
    const sources = new Set(this.options.plugins.flatMap((p) => p.plugin.sources));
    const interval = Math.min(...[...sources].map((s) => this.running.get(s)!.config.scrape_interval));
    const at = nextSlot(Math.max(after, this.clock.now()), interval, 0);
    this.pluginTimer = this.clock.setTimeout(() => {
      this.schedulePlugins(at);
      this.pluginRound = this.pluginRound.then(() => this.runPlugins(at));
    }, Math.max(0, at - this.clock.now()));
  }

  /** One plugin round; each source is read at its own interval's slot (shared fetch). */
  async runPlugins(slot: number): Promise<void> {
    const provider: ScrapeProvider = {
      get: (name, start) => {
        const interval = this.running.get(name)?.config.scrape_interval ?? 1;
        return this.cache.get(name, Math.floor(start / interval) * interval);
      },
    };
    const outcomes = await this.host.collect(provider, slot);
    for (const outcome of outcomes) {
      if (outcome.core !== undefined) this.push(outcome.core, `plugin/${outcome.plugin}`, outcome.timestampMs);
    }
  }

  private push(core: CachedScrape['core'], shardKey: string, newestTimestampMs: number): void {
    writeScrape(core, this.options.sink, { shardKey: `source/${shardKey}`, newestTimestampMs, maxSamplesPerRequest: this.options.maxSamplesPerRequest });
  }

  /** Stops the loops; every source's series get one staleness marker. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.pluginTimer);
    for (const source of this.running.values()) this.clock.clearTimeout(source.timer);
    await this.pluginRound.catch(() => undefined);
    const now = Math.floor(this.clock.now());
    for (const source of this.running.values()) {
      while (source.busy) await new Promise((resolve) => setTimeout(resolve, 10));
      if (source.core !== undefined) {
        source.core.begin({ format: 'text', timestampMs: now, honorTimestamps: false });
        source.core.finish();
        this.push(source.core, source.config.name, now);
      }
      source.report.markStale(now);
      this.push(source.report.core, source.config.name, now);
    }
    await this.cache.close();
  }
}
