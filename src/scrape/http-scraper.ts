/**
 * HttpScraper: one HTTP(S) scrape target, and one streamed request per `scrape()` call.
 *
 * ```ts
 * const scraper = new HttpScraper({ url: 'https://10.0.0.1:10250/metrics', scrapeTimeoutMs: 10_000,
 *   bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
 *   tls: { caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' } });
 * const res = await scraper.scrape(signal);      // resolves once the headers are in
 * for await (const chunk of res.body) core.feed(chunk);   // decompressed, streamed
 * await scraper.close();
 * ```
 *
 * What a scrape does, as Prometheus does it:
 *   - sends Accept (built from scrapeProtocols as Prometheus 3 builds it), Accept-Encoding:
 *     gzip, User-Agent: scrapewire/<version>, X-Prometheus-Scrape-Timeout-Seconds, the target's
 *     custom headers and its Authorization (bearer token / basic auth; files re-checked with one
 *     stat per scrape, so a rotated Kubernetes token is used by the next scrape);
 *   - reads the format from Content-Type (negotiation.ts formatFromContentType): blank, malformed
 *     or unknown types use fallbackScrapeProtocol, else the body fails the scrape (ERR_PARSE) once
 *     it has a byte; `application/vnd.google.protobuf` is read as the protobuf exposition;
 *   - decodes gzip as a stream, counting body_size_limit after decompression;
 *   - applies scrape_timeout to the fetch: the request and receiving the body to its last byte
 *     (as Prometheus bounds its HTTP fetch); a body already received is parsed without it;
 *   - follows up to 10 redirects (followRedirects, default true; undici drops Authorization on a
 *     redirect to another origin, as Go's client does); with followRedirects false a 3xx is a
 *     failed scrape whose error names the status and where it pointed.
 *
 * Errors are ScrapewireErrors naming the target URL without credentials (see scrape-errors.ts):
 * `scrape()` rejects with ERR_HTTP_STATUS (non-2xx, or a transport failure), ERR_SCRAPE_TIMEOUT,
 * ERR_CONFIG (unreadable credential/TLS file); iterating `body` throws ERR_SCRAPE_TIMEOUT,
 * ERR_BODY_SIZE_LIMIT or a transport failure. If the caller's signal aborts, its `reason` is
 * thrown as is.
 *
 * The body must be read to its end, broken out of, or `discard()`ed; otherwise the socket stays
 * busy until the scrape timeout aborts it. Secrets never appear in errors, `describe()`,
 * `toJSON()` or `util.inspect()` of the scraper.
 */

import { inspect } from 'node:util';
import { request, type Dispatcher } from 'undici';

import { ScrapewireError } from '../errors';
import type { ExpositionFormat } from '../core/types';
import { Authorization } from './authorization';
import type { ConnectionPools } from './connection-pools';
import {
  describeHttpTarget,
  resolveHttpTarget,
  type HttpTargetDescription,
  type HttpTargetOptions,
  type ResolvedHttpTarget,
} from './http-target-options';
import { bodyEncoding, formatFromContentType, refuseNonEmptyBody, scrapeTimeoutSeconds, USER_AGENT, type ParserChoice } from './negotiation';
import { ScrapeBody } from './scrape-body';
import { ScrapeDeadline } from './scrape-deadline';
import { contentTypeError, httpStatusError, transportError, unsupportedEncodingError } from './scrape-errors';
import { MAX_REDIRECTS, TargetDispatcher } from './target-dispatcher';

/** A scrape's response once its headers are in: the body to read, its format. */
export interface ScrapeResponse {
  /** HTTP status, always 2xx (anything else rejects `scrape()`). */
  status: number;
  /**
   * Exposition format from Content-Type (or the fallback). When no parser fits, 'text' and a
   * body that throws the reason at its first byte.
   */
  format: ExpositionFormat;
  /** Content-Type as the server sent it ('' when absent). */
  contentType: string;
  /**
   * Decompressed body chunks. Iterable once; throws ScrapewireErrors mid-stream. Each chunk
   * belongs to the consumer (it is not reused).
   */
  body: AsyncIterable<Uint8Array>;
  /** Decompressed bytes read so far (the chunk that crossed body_size_limit included). */
  bytesRead(): number;
  /** Bytes read from the socket so far (compressed size for a gzip body). */
  wireBytesRead(): number;
  /** Releases the request without reading the body. Safe to call after reading it, too. */
  discard(): void;
}

