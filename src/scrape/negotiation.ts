/**
 * The request headers a scrape sends and how the response's headers are read back: the Accept
 * header built from scrape_protocols, the parser chosen from Content-Type (with
 * fallback_scrape_protocol), how the body is encoded, the User-Agent and the scrape-timeout hint.
 *
 * Both follow Prometheus 3 (scrape/scrape.go acceptHeader, model/textparse/interface.go
 * extractMediaType and New; the same from v3.5 to main at d15adb9ad7e5):
 * - Accept lists the protocols in order of preference, weighted from q=0.6 down by 0.1 (the
 *   first weight is the number of protocols Prometheus knows plus one), then `*\/*` one step
 *   lower. The 1.0.0 text formats carry `escaping=<metric_name_escaping_scheme>`.
 * - The media type of Content-Type, parsed as Go's mime.ParseMediaType parses it, picks the
 *   parser: `application/openmetrics-text` OpenMetrics, `text/plain` the Prometheus text format
 *   (any version: the core reads quoted UTF-8 names either way), `application/vnd.google.protobuf`
 *   protobuf. A Content-Type that is blank, malformed or of another media type uses
 *   fallback_scrape_protocol; without one the scrape fails ("non-compliant scrape target...").
 *   Prometheus decides this only when the body is not empty, and so does the scrape's exchange
 *   (scrape-exchange.ts: the first non-empty chunk fails it).
 * - Prometheus looks at the media type only, not at `proto=` or `encoding=`: any
 *   `application/vnd.google.protobuf` answer is read as delimited MetricFamily messages, and a
 *   fallback may be PrometheusProto.
 */

import type { ExpositionFormat } from '../core/types';
import {
  DEFAULT_ESCAPING_SCHEME, DEFAULT_SCRAPE_PROTOCOLS, OPENMETRICS_TEXT_0_0_1, OPENMETRICS_TEXT_1_0_0, PROMETHEUS_PROTO,
  PROMETHEUS_TEXT_0_0_4, PROMETHEUS_TEXT_1_0_0, SCRAPE_PROTOCOLS, type EscapingScheme, type ScrapeProtocol,
} from '../config/scrape-protocols';
import type { ScrapeConfig } from '../config/types';
import { version as packageVersion } from '../version';

/** Prometheus's config.ScrapeProtocolsHeaders: each protocol's media range in Accept. */
export const SCRAPE_PROTOCOL_MEDIA_RANGES: Readonly<Record<ScrapeProtocol, string>> = {
  [PROMETHEUS_PROTO]: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
  [PROMETHEUS_TEXT_0_0_4]: 'text/plain;version=0.0.4',
  [PROMETHEUS_TEXT_1_0_0]: 'text/plain;version=1.0.0',
  [OPENMETRICS_TEXT_0_0_1]: 'application/openmetrics-text;version=0.0.1',
  [OPENMETRICS_TEXT_1_0_0]: 'application/openmetrics-text;version=1.0.0',
};

/** The formats whose 1.0.0 versions define the `escaping` parameter. */
const ESCAPING_PROTOCOLS: ReadonlySet<ScrapeProtocol> = new Set([PROMETHEUS_TEXT_1_0_0, OPENMETRICS_TEXT_1_0_0]);

/** `len(ScrapeProtocolsHeaders) + 1`: 6, so five protocols take q=0.6 to 0.2 and `*\/*` q=0.1. */
const FIRST_WEIGHT = SCRAPE_PROTOCOLS.length + 1;

/**
 * The Accept header for `protocols` (already validated: known, no duplicates, at most five), as
 * Prometheus builds it.
 */
export function acceptHeader(
  protocols: readonly ScrapeProtocol[] = DEFAULT_SCRAPE_PROTOCOLS,
  escaping: EscapingScheme = DEFAULT_ESCAPING_SCHEME,
): string {
  let weight = FIRST_WEIGHT;
  const values = protocols.map((protocol) => {
    const escapingParameter = ESCAPING_PROTOCOLS.has(protocol) ? `;escaping=${escaping}` : '';
    return `${SCRAPE_PROTOCOL_MEDIA_RANGES[protocol]}${escapingParameter};q=0.${weight--}`;
  });
  values.push(`*/*;q=0.${weight}`);
  return values.join(',');
}

/**
 * `application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*\/*;q=0.2`:
 * what Prometheus 3 sends with its default scrape_protocols.
 */
export const DEFAULT_ACCEPT = acceptHeader();

