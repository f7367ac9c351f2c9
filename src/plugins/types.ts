/**
 * The plugin API, for Node agents that embed scrapewire.
 *
 * A plugin reads the scrapes of the sources it names (kubelet, cadvisor, ...) through the scrape
 * cache, without re-parsing them, and emits a few derived series of its own:
 *
 * ```ts
 * const plugin: Plugin = {
 *   name: 'pods-per-namespace',
 *   sources: ['kubelet'],
 *   relabel: [{ source_labels: ['namespace'], regex: '', action: 'drop' }],
 *   collect(snapshot, emit) {
 *     const counts = new Map<string, number>();
 *     snapshot.source('kubelet').forEachSeries('kubelet_running_pods', (series, value) => { ... });
 *     emit.family('my_metric', 'gauge', 'What it measures.');
 *     emit.sample('my_metric', { namespace: 'x' }, 1);
 *   },
 * };
 * ```
 *
 * Costs: iterating a snapshot allocates nothing per sample; a series' labels are decoded once,
 * when the series is new (DESIGN invariant 3), and so is the plugin's `relabel` decision and
 * anything the plugin keeps in `series.state`. Emitted samples are rendered as exposition text
 * into a per-plugin core, so they are interned, encoded and marked stale like any scrape.
 */
import type { Label } from '../core/types';
import type { RelabelConfig } from '../relabel/types';

export type { Label, RelabelConfig };

export interface Plugin {
  /** Unique; matched by `plugins.enabled` (an anchored regex). Letters, digits, `_`, `-`, `.`. */
  readonly name: string;
  /** Names of the sources it reads; each must be a source of the scrape cache. */
  readonly sources: readonly string[];
  /**
   * Rules applied to the series it reads (not to what is sent): a series they drop is invisible
   * to the plugin, a rewritten one is seen with its new labels. Run once per new series.
   */
  readonly relabel?: readonly RelabelConfig[];
  /**
   * Called once per collection round, after every source it reads has been scraped for that
   * round. What it emits replaces its previous round's output; when it throws (or rejects), its
   * output for the round is a failed scrape (its series get staleness markers), the error is
   * counted in scrapewire_plugin_errors_total{plugin} and logged, and other plugins are unaffected.
   */
  collect?(snapshot: PluginSnapshot, emit: Emitter): void | Promise<void>;
}

/** Builds a plugin from its `plugins.settings.<name>` mapping (validated by the factory). */
export type PluginFactory = (settings: Readonly<Record<string, unknown>>) => Plugin;

/** One collection round as a plugin sees it. */
export interface PluginSnapshot {
  /** The round's timestamp in ms: emitted samples without their own timestamp get it. */
  readonly timestampMs: number;
  /**
   * The scrape of a source the plugin declared. Throws ERR_PLUGIN for a source it did not
   * declare. Every declared source scraped successfully, or collect() would not have been called.
   */
  source(name: string): SourceSnapshot;
}

/** A metric-name filter: an exact name, a regex (tested once per distinct name), or a predicate on the name. */
export type NameFilter = string | RegExp | ((metricName: string) => boolean);

/**
 * One source's last scrape, read in place (the columns live in WASM memory).
 *
 * Every method throws ERR_PLUGIN once a newer scrape of the source has begun (the snapshot then
 * belongs to it). A synchronous collect() can never see that; an async one must not hold on to
 * the snapshot across waits longer than the scrape interval.
 */
export interface SourceSnapshot {
  /** The source's name. */
  readonly name: string;
  /** When the scrape started (the timestamp of samples that carried none), in ms. */
  readonly timestampMs: number;
  /** Samples in the scrape (series dropped by the plugin's relabel rules included). */
  readonly sampleCount: number;
  /**
   * Every sample, in page order: the raw columns. No allocation per sample. `ref` identifies the
   * series within this source while it lives; pass it to `series(ref)` for its labels.
   */
  forEachSample(fn: (ref: number, value: number, timestampMs: number) => void): void;
  /**
   * The plugin's view of a series: its labels after the plugin's relabel rules, or undefined
   * when they dropped it. Decoded (and relabeled) once per new series, then cached.
   */
  series(ref: number): PluginSeries | undefined;
  /** Samples of the series whose metric name (after relabeling) passes `filter`, in page order. */
  forEachSeries(filter: NameFilter, fn: (series: PluginSeries, value: number, timestampMs: number) => void): void;
}

/** A series as one plugin sees it; lives as long as the series in its source's core. */
export interface PluginSeries {
  readonly ref: number;
  /** `__name__`. */
  readonly name: string;
  /** Sorted by name, `__name__` included. Read-only. */
  readonly labels: readonly Label[];
  /** A label's value, '' when absent (as in Prometheus). */
  get(labelName: string): string;
  /**
   * The plugin's own memo for this series (undefined for a new series): a place to keep what it
   * derives from the labels so it is computed once per series, not per sample. Reset when the
   * source's core forgets the series and reuses its ref.
   */
  state: unknown;
}

export type EmittedType = 'counter' | 'gauge' | 'untyped';

/** How a plugin produces its series. Validation errors are ERR_PLUGIN and fail the plugin's round. */
export interface Emitter {
  /** TYPE and HELP of a metric family; optional, at most once per name per round. */
  family(name: string, type: EmittedType, help?: string): void;
  /**
   * One sample. `labels` must not contain `__name__`; empty values are dropped (as Prometheus
   * does). Two samples of the same series in one round: the first counts (the core drops and
   * counts duplicates).
   */
  sample(name: string, labels: Readonly<Record<string, string>>, value: number, timestampMs?: number): void;
}

/** The subset of pino's API the plugin host logs through; a pino logger or child fits. */
export interface PluginLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
