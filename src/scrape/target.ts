/**
 * TargetScraper: one scrape target, its HttpScraper, its Core and its report series, and what
 * one scrape of it does from request to sink:
 *
 *   request + streamed body -> core (limits checked line by line: sample_limit, the series cap,
 *   label limits, memory; new series: target labels, metric relabeling, label limits)
 *   -> report series (up=1...) appended by the same core -> encode the scrape -> sink
 *
 * A scrape that fails (HTTP error, timeout, body limit, parse error with on_parse_error: fail,
 * a limit) pushes nothing of itself: the core drops it (abort), then an empty scrape at the same
 * timestamp gives every series of the last good scrape one staleness marker, and up=0 is
 * reported. A second failure in a row finds nothing left to mark. stop() does the same for a
 * target that went away, report series included.
 *
 * The body comes from a fetch (shared-fetch.ts): in the scrape loop, one request shared by every
 * target with the same fetch key, each target a consumer with its own core and rules
 * (`startScrape`); on its own, `scrape()` makes a request for this target alone.
 *
 * The scrape loop (scrape-loop.ts) never runs two scrapes of one target at once.
 */
import { Core } from '../core/core';
import { ScrapewireError } from '../errors';
import type { CoreOptions, ExpositionFormat, NewSeries, NewSeriesResolver, ScrapeSummary } from '../core/types';
import type { Label } from '../labels';
import type { Relabeler } from '../relabel/relabeler';
import { createFetcher, type Fetcher } from './fetcher';
import { isLocalUrl, type LocalSources } from './local-source';
import { resolveHttpTarget, type HttpTargetOptions } from './http-target-options';
import { failedReport, reportSeriesLabels, reportValues, successReport } from './report-series';
import { newestTimestamp, SinkError, writeMetadata, writeScrapeInSlices, type SampleSink } from './sample-sink';
import { Slices } from '../runtime/slices';
import { asScrapeError } from './scrape-into-core';
import { bodySizeLimitError } from './scrape-errors';
import { fetchInto, type BodyConsumer } from './shared-fetch';
import type { ScrapeMetrics } from './scrape-metrics';
import { SeriesLabeler } from './series-labels';
import { targetCoreLimits } from './scrape-limits';

/** Everything that defines one target, as built from a scrape_config (target-labels.ts). */
export interface TargetSpec {
  job: string;
  /** Target labels after relabeling, without `__` names; job and instance included. Sorted. */
  labels: Label[];
  intervalMs: number;
  /** HTTP settings: url (params applied), timeout, body limit, auth, TLS. */
  http: HttpTargetOptions;
  honorLabels: boolean;
  honorTimestamps: boolean;
  onParseError: 'fail' | 'skip';
  sampleLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  /**
   * scrape_native_histograms, always_scrape_classic_histograms, the native histogram limits,
   * convert_classic_histograms_to_nhcb, created_timestamp_zero_ingestion.
   */
  histograms?: Pick<CoreOptions, 'scrapeNativeHistograms' | 'alwaysScrapeClassicHistograms' | 'nativeHistogramBucketLimit'
    | 'nativeHistogramMinBucketFactor' | 'convertClassicHistogramsToNhcb' | 'createdTimestampZeroIngestion'>;
  metricRelabeler?: Relabeler;
  /** Settings fingerprint (target-labels.ts jobFingerprint): a change replaces the scraper on reload. */
  fingerprint?: string;
  /** global.external_labels, added to every series (scraped and report) that lacks them. */
  externalLabels?: Label[];
  /** remote_write write_relabel_configs (one set for every endpoint), after external labels. */
  writeRelabeler?: Relabeler;
  /**
   * Set when the target must not be scraped (its job is over target_limit): each scrape fails
   * with this error without a request, as Prometheus' forced scrape error does (up 0, staleness).
   */
  forcedError?: ScrapewireError;
}

