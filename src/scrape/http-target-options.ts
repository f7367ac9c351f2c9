/**
 * The settings of one HTTP(S) scrape target, their validation, and the two ways a target is
 * shown to humans: `displayUrl` (for error messages: the URL without user info) and
 * `describeHttpTarget` (for /targets and logs: every secret replaced by `<secret>`).
 *
 * Field names follow Prometheus's scrape_config / http_config in camelCase:
 *   scrape_timeout -> scrapeTimeoutMs, body_size_limit -> bodySizeLimitBytes,
 *   params, bearer_token(_file), basic_auth, tls_config, follow_redirects, http_headers (plain),
 *   scrape_protocols -> scrapeProtocols, fallback_scrape_protocol -> fallbackScrapeProtocol,
 *   metric_name_escaping_scheme -> metricNameEscapingScheme.
 */

import { ScrapewireError } from '../errors';
import {
  isEscapingScheme, scrapeProtocolProblem, scrapeProtocolsProblem, type EscapingScheme, type ScrapeProtocol,
} from '../config/scrape-protocols';
import { acceptHeaderFor, offeredProtocols } from './negotiation';

/** TLS settings of a target. */
export interface HttpTlsOptions {
  /** PEM file of the CA(s) that sign the server's certificate (replaces the system roots). */
  caFile?: string;
  /** PEM client certificate for mutual TLS; needs keyFile. */
  certFile?: string;
  /** PEM private key of certFile. */
  keyFile?: string;
  /** Name to send as SNI and to check the server's certificate against, instead of the URL's host. */
  serverName?: string;
  /** Accept any server certificate. For tests and broken kubelets only. */
  insecureSkipVerify?: boolean;
}

/** Basic authentication of a target. */
export interface HttpBasicAuth {
  username: string;
  /** Inline password: a secret. At most one of password and passwordFile. */
  password?: string;
  /** File holding the password (whitespace around it trimmed); re-read when it changes. */
  passwordFile?: string;
}

/** The settings of one HTTP(S) target, Prometheus's scrape_config fields in camelCase. */
export interface HttpTargetOptions {
  /** http:// or https:// URL of the metrics page. User info in it is used as basic auth. */
  url: string;
  /** Limit on the whole scrape: connecting, headers and reading the body to its end. */
  scrapeTimeoutMs: number;
  /** Limit on the decompressed body; absent or 0 means none. */
  bodySizeLimitBytes?: number;
  /** Extra request headers. Headers scrapewire sets itself (Accept, Authorization, ...) are refused. */
  headers?: Record<string, string>;
  /** Query parameters; each key replaces the same key in the URL's query. */
  params?: Record<string, string[]>;
  /**
   * The Authorization scheme sent with bearerToken / bearerTokenFile: "Bearer" unless set (a
   * Prometheus `authorization.type`, such as "Token" or "ApiKey").
   */
  authorizationType?: string;
  /** Inline bearer token (the credentials of `authorizationType`): a secret. */
  bearerToken?: string;
  /** File holding the bearer token (e.g. a Kubernetes service-account token); re-read when it changes. */
  bearerTokenFile?: string;
  basicAuth?: HttpBasicAuth;
  tls?: HttpTlsOptions;
  /**
   * The formats offered in Accept, most wanted first (Prometheus's scrape_protocols names).
   * Default: OpenMetricsText1.0.0, OpenMetricsText0.0.1, PrometheusText1.0.0, PrometheusText0.0.4.
   */
  scrapeProtocols?: readonly ScrapeProtocol[];
  /** The parser for a response whose Content-Type is blank, malformed or unknown. Default: none, the scrape fails. */
  fallbackScrapeProtocol?: ScrapeProtocol;
  /** The `escaping` asked for with the 1.0.0 text formats. Default allow-utf-8. */
  metricNameEscapingScheme?: EscapingScheme;
  /** @deprecated Use scrapeProtocols. false offers PrometheusText0.0.4 only; ignored when scrapeProtocols is set. */
  acceptOpenMetrics?: boolean;
  /** Follow 3xx redirects (at most 10, like Go's client). Default true, like Prometheus. */
  followRedirects?: boolean;
}

