/** Shared scrapes: one request per source per interval, read by every consumer. */
export { ScrapeCache, type CachedScrape, type ScrapeCacheOptions, type SourceDefinition } from './scrape-cache';