/** Where a target's scrapes go and how they are split and observed. */
export interface TargetScraperOptions {
  sink: SampleSink;
  metrics: ScrapeMetrics;
  /** Wall clock in ms (scrape timestamps and durations). Default Date.now. */
  now?: () => number;
  /** Split requests at this many samples (max_samples_per_send). 0: one request per scrape. */
  maxSamplesPerRequest?: number;
  /** Send a 1.0 metadata request at most this often (metadata_config.send_interval); 0: never. */
  metadataIntervalMs?: number;
  /**
   * Entries (MetricMetadata) per metadata request at most (metadata_config.max_samples_per_send,
   * the smallest of the endpoints sending metadata); 0: one request.
   */
  metadataMaxPerRequest?: number;
  /**
   * Shown every new series with its labels as scraped, before the target's decisions (the
   * plugins that read this target: src/plugins/plugin-host.ts). With an observer the core does
   * not merge target labels itself, so that every new series reaches the resolver.
   */
  observeNewSeries?: (batch: readonly NewSeries[]) => void;
  /** Called once per HTTP request a standalone scrape() makes (the loop counts its shared fetches itself). */
  onRequest?: () => void;
  /** See FetchOptions.onBodyBytes. */
  onBodyBytes?: (bytes: number) => void;
  /** The sources of in-process targets (`local://name` URLs): local-source.ts. */
  localSources?: LocalSources;
  /**
   * The body's parsing (between chunks) and the end of a scrape (encoding its requests, handing
   * them to the sink: between requests) let the event loop run after about this many ms of work
   * (runtime/slices.ts); 0: after every chunk and every request. Default 10.
   */
  sliceMs?: number;
}

/** One scrape of a target in progress: what a fetch feeds, and the outcome once it settles. */
export interface ScrapeRun {
  readonly consumer: BodyConsumer;
  readonly outcome: Promise<ScrapeOutcome>;
}

/** One scrape of a target, settled: when, how long, what it wrote, and its error if it failed. */
export interface ScrapeOutcome {
  timestampMs: number;
  durationMs: number;
  /** Undefined when the scrape succeeded. */
  error?: ScrapewireError;
  summary?: ScrapeSummary;
  /** Samples handed to the sink, staleness markers and report series included. */
  samplesWritten: number;
}

/** A target's health after its last scrape (`unknown` before the first). */
export type TargetHealth = 'unknown' | 'up' | 'down';

/** job + URL: the shard key that keeps a target's requests in order (and, on its own, its phase). */
export function targetIdentity(spec: Pick<TargetSpec, 'job' | 'http'>): string {
  return `${spec.job}\u0000${spec.http.url}`;
}

/** One target: its core (page and report series) and rules; one scrape from fetch to sink. */
export class TargetScraper {
  readonly identity: string;
  /** The URL without credentials: the name errors carry. */
  readonly target: string;
  /** The target's one core: its page's series, and its report series (up, scrape_*) after them. */
  private readonly core: Core;
  private readonly labeler: SeriesLabeler;
  private readonly now: () => number;
  private readonly abortController = new AbortController();
  /** The request of standalone scrape()s, made on first use; the loop's shared fetches have their own. */
  private ownHttp: Fetcher | undefined;
  private stopped = false;
  /** holdUntil(): a predecessor's scrape is still ending. */
  private held = false;
  private running: TargetScrapeRun | undefined;
  /** The self-metrics' label sets of this target's scrapes, made once. */
  private readonly jobLabels: { job: string };
  private readonly successLabels: { job: string; result: string };
  /** What every scrape of this target shares, made once: a scrape then costs one TargetScrapeRun. */
  private readonly runContext: ScrapeRunContext;
  /** The sink threw during this scrape (it must not: sample-sink.ts); reported as the scrape's error. */
  private sinkError: SinkError | undefined;