/** What `describeHttpTarget` prints in place of a secret. */
export const REDACTED = '<secret>';

/**
 * Headers scrapewire sets itself, or that would break the request or smuggle credentials past
 * the redaction. Prometheus refuses a similar list in http_headers.
 */
const RESERVED_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'authorization',
  'connection',
  'content-encoding',
  'content-length',
  'content-type',
  'host',
  'keep-alive',
  'proxy-authorization',
  'te',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-prometheus-scrape-timeout-seconds',
]);

/** Custom headers whose value is shown as `<secret>` by describe(): anything that looks like a credential. */
const SENSITIVE_HEADER = /auth|token|secret|key|password|cookie|session|credential/i;

function configError(field: string, reason: string): ScrapewireError {
  return new ScrapewireError('ERR_CONFIG', `${field}: ${reason}`);
}

/** The URL with user name and password removed: the only form of the URL that errors and logs show. */
export function displayUrl(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

/** Options after validation, with defaults filled in and the request URL built once. */
export interface ResolvedHttpTarget {
  options: HttpTargetOptions;
  /** URL to request: params applied, user info removed. */
  requestUrl: URL;
  /** `requestUrl.href`, the target name in every error. */
  target: string;
  /** User info of the configured URL, used as basic auth when basicAuth is not set. */
  urlBasicAuth?: HttpBasicAuth;
  /** The protocols offered, defaults applied. */
  scrapeProtocols: readonly ScrapeProtocol[];
  /** The Accept header they make. */
  accept: string;
  followRedirects: boolean;
  bodySizeLimitBytes: number;
}

/** Checks the options once, when the scraper is built; throws ERR_CONFIG naming the field. */
export function resolveHttpTarget(options: HttpTargetOptions): ResolvedHttpTarget {
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    // The URL may carry a password: never echo it.
    throw configError('url', 'not a valid absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw configError('url', `scheme must be http or https, not ${parsed.protocol.replace(/:$/, '')}`);
  }
  const target = displayUrl(parsed);
  const fail = (field: string, reason: string) =>
    new ScrapewireError('ERR_CONFIG', `${field}: ${reason}`, { target });

  if (!Number.isFinite(options.scrapeTimeoutMs) || options.scrapeTimeoutMs <= 0) {
    throw fail('scrapeTimeoutMs', 'must be a positive number of milliseconds');
  }
  const limit = options.bodySizeLimitBytes ?? 0;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw fail('bodySizeLimitBytes', 'must be a non-negative integer (0: no limit)');
  }

  for (const name of Object.keys(options.headers ?? {})) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw fail(`headers.${name}`, 'is set by scrapewire and cannot be overridden');
    }
  }

  let urlBasicAuth: HttpBasicAuth | undefined;
  if (parsed.username !== '' || parsed.password !== '') {
    urlBasicAuth = { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
  }
  const authKinds = [
    options.bearerToken !== undefined || options.bearerTokenFile !== undefined ? 'bearer token' : undefined,
    options.basicAuth !== undefined ? 'basicAuth' : undefined,
    urlBasicAuth !== undefined ? 'user info in url' : undefined,
  ].filter((kind) => kind !== undefined);
  if (authKinds.length > 1) throw fail('auth', `at most one of ${authKinds.join(', ')} may be set`);
  if (options.bearerToken !== undefined && options.bearerTokenFile !== undefined) {
    throw fail('bearerToken', 'at most one of bearerToken and bearerTokenFile may be set');
  }
  if (options.basicAuth !== undefined) {
    if (!options.basicAuth.username) throw fail('basicAuth.username', 'is required');
    if (options.basicAuth.password !== undefined && options.basicAuth.passwordFile !== undefined) {
      throw fail('basicAuth.password', 'at most one of password and passwordFile may be set');
    }
  }
  const tls = options.tls ?? {};
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw fail('tls.certFile', 'certFile and keyFile must be set together');
  }
  if (options.scrapeProtocols !== undefined) {
    const problem = scrapeProtocolsProblem(options.scrapeProtocols);
    if (problem !== undefined) throw fail(problem.index === undefined ? 'scrapeProtocols' : `scrapeProtocols[${problem.index}]`, problem.reason);
  }
  if (options.fallbackScrapeProtocol !== undefined) {
    const problem = scrapeProtocolProblem(options.fallbackScrapeProtocol);
    if (problem !== undefined) throw fail('fallbackScrapeProtocol', problem);
  }
  if (options.metricNameEscapingScheme !== undefined && !isEscapingScheme(options.metricNameEscapingScheme)) {
    throw fail('metricNameEscapingScheme', `unknown name escaping method ${JSON.stringify(options.metricNameEscapingScheme)}`);
  }

  const requestUrl = new URL(target);
  for (const [key, values] of Object.entries(options.params ?? {})) {
    requestUrl.searchParams.delete(key);
    for (const value of values) requestUrl.searchParams.append(key, value);
  }

  return {
    options,
    requestUrl,
    target: requestUrl.href,
    urlBasicAuth,
    scrapeProtocols: offeredProtocols(options),
    accept: acceptHeaderFor(options),
    followRedirects: options.followRedirects ?? true,
    bodySizeLimitBytes: limit,
  };
}

