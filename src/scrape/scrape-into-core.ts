/**
 * One scrape from an HttpScraper into a Core: the request, the streamed body fed chunk by chunk,
 * the end of the body and the resolution of new series: the library's one-call scrape for a
 * single core. (The scrape loop feeds its targets through the shared fetch, shared-fetch.ts.)
 *
 * On any failure the core is left as if the scrape never happened (core.abort() if it had
 * begun: the previous good scrape stays the reference for staleness) and the error is a
 * ScrapewireError naming the target.
 */
import type { Core } from '../core/core';
import { ScrapewireError } from '../errors';
import type { ExpositionFormat, NewSeriesResolver, ScrapeSummary } from '../core/types';
import type { Fetcher } from './fetcher';

/** A scrape's timestamp, timestamp policy, signal and new-series resolver. */
export interface ScrapeIntoCoreOptions {
  /** The scrape's timestamp (its start), in ms. */
  timestampMs: number;
  honorTimestamps: boolean;
  signal?: AbortSignal;
  resolve?: NewSeriesResolver;
  /** Called with the size of each body chunk fed (GC pacing: src/runtime/gc-pacing.ts countScrapedBytes). */
  onBodyBytes?: (bytes: number) => void;
}

/** A finished scrape into a core: its summary and format. */
export interface CoreScrape {
  summary: ScrapeSummary;
  format: ExpositionFormat;
}

/** One scrape of a target (HttpScraper or LocalScraper) into a core; rejects with a ScrapewireError naming the target, or the signal's reason. */
export async function scrapeIntoCore(http: Fetcher, core: Core, options: ScrapeIntoCoreOptions): Promise<CoreScrape> {
  let begun = false;
  try {
    const response = await http.scrape(options.signal);
    try {
      core.begin({ format: response.format, timestampMs: options.timestampMs, honorTimestamps: options.honorTimestamps }, options.resolve);
      begun = true;
      for await (const chunk of response.body) {
        core.feed(chunk);
        options.onBodyBytes?.(chunk.length);
      }
      return { summary: core.finish(), format: response.format };
    } finally {
      response.discard();
    }
  } catch (err) {
    // Only a begun scrape may be aborted: abort() makes the previous scrape's refs the current
    // ones, which would shift the staleness reference back by one if nothing had begun.
    if (begun) core.abort();
    throw asScrapeError(err, http.target);
  }
}

/** Any failure of a scrape as a ScrapewireError naming `target`. */
export function asScrapeError(err: unknown, target: string): ScrapewireError {
  if (err instanceof ScrapewireError) return err.target === undefined ? err.withTarget(target) : err;
  const reason = err instanceof Error ? err.message : String(err);
  return new ScrapewireError('ERR_CORE_STATE', `scrape failed: ${reason}`, { target, cause: err });
}