  health: TargetHealth = 'unknown';
  lastError: ScrapewireError | undefined;
  lastScrapeMs = 0;
  private lastMetadataMs = -Infinity;
  /** Series kept by the last successful scrape. */
  seriesCount = 0;
  /** Times the core was rebuilt smaller after a spike (series refs change then). */
  rebuilds = 0;
  lastDurationMs = 0;
  scrapeCount = 0;

  /** Validates the HTTP settings (throws ERR_CONFIG naming the field); opens no connection. */
  constructor(readonly spec: TargetSpec, private readonly options: TargetScraperOptions) {
    this.identity = targetIdentity(spec);
    this.target = isLocalUrl(spec.http.url) ? spec.http.url : resolveHttpTarget(spec.http).target;
    this.core = Core.create({ onParseError: spec.onParseError, openMetricsValidation: 'syntax', ...targetCoreLimits(spec), ...spec.histograms });
    this.core.setReportSeries(reportSeriesLabels(spec.labels, spec.externalLabels, spec.writeRelabeler));
    this.labeler = new SeriesLabeler({
      targetLabels: spec.labels,
      honorLabels: spec.honorLabels,
      metricRelabeler: spec.metricRelabeler,
      externalLabels: spec.externalLabels,
      writeRelabeler: spec.writeRelabeler,
      limits: {
        labelLimit: spec.labelLimit,
        labelNameLengthLimit: spec.labelNameLengthLimit,
        labelValueLengthLimit: spec.labelValueLengthLimit,
      },
    });
    // Where adding the target's and external labels is the whole decision, the core does it
    // (Core.setTargetLabels); the labeler then sees only series whose labels collide with them.
    // Not when plugins read the target: they must see every new series.
    const limits = spec.labelLimit + spec.labelNameLengthLimit + spec.labelValueLengthLimit;
    const external = spec.externalLabels ?? [];
    if ((spec.metricRelabeler?.isEmpty ?? true) && (spec.writeRelabeler?.isEmpty ?? true) && limits === 0
      && options.observeNewSeries === undefined
      && ![...spec.labels, ...external].some(([, value]) => value === '')) {
      this.core.setTargetLabels(spec.labels, external, spec.honorLabels);
    }
    this.now = options.now ?? Date.now;
    this.jobLabels = { job: spec.job };
    this.successLabels = { job: spec.job, result: 'success' };
    const observe = options.observeNewSeries;
    const resolve = observe === undefined ? this.labeler.resolve : (batch: readonly NewSeries[]) => {
      observe(batch);
      return this.labeler.resolve(batch);
    };
    this.runContext = {
      core: this.core,
      target: this.target,
      limitBytes: spec.http.bodySizeLimitBytes ?? 0,
      honorTimestamps: spec.honorTimestamps,
      resolve,
      labelLimitError: () => this.labelLimitError(),
      end: (run, error) => {
        // The end of the scrape lets the event loop run between requests (complete): the target
        // stays busy until it is done, so neither the loop nor stop() touches the core meanwhile,
        // and the next scrape cannot begin while this one is being encoded.
        void this.complete(run.timestampMs, run.summary, error).catch((err: unknown) => this.failedCompletion(run.timestampMs, err)).then((result) => {
          this.running = undefined;
          run.resolveOutcome(result);
        });
      },
    };
  }

  /** Whether a scrape is running, or the target waits for its predecessor's (the loop then skips the tick). */
  get busy(): boolean {
    return this.running !== undefined || this.held;
  }

  /** Resolves once no scrape of this target is running (its end delivered); never rejects. */
  idle(): Promise<void> {
    return this.running === undefined ? Promise.resolve() : this.running.outcome.then(() => undefined);
  }

  /**
   * Keeps this target busy until `predecessor` resolves: a reload's replacement of a target
   * (same series, new settings) must not deliver a scrape while the old scraper is still handing
   * over its last one (its end runs in slices), or one series' samples could reach the queue out of order.
   * @internal
   */
  holdUntil(predecessor: Promise<void>): void {
    this.held = true;
    void predecessor.finally(() => { this.held = false; });
  }