/** @deprecated The default Accept header, which offers the text formats too: use DEFAULT_ACCEPT. */
export const ACCEPT_OPENMETRICS = DEFAULT_ACCEPT;

/** `text/plain;version=0.0.4;q=0.6,*\/*;q=0.5`: scrape_protocols [PrometheusText0.0.4]. */
export const ACCEPT_TEXT_ONLY = acceptHeader([PROMETHEUS_TEXT_0_0_4]);

/** The negotiation settings of a target (HttpTargetOptions' fields of the same names). */
export interface NegotiationOptions {
  scrapeProtocols?: readonly ScrapeProtocol[];
  metricNameEscapingScheme?: EscapingScheme;
  /** @deprecated false means scrapeProtocols [PrometheusText0.0.4]; ignored when scrapeProtocols is set. */
  acceptOpenMetrics?: boolean;
}

/** The protocols a target offers: its own, else the default (text 0.0.4 only for acceptOpenMetrics false). */
export function offeredProtocols(options: NegotiationOptions): readonly ScrapeProtocol[] {
  if (options.scrapeProtocols !== undefined) return options.scrapeProtocols;
  return options.acceptOpenMetrics === false ? [PROMETHEUS_TEXT_0_0_4] : DEFAULT_SCRAPE_PROTOCOLS;
}

/** A scrape_config's negotiation fields as HttpTargetOptions (absent fields stay absent). */
export function negotiationOptions(config: Pick<ScrapeConfig, 'scrape_protocols' | 'fallback_scrape_protocol' | 'metric_name_escaping_scheme'>):
  Pick<NegotiationOptions, 'scrapeProtocols' | 'metricNameEscapingScheme'> & { fallbackScrapeProtocol?: ScrapeProtocol } {
  const options: ReturnType<typeof negotiationOptions> = {};
  if (config.scrape_protocols !== undefined) options.scrapeProtocols = config.scrape_protocols;
  if (config.fallback_scrape_protocol !== undefined) options.fallbackScrapeProtocol = config.fallback_scrape_protocol;
  if (config.metric_name_escaping_scheme !== undefined) options.metricNameEscapingScheme = config.metric_name_escaping_scheme;
  return options;
}

