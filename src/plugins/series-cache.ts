/**
 * TargetSeriesCache: the labels of one target's series, by ref, decoded once per new series
 * and shared by every plugin that reads the target; each plugin's relabeled view and memo hang
 * off the same entry, so they are dropped together when the ref changes hands.
 *
 * How the cache learns that a ref now means another series. The core reuses the ref of an
 * evicted series for a later new series, and tells the host about new series only through the
 * resolver it calls once per new series at the end of a scrape. So:
 *   1. the normal path: `observe` is in the target's resolver chain (PluginHost.observerFor, given
 *      to the target as TargetScraperOptions.observeNewSeries). Every new series then replaces
 *      its ref's entry, with the labels as scraped, which the core has already decoded for the
 *      resolver: no second decode;
 *   2. the fallback, for a core whose resolver we do not see: `sync` clears everything when a
 *      scrape reports new series that were not observed, and entries are decoded again lazily
 *      with `core.labelsOf` (those are the labels as kept: after the target's own rewrites, and
 *      empty for a series it dropped). A round skipped without the hook can miss a reuse.
 * A rebuilt core (after a trap, or shrunk after a spike: refs change) or another core clears
 * everything too; entries are then decoded lazily, as kept, until the series are new again.
 *
 * Entries of evicted refs that are never reused linger; their number is bounded by the highest
 * ref, i.e. the peak number of live series. (A core export of the refs evicted by the last
 * scrape would let `sync` delete them; the core already collects them in `evictedRefs`.)
 */
import type { Core } from '../core/core';
import type { NewSeries, ScrapeSummary } from '../core/types';
import type { Label } from '../labels';
import type { Relabeler } from '../relabel/relabeler';
import type { PluginSeries } from './types';

/** A plugin's view of one series: built once per series per plugin. */
export class PluginSeriesView implements PluginSeries {
  state: unknown = undefined;
  readonly name: string;

  constructor(
    readonly ref: number,
    readonly labels: readonly Label[],
  ) {
    this.name = valueOf(labels, '__name__');
  }

  get(labelName: string): string {
    return valueOf(this.labels, labelName);
  }
}

function valueOf(labels: readonly Label[], name: string): string {
  // Label sets are small (10-30 labels) and sorted: a linear scan beats building a Map per series.
  for (let i = 0; i < labels.length; i++) if (labels[i][0] === name) return labels[i][1];
  return '';
}

/** One series of the source: its labels and, per plugin slot, that plugin's view (null: its relabel rules drop it). */
export class SeriesEntry {
  readonly views: (PluginSeriesView | null | undefined)[] = [];

  constructor(
    readonly ref: number,
    readonly labels: readonly Label[],
  ) {}

  /** The view of the plugin in `slot`, relabeled once. */
  viewFor(slot: number, relabeler: Relabeler | undefined): PluginSeriesView | undefined {
    let view = this.views[slot];
    if (view === undefined) {
      const labels = relabeler === undefined || relabeler.isEmpty ? this.labels : relabeler.process(this.labels);
      view = labels === null ? null : new PluginSeriesView(this.ref, labels);
      this.views[slot] = view;
    }
    return view ?? undefined;
  }
}

/** What `sync` needs of a finished scrape. */
export interface ScrapeOfTarget {
  core: Core;
  summary: ScrapeSummary;
  /** Times the target rebuilt its core smaller (TargetScraper.rebuilds): refs changed each time. */
  rebuilds?: number;
}

export class TargetSeriesCache {
  /** Indexed by ref: refs are small dense integers (the core's series table index). */
  private entries: (SeriesEntry | undefined)[] = [];
  /** New series seen through the resolver since the last sync. */
  private observedSinceSync = 0;
  private core: Core | undefined;
  private trapCount = 0;
  private rebuilds = 0;
  private lastSynced: ScrapeOfTarget | undefined;

  /** Records new series as the core resolves them: call from the source's resolver, before it decides. */
  observe(batch: readonly NewSeries[]): void {
    for (let i = 0; i < batch.length; i++) {
      const { ref, labels } = batch[i];
      this.entries[ref] = new SeriesEntry(ref, labels);
    }
    this.observedSinceSync += batch.length;
  }

  /** Brings the cache in line with a finished scrape; idempotent for the same scrape. */
  sync(scrape: ScrapeOfTarget): void {
    if (scrape === this.lastSynced) return;
    this.lastSynced = scrape;
    const { core, summary } = scrape;
    const observedAll = summary.newSeries <= this.observedSinceSync;
    const rebuilt = (scrape.rebuilds ?? 0) !== this.rebuilds;
    this.rebuilds = scrape.rebuilds ?? 0;
    // Refs of a shrunk core were renumbered without going through the resolver.
    if (rebuilt) this.clear();
    const instanceChanged = core !== this.core || core.trapCount !== this.trapCount;
    // With the hook, every ref of this snapshot was observed when it was created, whatever
    // happened before (a trap's rebuilt instance starts with every series new).
    if (!observedAll || (instanceChanged && this.observedSinceSync === 0)) this.clear();
    this.core = core;
    this.trapCount = core.trapCount;
    this.observedSinceSync = 0;
  }

  /** The entry of a ref, decoding its labels from the core when it is not known yet. */
  entry(ref: number, core: Core): SeriesEntry {
    let entry = this.entries[ref];
    if (entry === undefined) {
      entry = new SeriesEntry(ref, core.labelsOf(ref));
      this.entries[ref] = entry;
    }
    return entry;
  }

  /** Entries currently held (for tests and /debug). */
  get size(): number {
    let n = 0;
    for (const entry of this.entries) if (entry !== undefined) n++;
    return n;
  }

  clear(): void {
    this.entries = [];
  }
}