  /**
   * The core of this target, for readers of its last scrape (plugins): read its snapshot only
   * between scrapes (not while `busy`), without awaiting anything in between.
   */
  get scrapedCore(): Core {
    return this.core;
  }

  /**
   * One scrape on its own, start to sink: a request for this target alone. Rejects only when
   * misused; a `signal` that aborts fails the scrape in flight (the outcome carries its reason).
   */
  scrape(options: { signal?: AbortSignal } = {}): Promise<ScrapeOutcome> {
    let run: ScrapeRun;
    try {
      run = this.startScrape();
    } catch (err) {
      return Promise.reject(err);
    }
    if (run.consumer.active) {
      this.ownHttp ??= createFetcher(this.spec.http, this.options.localSources);
      const signal = options.signal === undefined ? this.abortController.signal : AbortSignal.any([this.abortController.signal, options.signal]);
      void fetchInto(this.ownHttp, [run.consumer], { signal, onRequest: this.options.onRequest, onBodyBytes: this.options.onBodyBytes, sliceMs: this.options.sliceMs });
    }
    return run.outcome;
  }

  /**
   * Starts a scrape whose body a fetch will feed to `consumer` (the scrape loop's shared fetch);
   * all consumers of one fetch share its `timestampMs`. The outcome settles when the consumer
   * does: finished, failed, or failed by stop(). Throws ERR_USAGE during another scrape or after stop().
   * @internal
   */
  startScrape(timestampMs = Math.floor(this.now())): ScrapeRun {
    if (this.stopped) throw new ScrapewireError('ERR_USAGE', 'scrape() after stop()', { target: this.target });
    if (this.running !== undefined) throw new ScrapewireError('ERR_USAGE', 'scrape() while the previous scrape is running', { target: this.target });
    this.labeler.reset();
    const run = new TargetScrapeRun(this.runContext, timestampMs);
    this.running = run;
    const { forcedError } = this.spec;
    if (forcedError !== undefined) run.settle(forcedError.target === undefined ? forcedError.withTarget(this.target) : forcedError);
    return run;
  }

  /** After the body: staleness on failure, self-metrics, report series, delivery (in slices), health. */
  private async complete(timestampMs: number, summary: ScrapeSummary | undefined, scrapeError: ScrapewireError | undefined): Promise<ScrapeOutcome> {
    const { spec } = this;
    let error = scrapeError;
    // A series over a label limit is forgotten, so the next scrape resolves (and checks) it again.
    for (const ref of this.labeler.violations) this.core.forget(ref);
    if (error !== undefined) this.emptyScrape(timestampMs);

    const durationMs = Math.max(0, this.now() - timestampMs);
    const { metrics } = this.options;
    const job = spec.job;

    const durationSeconds = durationMs / 1000;
    const report = error === undefined ? successReport(summary!, durationSeconds) : failedReport(durationSeconds);
    if (error !== undefined && summary !== undefined) {
      // Prometheus still reports what a scrape over a limit contained.
      report.samplesScraped = summary.samples;
      report.samplesPostMetricRelabeling = summary.samplesPostRelabel;
    }
    // The report goes after the page's samples (or after the staleness markers of a failed
    // scrape), in the same requests.
    const newest = error === undefined ? newestTimestamp(this.core, timestampMs) : timestampMs;
    this.core.appendReport(reportValues(report));
    let samplesWritten = await this.push(newest);
    const metadataEvery = this.options.metadataIntervalMs ?? 0;
    if (error === undefined && metadataEvery > 0 && timestampMs - this.lastMetadataMs >= metadataEvery) {
      try {
        if (writeMetadata(this.core, this.options.sink, this.identity, timestampMs, this.options.metadataMaxPerRequest ?? 0)) this.lastMetadataMs = timestampMs;
      } catch (err) {
        this.keepSinkError(err);
      }
    }
    metrics.samplesWritten.inc(this.jobLabels, samplesWritten);
    // Counted once the scrape is delivered to the sink (its end runs in slices): a scrape counted
    // is a scrape whose samples the sink has.
    if (summary !== undefined && summary.skippedLines > 0) metrics.skippedLines.inc(this.jobLabels, summary.skippedLines);
    metrics.scrapes.inc(error === undefined ? this.successLabels : { job, result: error.code });
    if (this.sinkError !== undefined) {
      error ??= this.sinkError.withTarget(this.target);
      this.sinkError = undefined;
    }

    this.health = error === undefined ? 'up' : 'down';
    if (summary !== undefined && error === undefined) this.seriesCount = summary.samplesPostRelabel;
    this.shrinkAfterSpike();
    this.lastError = error;
    this.lastScrapeMs = timestampMs;
    this.lastDurationMs = durationMs;
    this.scrapeCount++;
    return { timestampMs, durationMs, error, summary, samplesWritten };
  }