/** One HTTP(S) target: one streamed request per scrape(), decompressed, with its limits and credentials. */
export class HttpScraper {
  private readonly resolved: ResolvedHttpTarget;
  private readonly authorization: Authorization;
  private readonly dispatcher: TargetDispatcher;
  /** Request headers that do not change between scrapes; Authorization is added per scrape. */
  private readonly staticHeaders: Record<string, string>;
  /** Scrapes whose body is still open, aborted by close(). */
  private readonly inFlight = new Set<ScrapeDeadline>();

  /**
   * Validates the options (throws ERR_CONFIG naming the field); opens no connection yet. With
   * `pools` (the scrape loop's), connections are shared with the other targets on the same
   * host:port and connection settings; without, the target keeps one connection of its own.
   */
  constructor(options: HttpTargetOptions, pools?: ConnectionPools) {
    this.resolved = resolveHttpTarget(options);
    this.authorization = new Authorization(this.resolved);
    this.dispatcher = new TargetDispatcher(this.resolved, pools);
    this.staticHeaders = {
      ...(options.headers ?? {}),
      accept: this.resolved.accept,
      'accept-encoding': 'gzip',
      'user-agent': USER_AGENT,
      'x-prometheus-scrape-timeout-seconds': scrapeTimeoutSeconds(options.scrapeTimeoutMs),
    };
  }

  /** The last response's Content-Type and what formatFromContentType made of it. */
  private lastContentType: { text: string; parser: ParserChoice } | undefined;

  /** The target's URL without credentials: the name errors carry. */
  get target(): string {
    return this.resolved.target;
  }

  /**
   * Performs one request. Resolves when the response headers are in; the body is then read
   * from `body`, under the scrape timeout until its last byte has been received.
   */
  async scrape(signal?: AbortSignal): Promise<ScrapeResponse> {
    const { target, bodySizeLimitBytes } = this.resolved;
    // The deadline removes itself from inFlight when it is aborted or disposed.
    const deadline = new ScrapeDeadline(target, this.resolved.options.scrapeTimeoutMs, signal, this.inFlight);
    this.inFlight.add(deadline);

    let response: Awaited<ReturnType<typeof request>>;
    try {
      // Without TLS or credential files nothing needs reading: no promise before the request.
      let dispatcher = this.dispatcher.ready();
      let authorization: string | undefined;
      if (dispatcher === undefined || this.authorization.readsFiles) {
        [dispatcher, authorization] = await Promise.all([this.dispatcher.current(), this.authorization.headerValue()]);
        deadline.throwIfAborted();
      } else {
        authorization = this.authorization.configuredValue();
      }
      const headers =
        authorization === undefined ? this.staticHeaders : { ...this.staticHeaders, authorization };
      response = await request(this.resolved.requestUrl, {
        method: 'GET',
        headers,
        dispatcher,
        signal: deadline.requestSignal,
      });
    } catch (err) {
      deadline.dispose();
      if (err instanceof ScrapewireError && err.code === 'ERR_CONFIG') throw err;
      throw deadline.errorFor(err, (cause) => transportError(target, 'request failed', cause));
    }

    const { statusCode, headers, body } = response;
    if (statusCode >= 300 && statusCode <= 399 && headers.location !== undefined) {
      failResponse(body, deadline, redirectNotFollowedError(target, statusCode, headerString(headers.location), this.resolved));
    }
    if (statusCode < 200 || statusCode > 299) failResponse(body, deadline, httpStatusError(target, statusCode));
    const encoding = bodyEncoding(headerString(headers['content-encoding']));
    if (typeof encoding === 'object') failResponse(body, deadline, unsupportedEncodingError(target, encoding.unsupported));

    const contentType = headerString(headers['content-type']) ?? '';
    const scrapeBody = new ScrapeBody({
      source: body,
      encoding: encoding as 'identity' | 'gzip',
      limitBytes: bodySizeLimitBytes,
      deadline,
      target,
    });
    // A target answers with the same Content-Type scrape after scrape: parsed once, not per scrape.
    if (contentType !== this.lastContentType?.text) {
      this.lastContentType = { text: contentType, parser: formatFromContentType(contentType, this.resolved.options.fallbackScrapeProtocol) };
    }
    const parser = this.lastContentType.parser;
    return new HttpScrapeResponse(
      statusCode,
      parser.format ?? 'text',
      contentType,
      scrapeBody,
      parser.format === undefined ? refuseNonEmptyBody(scrapeBody, contentTypeError(target, parser.problem!)) : scrapeBody,
    );
  }

