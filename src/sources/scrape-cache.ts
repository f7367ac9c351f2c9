/**
 * ScrapeCache: one HTTP request per source per interval, however many consumers read it
 * (DESIGN invariant 4).
 *
 * A source is one endpoint: a name, an HttpScraper and the Core its pages are parsed into.
 * `get(name, intervalStart)` is single-flight and keyed by the source's NAME: the entry of a
 * source remembers which interval its current scrape belongs to, and
 *   - a caller for that interval (or an older one) gets the same promise, in flight or settled,
 *     failure included (a failed scrape is not retried within its interval);
 *   - the first caller for a newer interval starts the next scrape, after the current one settles
 *     (two scrapes never share a core).
 * A timestamp never enters a key: a cache keyed by time never hits, which is how the design's
 * first OOM happened.
 *
 * Consumers read the result through `core.snapshot()`; nobody re-parses the page. The snapshot
 * and every view it hands out stay valid until the next scrape of the source begins, which
 * cannot happen before the next interval: read it right after `await`, without awaiting
 * anything else in between, or check `isCurrent()` first.
 */
import { Core } from '../core/core';
import { ScrapewireError } from '../core/errors';
import type { CoreOptions, ExpositionFormat, NewSeriesResolver, ScrapeSummary } from '../core/types';
import type { HttpScraper } from '../scrape/http-scraper';
import { scrapeIntoCore } from '../scrape/scrape-into-core';

export interface SourceDefinition {
  name: string;
  scraper: HttpScraper;
  /** Options of the source's core (ignored when `core` is given). */
  coreOptions?: CoreOptions;
  core?: Core;
  /** Default true. */
  honorTimestamps?: boolean;
  /** Decides once per new series (plugins' decisions); default: keep every series. */
  resolve?: NewSeriesResolver;
}

export interface CachedScrape {
  source: string;
  /** The interval this scrape was made for. */
  intervalStart: number;
  /** When the scrape started (the samples' timestamp), in ms. */
  timestampMs: number;
  format: ExpositionFormat;
  summary: ScrapeSummary;
  /** Read `core.snapshot()` and `core.labelsOf(ref)`; do not call begin/feed/finish/abort. */
  core: Core;
  /** False once a newer scrape of the source has begun: the snapshot then belongs to it. */
  isCurrent(): boolean;
}

interface SourceEntry {
  definition: SourceDefinition;
  core: Core;
  /** The interval of the latest scrape started, and its result. */
  intervalStart: number;
  current: Promise<CachedScrape> | undefined;
  generation: number;
  requests: number;
}

export interface ScrapeCacheOptions {
  /** Wall clock in ms for scrape timestamps. Default Date.now. */
  now?: () => number;
}

export class ScrapeCache {
  private readonly sources = new Map<string, SourceEntry>();
  private readonly now: () => number;

  constructor(options: ScrapeCacheOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Registers a source; its name must be unique. */
  add(definition: SourceDefinition): void {
    if (this.sources.has(definition.name)) {
      throw new ScrapewireError('ERR_CONFIG', `source "${definition.name}" is defined twice; names must be unique`);
    }
    this.sources.set(definition.name, {
      definition,
      // Scrapes check OpenMetrics syntax, not every family rule (see CoreOptions).
      core: definition.core ?? Core.create({ openMetricsValidation: 'syntax', ...definition.coreOptions }),
      intervalStart: -Infinity,
      current: undefined,
      generation: 0,
      requests: 0,
    });
  }

  has(name: string): boolean {
    return this.sources.has(name);
  }

  /** Source names. */
  names(): string[] {
    return [...this.sources.keys()];
  }

  /** HTTP requests made for a source so far. */
  requestCount(name: string): number {
    return this.sources.get(name)?.requests ?? 0;
  }

  /**
   * The source's scrape for the interval starting at `intervalStart` (ms), made once whatever
   * the number of callers. Rejects with the scrape's ScrapewireError (naming the target), the
   * same one for every caller of that interval.
   */
  get(name: string, intervalStart: number): Promise<CachedScrape> {
    const entry = this.sources.get(name);
    if (entry === undefined) return Promise.reject(new ScrapewireError('ERR_USAGE', `unknown source "${name}"`));
    if (entry.current !== undefined && intervalStart <= entry.intervalStart) return entry.current;
    const previous = entry.current;
    entry.intervalStart = intervalStart;
    entry.current = this.fetch(entry, intervalStart, previous);
    // Callers may never look at a failed interval; that must not be an unhandled rejection.
    entry.current.catch(() => undefined);
    return entry.current;
  }

  private async fetch(entry: SourceEntry, intervalStart: number, previous: Promise<CachedScrape> | undefined): Promise<CachedScrape> {
    if (previous !== undefined) await previous.catch(() => undefined);
    const { definition, core } = entry;
    const generation = ++entry.generation;
    const timestampMs = Math.floor(this.now());
    entry.requests++;
    const { summary, format } = await scrapeIntoCore(definition.scraper, core, {
      timestampMs,
      honorTimestamps: definition.honorTimestamps ?? true,
      resolve: definition.resolve,
    });
    return {
      source: definition.name,
      intervalStart,
      timestampMs,
      format,
      summary,
      core,
      isCurrent: () => entry.generation === generation,
    };
  }

  /** Forgets a source after its scrape in flight settles, and closes its scraper. */
  async remove(name: string): Promise<void> {
    const entry = this.sources.get(name);
    if (entry === undefined) return;
    this.sources.delete(name);
    await entry.current?.catch(() => undefined);
    await entry.definition.scraper.close();
  }

  async close(): Promise<void> {
    await Promise.all(this.names().map((name) => this.remove(name)));
  }
}