/** A JSON-safe view of the target's settings with every secret replaced by `<secret>`. */
export interface HttpTargetDescription {
  url: string;
  scrapeTimeoutMs: number;
  bodySizeLimitBytes: number;
  scrapeProtocols: readonly ScrapeProtocol[];
  fallbackScrapeProtocol?: ScrapeProtocol;
  metricNameEscapingScheme?: EscapingScheme;
  followRedirects: boolean;
  headers?: Record<string, string>;
  authorizationType?: string;
  bearerToken?: string;
  bearerTokenFile?: string;
  basicAuth?: { username: string; password?: string; passwordFile?: string };
  tls?: HttpTlsOptions;
}

export function describeHttpTarget(resolved: ResolvedHttpTarget): HttpTargetDescription {
  const { options } = resolved;
  const description: HttpTargetDescription = {
    url: resolved.target,
    scrapeTimeoutMs: options.scrapeTimeoutMs,
    bodySizeLimitBytes: resolved.bodySizeLimitBytes,
    scrapeProtocols: resolved.scrapeProtocols,
    followRedirects: resolved.followRedirects,
  };
  if (options.fallbackScrapeProtocol !== undefined) description.fallbackScrapeProtocol = options.fallbackScrapeProtocol;
  if (options.metricNameEscapingScheme !== undefined) description.metricNameEscapingScheme = options.metricNameEscapingScheme;
  if (options.headers !== undefined) {
    description.headers = Object.fromEntries(
      Object.entries(options.headers).map(([name, value]) => [name, SENSITIVE_HEADER.test(name) ? REDACTED : value]),
    );
  }
  if (options.authorizationType !== undefined) description.authorizationType = options.authorizationType;
  if (options.bearerToken !== undefined) description.bearerToken = REDACTED;
  if (options.bearerTokenFile !== undefined) description.bearerTokenFile = options.bearerTokenFile;
  const basicAuth = options.basicAuth ?? resolved.urlBasicAuth;
  if (basicAuth !== undefined) {
    description.basicAuth = { username: basicAuth.username };
    if (basicAuth.password !== undefined) description.basicAuth.password = REDACTED;
    if (basicAuth.passwordFile !== undefined) description.basicAuth.passwordFile = basicAuth.passwordFile;
  }
  // File paths and flags only: no TLS setting holds key material inline.
  if (options.tls !== undefined) description.tls = { ...options.tls };
  return description;
}