  /**
   * The end of a scrape threw (a bug, or a core trap while encoding): the scrape fails with it
   * instead of leaving its outcome unsettled and the target busy for ever.
   */
  private failedCompletion(timestampMs: number, err: unknown): ScrapeOutcome {
    const error = asScrapeError(err, this.target);
    this.health = 'down';
    this.lastError = error;
    this.lastScrapeMs = timestampMs;
    this.lastDurationMs = Math.max(0, this.now() - timestampMs);
    this.scrapeCount++;
    return { timestampMs, durationMs: this.lastDurationMs, error, samplesWritten: 0 };
  }

  /** A label limit the resolver found broken after relabeling (the core fails the others itself, while parsing). */
  private labelLimitError(): ScrapewireError | undefined {
    return this.labeler.firstViolation?.withTarget(this.target);
  }

  /**
   * WASM memory never shrinks: when the core holds far more memory than its live series need
   * (a page that once had many more series), it is rebuilt with only the live ones. The factor
   * 4 leaves room for the allocator's doubling and a page that is merely growing.
   */
  private shrinkAfterSpike(): void {
    const stats = this.core.memoryStats();
    const needed = stats.labelArenaBytes + stats.series * 200 + (4 << 20);
    if (stats.wasmBytes > 64 << 20 && stats.wasmBytes > 4 * needed) {
      this.core.rebuild();
      this.rebuilds++;
    }
  }

  /** A scrape with no samples: every series of the previous scrape goes stale (once). */
  private emptyScrape(timestampMs: number): void {
    this.core.begin({ format: 'text', timestampMs, honorTimestamps: false });
    this.core.finish();
  }

  /** Hands the core's last scrape to the sink, in slices (see TargetScraperOptions.sliceMs). */
  private async push(newestTimestampMs: number): Promise<number> {
    try {
      return await writeScrapeInSlices(this.core, this.options.sink, {
        shardKey: this.identity,
        newestTimestampMs,
        maxSamplesPerRequest: this.options.maxSamplesPerRequest,
      }, new Slices(this.options.sliceMs));
    } catch (err) {
      return this.keepSinkError(err).acceptedSamples;
    }
  }

  /** A sink that threw (it must not: sample-sink.ts) becomes this scrape's error instead of escaping it. */
  private keepSinkError(err: unknown): SinkError {
    if (!(err instanceof SinkError)) throw err;
    this.sinkError ??= err;
    return err;
  }