export function acceptHeaderFor(options: NegotiationOptions): string {
  return acceptHeader(offeredProtocols(options), options.metricNameEscapingScheme ?? DEFAULT_ESCAPING_SCHEME);
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

/** What a protocol is parsed as; undefined for one scrapewire cannot parse. */
export function formatOfProtocol(protocol: ScrapeProtocol): ExpositionFormat | undefined {
  switch (protocol) {
    case OPENMETRICS_TEXT_0_0_1:
    case OPENMETRICS_TEXT_1_0_0:
      return 'openmetrics';
    case PROMETHEUS_TEXT_0_0_4:
    case PROMETHEUS_TEXT_1_0_0:
      return 'text';
    case PROMETHEUS_PROTO:
      return 'protobuf';
    default:
      return undefined;
  }
}

/** How a response's body is to be read. */
export interface ParserChoice {
  /** The parser; undefined when no parser can read this body and the scrape must fail with `problem`. */
  format?: ExpositionFormat;
  /**
   * Why Content-Type was not used as it came: the fallback was taken (format set), or the
   * scrape fails (format undefined). Worded as Prometheus words it where it has a message.
   */
  problem?: string;
  /** The `escaping` parameter of Content-Type, when there is one (informational: names are read as written). */
  escaping?: string;
}

const PROTOBUF_MEDIA_TYPE = 'application/vnd.google.protobuf';

/**
 * The parser for a response with this Content-Type ('' when absent), as Prometheus 3 chooses it.
 * `fallback` is the job's fallback_scrape_protocol.
 */
export function formatFromContentType(contentType: string, fallback?: ScrapeProtocol): ParserChoice {
  const fallbackFormat = fallback === undefined ? undefined : formatOfProtocol(fallback);
  const useFallback = (why: string, withoutFallback: string): ParserChoice => fallbackFormat === undefined
    ? { problem: withoutFallback }
    : { format: fallbackFormat, problem: `${why}, using fallback_scrape_protocol ${JSON.stringify(fallback)}` };

  if (contentType === '') {
    return useFallback('non-compliant scrape target sending blank Content-Type',
      'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target');
  }
  const parsed = parseMediaType(contentType);
  if ('error' in parsed) {
    return useFallback(`could not parse received Content-Type ${JSON.stringify(contentType)} (${parsed.error})`,
      `cannot parse Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol for target: ${parsed.error}`);
  }
  const escaping = parsed.parameters.get('escaping');
  const choice = (format: ExpositionFormat): ParserChoice => (escaping === undefined ? { format } : { format, escaping });
  switch (parsed.mediaType) {
    case 'application/openmetrics-text':
      return choice('openmetrics');
    case 'text/plain':
      return choice('text');
    case PROTOBUF_MEDIA_TYPE:
      return choice('protobuf');
    default:
      return useFallback(`received unsupported Content-Type ${JSON.stringify(contentType)}`,
        `received unsupported Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol specified for target`);
  }
}

/** RFC 2045 tspecials: not allowed in a token. */
const TSPECIALS = '()<>@,;:\\"/[]?=';

function isTokenChar(char: string): boolean {
  const code = char.charCodeAt(0);
  return code > 0x20 && code < 0x7f && !TSPECIALS.includes(char);
}

/** The length of the token at the start of `text` (0 when there is none). */
function tokenLength(text: string): number {
  let length = 0;
  while (length < text.length && isTokenChar(text[length])) length++;
  return length;
}

/**
 * Go's mime.ParseMediaType, which Prometheus uses: the media type lower-cased and trimmed, a
 * token or `type/subtype` of tokens; then `; name=value` parameters (value a token or a
 * quoted-string without CR/LF, never empty), names lower-cased, a trailing `;` allowed, a name
 * given twice an error. Where Go returns an error, `error` is its message. RFC 2231
 * continuations (`name*0`) are kept as separate names, which is all Prometheus needs of them.
 */
export function parseMediaType(value: string): { mediaType: string; parameters: Map<string, string> } | { error: string } {
  const semicolon = value.indexOf(';');
  const base = semicolon === -1 ? value : value.slice(0, semicolon);
  const mediaType = base.toLowerCase().trim();
  const typeLength = tokenLength(mediaType);
  if (typeLength === 0) return { error: 'mime: no media type' };
  if (typeLength < mediaType.length) {
    if (mediaType[typeLength] !== '/') return { error: 'mime: expected slash after first token' };
    const subtypeLength = tokenLength(mediaType.slice(typeLength + 1));
    if (subtypeLength === 0) return { error: 'mime: expected token after slash' };
    if (typeLength + 1 + subtypeLength !== mediaType.length) return { error: 'mime: unexpected content after media subtype' };
  }

  const parameters = new Map<string, string>();
  let rest = value.slice(base.length);
  while (rest.length > 0) {
    rest = rest.trimStart();
    if (rest.length === 0) break;
    const parameter = consumeParameter(rest);
    if (parameter === undefined) {
      // A trailing semicolon is not an error.
      return rest.trim() === ';' ? { mediaType, parameters } : { error: 'mime: invalid media parameter' };
    }
    if (parameters.has(parameter.name)) return { error: 'mime: duplicate parameter name' };
    parameters.set(parameter.name, parameter.value);
    rest = parameter.rest;
  }
  return { mediaType, parameters };
}

/** `; name = value` at the start of `text` (Go's consumeMediaParam). */
function consumeParameter(text: string): { name: string; value: string; rest: string } | undefined {
  let rest = text.trimStart();
  if (!rest.startsWith(';')) return undefined;
  rest = rest.slice(1).trimStart();
  const nameLength = tokenLength(rest);
  if (nameLength === 0) return undefined;
  const name = rest.slice(0, nameLength).toLowerCase();
  rest = rest.slice(nameLength).trimStart();
  if (!rest.startsWith('=')) return undefined;
  rest = rest.slice(1).trimStart();
  const value = consumeValue(rest);
  if (value === undefined || value.value === '') return undefined;
  return { name, value: value.value, rest: value.rest };
}

/** A token or a quoted-string (backslash quotes the next character; CR and LF end it in failure). */
function consumeValue(text: string): { value: string; rest: string } | undefined {
  if (!text.startsWith('"')) {
    const length = tokenLength(text);
    return { value: text.slice(0, length), rest: text.slice(length) };
  }
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const char = text[i];
    if (char === '\\' && i + 1 < text.length) value += text[++i];
    else if (char === '"') return { value, rest: text.slice(i + 1) };
    else if (char === '\r' || char === '\n') return undefined;
    else value += char;
  }
  return undefined;
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
