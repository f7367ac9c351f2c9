/** The HTTP side of a scrape: one streamed request per call, decompressed, with limits. */

export { HttpScraper, type ScrapeResponse } from './http-scraper';
export {
  REDACTED,
  type HttpBasicAuth,
  type HttpTargetDescription,
  type HttpTargetOptions,
  type HttpTlsOptions,
} from './http-target-options';
export { ACCEPT_OPENMETRICS, ACCEPT_TEXT_ONLY, USER_AGENT, formatFromContentType } from './negotiation';
