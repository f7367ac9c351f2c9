/**
 * The request headers a scrape sends and how the response's headers are read back: the Accept
 * header, the exposition format chosen from Content-Type, how the body is encoded, the
 * User-Agent and the scrape-timeout hint.
 *
 * The Accept header is built the way Prometheus (2.49 and later) builds it from
 * `scrape_protocols`: the protocols in order of preference, weighted from q=0.5 down by 0.1,
 * then `*\/*` one step lower. scrapewire parses only the text formats, so protobuf is never
 * offered, and PrometheusText1.0.0 (Prometheus 3's escaping scheme) is not offered either.
 */

import type { ExpositionFormat } from '../core/types';
import { version as packageVersion } from '../version';

/** Media ranges for the protocols scrapewire can parse, as Prometheus spells them. */
const OPENMETRICS_1_0_0 = 'application/openmetrics-text;version=1.0.0';
const OPENMETRICS_0_0_1 = 'application/openmetrics-text;version=0.0.1';
const PROMETHEUS_TEXT_0_0_4 = 'text/plain;version=0.0.4';

/** Prometheus's weights start at q=0.5 (its header table has four entries, plus one). */
const FIRST_WEIGHT = 5;

function weighted(protocols: readonly string[]): string {
  let weight = FIRST_WEIGHT;
  const values = protocols.map((protocol) => `${protocol};q=0.${weight--}`);
  values.push(`*/*;q=0.${weight}`);
  return values.join(',');
}

/**
 * `application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*\/*;q=0.2`:
 * byte for byte what Prometheus sends with its default scrape_protocols and no protobuf.
 */
export const ACCEPT_OPENMETRICS = weighted([OPENMETRICS_1_0_0, OPENMETRICS_0_0_1, PROMETHEUS_TEXT_0_0_4]);

/** `text/plain;version=0.0.4;q=0.5,*\/*;q=0.4`: scrape_protocols [PrometheusText0.0.4]. */
export const ACCEPT_TEXT_ONLY = weighted([PROMETHEUS_TEXT_0_0_4]);

export function acceptHeader(acceptOpenMetrics: boolean): string {
  return acceptOpenMetrics ? ACCEPT_OPENMETRICS : ACCEPT_TEXT_ONLY;
}

/** `scrapewire/0.1.0`, the version read from package.json at build time. */
export const USER_AGENT = `scrapewire/${packageVersion}`;

/**
 * The value of X-Prometheus-Scrape-Timeout-Seconds: seconds with no trailing zeros, as Go's
 * `strconv.FormatFloat(s, 'f', -1, 64)` prints them (`10`, `0.5`, `2.25`).
 */
export function scrapeTimeoutSeconds(timeoutMs: number): string {
  return String(timeoutMs / 1000);
}

/**
 * The exposition format of a response. Like Prometheus's textparse.New, only the media type
 * `application/openmetrics-text` selects OpenMetrics; anything else, including a missing or
 * malformed Content-Type, is read as the Prometheus text format.
 */
export function formatFromContentType(contentType: string): ExpositionFormat {
  const mediaType = contentType.split(';', 1)[0].trim().toLowerCase();
  return mediaType === 'application/openmetrics-text' ? 'openmetrics' : 'text';
}

/** How the body on the wire is encoded, from Content-Encoding. */
export type BodyEncoding = 'identity' | 'gzip' | { unsupported: string };

/**
 * We send `Accept-Encoding: gzip`, so gzip (or its old alias x-gzip) or nothing is what a
 * well-behaved server answers. Anything else would reach the parser as garbage, so it is
 * reported instead.
 */
export function bodyEncoding(contentEncoding: string | undefined): BodyEncoding {
  const value = (contentEncoding ?? '').trim().toLowerCase();
  if (value === '' || value === 'identity') return 'identity';
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  return { unsupported: value };
}