  /**
   * The target went away: fails a scrape in flight (the fetch feeding it reads on for its other
   * consumers), writes one staleness marker for each of its series and report series, and closes
   * its own HTTP client. With `markStale: false` (the target is being replaced on a reload) it
   * lets a scrape in flight finish and writes no markers.
   */
  async stop(options: { markStale?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (options.markStale === false) {
      // Replaced by a scraper with new settings (a reload): the series live on there, so no
      // staleness markers; a scrape in flight finishes and is delivered.
      if (this.running !== undefined) await this.running.outcome;
      await this.ownHttp?.close();
      return;
    }
    const stopped = new ScrapewireError('ERR_USAGE', 'target stopped', { target: this.target });
    this.abortController.abort(stopped);
    // The scrape in flight fails first (marking its series stale): one user of the core at a time.
    const running = this.running;
    if (running !== undefined) {
      running.consumer.fail(stopped);
      await running.outcome;
    }
    const timestampMs = Math.floor(this.now());
    let written = 0;
    try {
      // The report series go stale with the page's.
      this.core.retireReport();
      this.emptyScrape(timestampMs);
      written += await this.push(timestampMs);
    } finally {
      this.options.metrics.samplesWritten.inc({ job: this.spec.job }, written);
      await this.ownHttp?.close();
    }
  }
}

/** What a TargetScraper hands each of its scrapes: made once per target. */
interface ScrapeRunContext {
  readonly core: Core;
  readonly target: string;
  /** body_size_limit after decompression; 0: none. */
  readonly limitBytes: number;
  readonly honorTimestamps: boolean;
  readonly resolve: NewSeriesResolver;
  labelLimitError(): ScrapewireError | undefined;
  /** The scrape settled (error undefined: the body was parsed to its end): deliver it, then resolve its outcome. */
  end(run: TargetScrapeRun, error: ScrapewireError | undefined): void;
}

/**
 * One scrape of a target: the consumer a fetch feeds, and its outcome. One object per scrape
 * with its methods on the prototype: the closures it replaced (a getter, four methods, settle,
 * the resolver) were ~2.6 KB of the ~51 KB a small scrape allocated (bench/RESULTS.md, 2026-12-03).
 */
class TargetScrapeRun implements BodyConsumer, ScrapeRun {
  readonly outcome: Promise<ScrapeOutcome>;
  resolveOutcome!: (outcome: ScrapeOutcome) => void;
  /** core.finish()'s summary, once the body ended. */
  summary: ScrapeSummary | undefined;
  private settled = false;
  private begun = false;
  /** Decompressed bytes fed so far. */
  private bytes = 0;

  constructor(private readonly context: ScrapeRunContext, readonly timestampMs: number) {
    this.outcome = new Promise<ScrapeOutcome>((resolve) => { this.resolveOutcome = resolve; });
  }

  get consumer(): BodyConsumer {
    return this;
  }

  get active(): boolean {
    return !this.settled;
  }

  begin(format: ExpositionFormat): void {
    if (this.settled) return;
    try {
      this.context.core.begin({ format, timestampMs: this.timestampMs, honorTimestamps: this.context.honorTimestamps }, this.context.resolve);
      this.begun = true;
    } catch (err) {
      this.fail(err);
    }
  }

  feed(chunk: Uint8Array): void {
    if (this.settled) return;
    this.bytes += chunk.length;
    const { limitBytes } = this.context;
    // Each consumer its own body_size_limit, counted after decompression; the chunk that
    // crosses it is not parsed.
    if (limitBytes > 0 && this.bytes > limitBytes) {
      this.settle(bodySizeLimitError(this.context.target, limitBytes));
      return;
    }
    try {
      this.context.core.feed(chunk);
    } catch (err) {
      this.fail(err);
    }
  }

  finish(): void {
    if (this.settled) return;
    try {
      this.summary = this.context.core.finish();
    } catch (err) {
      this.fail(err);
      return;
    }
    this.settle(this.context.labelLimitError());
  }

  fail(err: unknown): void {
    this.settle(asScrapeError(err, this.context.target));
  }

  /** Ends the scrape once (later calls do nothing): with an error, the core drops what it parsed. */
  settle(error: ScrapewireError | undefined): void {
    if (this.settled) return;
    this.settled = true;
    // Only a begun scrape may be aborted: abort() makes the previous scrape's refs the current
    // ones, which would shift the staleness reference back by one if nothing had begun.
    if (error !== undefined && this.begun) this.context.core.abort();
    this.context.end(this, error);
  }
}
