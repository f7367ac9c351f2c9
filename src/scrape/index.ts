/** The HTTP side of a scrape: one streamed request per call, decompressed, with limits. */

export { HttpScraper, type ScrapeResponse } from './http-scraper';
export {
  REDACTED,
  type HttpBasicAuth,
  type HttpTargetDescription,
  type HttpTargetOptions,
  type HttpTlsOptions,
} from './http-target-options';
export {
  ACCEPT_OPENMETRICS, ACCEPT_TEXT_ONLY, DEFAULT_ACCEPT, USER_AGENT, acceptHeader, formatFromContentType, type ParserChoice,
} from './negotiation';

/** The scrape loop: targets from scrape_configs, their schedule, limits, report series, staleness. */
export { ScrapeManager, type ScrapeManagerOptions } from './scrape-manager';
export { ScrapeLoop, systemClock, scrapeOffset, nextSlot, targetKey, type LoopClock, type ScrapeLoopOptions } from './scrape-loop';
export { TargetScraper, targetIdentity, type TargetSpec, type ScrapeOutcome, type TargetHealth } from './target';
export { buildTargets, populateLabels, type BuiltTargets } from './target-labels';
export { writeScrape, type SampleSink, type SinkRequest } from './sample-sink';
export { mergeTargetLabels, labelLimitError, SeriesLabeler, type LabelLimits } from './series-labels';
export { scrapeIntoCore, type CoreScrape } from './scrape-into-core';
export { scrapeMetrics, type ScrapeMetrics } from './scrape-metrics';
export { httpClientOptions, type HttpClientOptions } from './http-client-options';
