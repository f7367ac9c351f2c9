/**
 * What makes two targets' requests the same request: the key under which targets share one fetch
 * per interval (DESIGN invariant 4).
 *
 * Two targets, of any jobs, share a fetch when everything that shapes the request is equal: the
 * URL with its params, the headers, the credentials (by value for inline secrets, by path for
 * files), the TLS settings, redirects, content negotiation, the scrape timeout and the interval
 * (so one request serves one tick of every consumer). What each consumer does with the body is
 * not part of the key: honor_labels, honor_timestamps, relabeling, on_parse_error and every limit,
 * body_size_limit included, are applied per consumer to the shared body.
 *
 * The key is a digest of those settings: it never holds a timestamp (the first scrape cache of
 * this design's ancestor keyed by time and never hit) nor a secret in clear text.
 */
import { createHash } from 'node:crypto';
import type { HttpTargetOptions } from './http-target-options';
import { acceptHeaderFor } from './negotiation';

export interface FetchKeySource {
  intervalMs: number;
  http: HttpTargetOptions;
}

export function fetchKeyOf(target: FetchKeySource): string {
  const { http } = target;
  const settings = {
    url: http.url,
    params: http.params ?? {},
    headers: http.headers ?? {},
    authorizationType: http.authorizationType ?? 'Bearer',
    bearerToken: http.bearerToken ?? null,
    bearerTokenFile: http.bearerTokenFile ?? null,
    basicAuth: http.basicAuth === undefined ? null
      : [http.basicAuth.username, http.basicAuth.password ?? null, http.basicAuth.passwordFile ?? null],
    tls: http.tls === undefined ? null : [
      http.tls.caFile ?? null, http.tls.certFile ?? null, http.tls.keyFile ?? null, http.tls.serverName ?? null,
      http.tls.insecureSkipVerify === true,
    ],
    // Content negotiation: the Accept header sent, and the parser a response without a usable
    // Content-Type gets (one response, one parser for every member).
    accept: acceptHeaderFor(http),
    fallbackScrapeProtocol: http.fallbackScrapeProtocol ?? null,
    followRedirects: http.followRedirects ?? true,
    scrapeTimeoutMs: http.scrapeTimeoutMs,
    intervalMs: target.intervalMs,
  };
  return createHash('sha256').update(JSON.stringify(settings, sortedKeys)).digest('base64url').slice(0, 22);
}

/** JSON.stringify replacer that orders object keys, so `{a, b}` and `{b, a}` give one key. */
function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
