/**
 * What a target's fetch is made with: an HTTP(S) request (HttpScraper), or a call of an
 * in-process source for a `local://name` target (LocalScraper). The shared fetch, the scrape
 * loop and TargetScraper use either alike; nothing else in the pipeline tells them apart.
 */
import { HttpScraper } from './http-scraper';
import type { HttpTargetOptions } from './http-target-options';
import { isLocalUrl, LocalScraper, LocalSources } from './local-source';

/** One target's (or fetch group's) source of bodies: one `scrape()` per fetch. */
export type Fetcher = Pick<HttpScraper, 'target' | 'scrape' | 'close'>;

const NO_SOURCES = new LocalSources();

/** The fetcher for `options.url`; throws ERR_CONFIG for bad settings. */
export function createFetcher(options: HttpTargetOptions, localSources: LocalSources = NO_SOURCES): Fetcher {
  return isLocalUrl(options.url) ? new LocalScraper(options, localSources) : new HttpScraper(options);
}
