/**
 * A plugin's read-only window on one target's scrape: the core's snapshot columns, read in
 * place, and the series labels from the target's TargetSeriesCache, seen through the plugin's
 * relabel rules.
 *
 * Per sample, iteration costs an array read for the ref's entry and a slot read for the
 * plugin's view; it allocates nothing. Name filters given as a RegExp or predicate are run once
 * per distinct metric name per filter object (names repeat across thousands of series).
 */
import type { Core } from '../core/core';
import { ScrapewireError } from '../errors';
import type { Relabeler } from '../relabel/relabeler';
import type { PluginSeriesView, TargetSeriesCache } from './series-cache';
import type { NameFilter, PluginSeries, TargetSnapshot } from './types';

/** What a snapshot needs of a target's finished scrape. */
export interface TargetScrape {
  job: string;
  labels: Readonly<Record<string, string>>;
  url: string;
  timestampMs: number;
  core: Core;
  /** False once a newer scrape of the target has begun (or its core was rebuilt). */
  isCurrent(): boolean;
}

/** Per-filter memo of name decisions; weak, so a filter made afresh every round is collected. */
type NameMemo = WeakMap<RegExp | ((name: string) => boolean), Map<string, boolean>>;

export class PluginTargetSnapshot implements TargetSnapshot {
  readonly job: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly url: string;
  readonly timestampMs: number;

  constructor(
    private readonly scrape: TargetScrape,
    private readonly cache: TargetSeriesCache,
    private readonly plugin: string,
    /** The plugin's index in the host: its view slot in every series entry. */
    private readonly slot: number,
    private readonly relabeler: Relabeler | undefined,
    private readonly nameMemo: NameMemo,
    /** The plugin's memo for this target (TargetSnapshot.state), kept by the host between rounds. */
    private readonly memo: { state: unknown },
  ) {
    this.job = scrape.job;
    this.labels = scrape.labels;
    this.url = scrape.url;
    this.timestampMs = scrape.timestampMs;
  }

  get state(): unknown {
    return this.memo.state;
  }

  set state(value: unknown) {
    this.memo.state = value;
  }

  get sampleCount(): number {
    this.checkCurrent();
    return this.scrape.core.snapshot().refs.length;
  }

  forEachSample(fn: (ref: number, value: number, timestampMs: number) => void): void {
    this.checkCurrent();
    // The views stay valid through the loop: nothing calls the target's core meanwhile (a new
    // scrape would be a newer interval, and `fn` is synchronous).
    const { refs, values, timestamps } = this.scrape.core.snapshot();
    for (let i = 0; i < refs.length; i++) fn(refs[i], values[i], timestamps[i]);
  }

  series(ref: number): PluginSeries | undefined {
    this.checkCurrent();
    return this.view(ref);
  }

  forEachSeries(filter: NameFilter, fn: (series: PluginSeries, value: number, timestampMs: number) => void): void {
    this.checkCurrent();
    const accepts = this.compileFilter(filter);
    const { refs, values, timestamps } = this.scrape.core.snapshot();
    for (let i = 0; i < refs.length; i++) {
      const series = this.view(refs[i]);
      if (series !== undefined && accepts(series.name)) fn(series, values[i], timestamps[i]);
    }
  }

  private view(ref: number): PluginSeriesView | undefined {
    return this.cache.entry(ref, this.scrape.core).viewFor(this.slot, this.relabeler);
  }

  private compileFilter(filter: NameFilter): (name: string) => boolean {
    if (typeof filter === 'string') return (name) => name === filter;
    if (!(filter instanceof RegExp) && typeof filter !== 'function') {
      throw new ScrapewireError('ERR_PLUGIN', 'forEachSeries: the filter must be a metric name, a RegExp or a function', {
        target: `plugin ${this.plugin}`,
      });
    }
    let decisions = this.nameMemo.get(filter);
    if (decisions === undefined) {
      decisions = new Map();
      this.nameMemo.set(filter, decisions);
    }
    const memo = decisions;
    const test = filter instanceof RegExp ? (name: string) => ((filter.lastIndex = 0), filter.test(name)) : filter;
    return (name) => {
      let decision = memo.get(name);
      if (decision === undefined) {
        decision = test(name) === true;
        memo.set(name, decision);
      }
      return decision;
    };
  }

  private checkCurrent(): void {
    if (!this.scrape.isCurrent()) {
      throw new ScrapewireError(
        'ERR_PLUGIN',
        `the snapshot of target ${this.url} (job ${JSON.stringify(this.job)}) is no longer current: a newer scrape has begun (read it before awaiting anything slow)`,
        { target: `plugin ${this.plugin}` },
      );
    }
  }
}
