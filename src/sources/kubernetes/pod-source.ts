/**
 * A discovered pod target as something to scrape: HttpScraper options, or a ScrapeCache source
 * named after the target's id. Application endpoints get no credentials by default (the
 * service-account token is for the kubelet, and must not be sent to arbitrary pods); pass
 * `http` to give https targets a CA or a client certificate.
 */
import type { CoreOptions } from '../../core/types';
import { HttpScraper } from '../../scrape/http-scraper';
import type { HttpTargetOptions } from '../../scrape/http-target-options';
import type { SourceDefinition } from '../scrape-cache';
import type { PodTarget } from './pod-targets';

export interface PodSourceOptions {
  scrapeTimeoutMs: number;
  bodySizeLimitBytes?: number;
  http?: Omit<HttpTargetOptions, 'url' | 'scrapeTimeoutMs' | 'bodySizeLimitBytes'>;
  coreOptions?: CoreOptions;
}

export function podHttpOptions(target: PodTarget, options: PodSourceOptions): HttpTargetOptions {
  const http: HttpTargetOptions = { ...(options.http ?? {}), url: target.url, scrapeTimeoutMs: options.scrapeTimeoutMs };
  if (options.bodySizeLimitBytes !== undefined) http.bodySizeLimitBytes = options.bodySizeLimitBytes;
  return http;
}

/** A source named `pod/<namespace>/<pod>/<container>:<port>`. */
export function podSource(target: PodTarget, options: PodSourceOptions): SourceDefinition {
  const source: SourceDefinition = { name: `pod/${target.id}`, scraper: new HttpScraper(podHttpOptions(target, options)) };
  if (options.coreOptions !== undefined) source.coreOptions = options.coreOptions;
  return source;
}