  /**
   * Aborts scrapes still in flight (their bodies throw), then closes the dispatcher and its
   * keep-alive sockets. Further scrape() calls reject with ERR_USAGE.
   */
  async close(): Promise<void> {
    const reason = new ScrapewireError('ERR_USAGE', 'scraper closed', { target: this.resolved.target });
    for (const deadline of this.inFlight) deadline.abort(reason);
    this.inFlight.clear();
    await this.dispatcher.close();
  }

  /** The settings with every secret shown as `<secret>`: safe for logs and the /targets page. */
  describe(): HttpTargetDescription {
    return describeHttpTarget(this.resolved);
  }

  /** The settings with every secret shown as `<secret>` (JSON.stringify). */
  toJSON(): HttpTargetDescription {
    return this.describe();
  }

  /** The settings with every secret shown as `<secret>` (util.inspect, console.log). */
  [inspect.custom](): string {
    return `HttpScraper ${inspect(this.describe(), { depth: 4 })}`;
  }
}

/** A response whose headers are in: one object per scrape, its methods on the prototype. */
class HttpScrapeResponse implements ScrapeResponse {
  constructor(
    readonly status: number,
    readonly format: ExpositionFormat,
    readonly contentType: string,
    private readonly scrapeBody: ScrapeBody,
    readonly body: AsyncIterable<Uint8Array>,
  ) {}

  bytesRead(): number {
    return this.scrapeBody.bytesRead;
  }

  wireBytesRead(): number {
    return this.scrapeBody.wireBytesRead;
  }

  discard(): void {
    this.scrapeBody.discard();
  }
}

/**
 * A response that fails the scrape: its error page is drained (up to undici's 128 KiB dump limit;
 * a bigger one is aborted) so the socket stays reusable. The deadline keeps running meanwhile: a
 * page that never ends is cut at the scrape timeout (or by close()), not left holding the connection.
 */
function failResponse(body: Dispatcher.ResponseData['body'], deadline: ScrapeDeadline, error: Error): never {
  body
    .dump()
    .catch(() => undefined)
    .finally(() => deadline.dispose());
  throw error;
}

/**
 * A 3xx with a Location that ends the scrape: follow_redirects is false, or the redirect
 * interceptor stopped after MAX_REDIRECTS (it then hands back the last 3xx, where Go's client
 * fails with "stopped after 10 redirects"). Prometheus reports both as a failed scrape; the
 * message says where it pointed (origin and path only: a Location's query or user info may hold
 * a token) and why it was not followed.
 */
function redirectNotFollowedError(target: string, status: number, location: string | undefined, resolved: ResolvedHttpTarget): ScrapewireError {
  let to = '';
  try {
    const url = new URL(location ?? '', resolved.requestUrl);
    to = ` to ${url.origin}${url.pathname}`;
  } catch {
    to = ' to an invalid location';
  }
  const why = resolved.followRedirects ? `stopped after ${MAX_REDIRECTS} redirects` : 'follow_redirects is false';
  return new ScrapewireError('ERR_HTTP_STATUS', `${httpStatusError(target, status).detail}: redirect${to} not followed (${why})`, { target });
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
