/**
 * The plugin API, for Node agents that embed scrapewire.
 *
 * A plugin reads the scrapes of the jobs it names (any scrape_configs job: static targets,
 * kubelet_sd pods, kubernetes_sd endpoints...) without a request or a parse of its own: it reads
 * each target's core right after the target's scrape, and emits a few derived series:
 *
 * ```ts
 * const plugin: Plugin = {
 *   name: 'pods-per-namespace',
 *   jobs: ['kubelet'],
 *   relabel: [{ source_labels: ['namespace'], regex: '', action: 'drop' }],
 *   collect(snapshot, emit) {
 *     for (const target of snapshot.targets) {
 *       target.forEachSeries('kubelet_running_pods', (series, value) => { ... });
 *     }
 *     emit.family('my_metric', 'gauge', 'What it measures.');
 *     emit.sample('my_metric', { instance: snapshot.targets[0].labels.instance }, 1);
 *   },
 * };
 * ```
 *
 * Rounds follow fetches: targets that share a fetch (the same URL, credentials, timeout and
 * interval: src/scrape/fetch-key.ts) are scraped by one request, and once it is done every plugin
 * that reads any of them runs one round over those of them it reads that scraped successfully.
 * A plugin reading targets of several fetches runs once per fetch; each fetch's output is its own
 * (sent, and marked stale when the fetch fails or goes away, on its own), so a plugin that reads
 * several targets puts a label telling them apart on what it emits (e.g. the target's instance).
 *
 * Costs: iterating a snapshot allocates nothing per sample; a series' labels are decoded once,
 * when the series is new (DESIGN invariant 3), and so is the plugin's `relabel` decision and
 * anything the plugin keeps in `series.state`. Emitted samples are rendered as exposition text
 * into a per-plugin, per-fetch core, so they are interned, encoded and marked stale like any
 * scrape, and get the external labels and write_relabel_configs as every sent series does.
 */
import type { Label } from '../labels';
import type { RelabelConfig } from '../relabel/types';

export type { Label, RelabelConfig };

/** A plugin: derives series of its own from the scrapes of the jobs it names. */
export interface Plugin {
  /** Unique; matched by `plugins.enabled` (an anchored regex). Letters, digits, `_`, `-`, `.`. */
  readonly name: string;
  /** Names of the scrape_configs jobs whose targets it reads. */
  readonly jobs: readonly string[];
  /**
   * Of those jobs' targets, the ones it reads: given each target's labels (job, instance and
   * the labels relabeling gave it), once when the target starts. Default: every target.
   */
  readonly targets?: (labels: Readonly<Record<string, string>>) => boolean;
  /**
   * Rules applied to the series it reads (not to what is sent): a series they drop is invisible
   * to the plugin, a rewritten one is seen with its new labels. Run once per new series, on the
   * labels as the target served them (before its job's relabeling and target labels).
   */
  readonly relabel?: readonly RelabelConfig[];
  /**
   * Called once per fetch of targets it reads, after they have been scraped (see above). What it
   * emits replaces its previous output for that fetch; when it throws (or rejects), that output
   * is a failed scrape (its series get staleness markers), the error is counted in
   * scrapewire_plugin_errors_total{plugin} and logged, and other plugins are unaffected.
   */
  collect?(snapshot: PluginSnapshot, emit: Emitter): void | Promise<void>;
}

/** Builds a plugin from its `plugins.settings.<name>` mapping (validated by the factory). */
export type PluginFactory = (settings: Readonly<Record<string, unknown>>) => Plugin;

/** One round as a plugin sees it: the targets of one fetch that it reads. */
export interface PluginSnapshot {
  /** The fetch's timestamp in ms: emitted samples without their own timestamp get it. */
  readonly timestampMs: number;
  /**
   * The targets of this fetch the plugin reads whose scrape succeeded (one, unless several jobs
   * it reads scrape the same URL). Never empty: without one, collect() is not called.
   */
  readonly targets: readonly TargetSnapshot[];
  /**
   * This round's target of a job, or undefined when none of this fetch's targets belongs to it.
   * Throws ERR_PLUGIN for a job the plugin does not list in `jobs`.
   */
  target(job: string): TargetSnapshot | undefined;
}

/** A metric-name filter: an exact name, a regex (tested once per distinct name), or a predicate on the name. */
export type NameFilter = string | RegExp | ((metricName: string) => boolean);

/**
 * One target's last scrape, read in place (the columns live in WASM memory).
 *
 * Every method throws ERR_PLUGIN once a newer scrape of the target has begun (the snapshot then
 * belongs to it). A synchronous collect() never sees that; an async one must not hold on to the
 * snapshot across waits longer than the scrape interval.
 */
export interface TargetSnapshot {
  /** The target's job. */
  readonly job: string;
  /** The target's labels: job, instance and what relabeling gave it (no `__` labels). */
  readonly labels: Readonly<Record<string, string>>;
  /** The scrape URL, without credentials. */
  readonly url: string;
  /** When the scrape started (the timestamp of samples that carried none), in ms. */
  readonly timestampMs: number;
  /** Samples in the scrape (series dropped by the plugin's or the job's relabel rules included). */
  readonly sampleCount: number;
  /**
   * The plugin's own memo for this target (undefined at first): a place for what it keeps from
   * one round to the next about this target. Lives as long as the target.
   */
  state: unknown;
  /**
   * Every sample, in page order: the raw columns. No allocation per sample. `ref` identifies the
   * series within this target while it lives; pass it to `series(ref)` for its labels.
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

/** A series as one plugin sees it; lives as long as the series in its target's core. */
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
   * target's core forgets the series and reuses its ref.
   */
  state: unknown;
}

/** The TYPE of a family a plugin emits. */
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
